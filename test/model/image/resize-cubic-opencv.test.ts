/**
 * The exact cubic resize against OpenCV itself, where a Python with cv2 and numpy is installed
 * (Debian's python3-opencv, or opencv-python with IPP switched off): random images of odd sizes up
 * and down, the real sample pages and an A4 300 dpi scan, both as bytes (cv2.resize INTER_CUBIC)
 * and as the model input preprocess makes of them (PaddleX: the bytes as float32 × float32(1/255),
 * HWC → CHW), compared bit for bit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeImage } from '../../../src/model/image/decode.js';
import { preprocessDecoded } from '../../../src/model/image/preprocess.js';
import { resizeCubicOpenCv } from '../../../src/model/image/resize-cubic.js';
import { samplesDir } from '../../fixtures/paths.js';
import { findOpenCvPython, missingDependency } from '../../helpers/require-dep.js';

interface Case {
  readonly name: string;
  readonly src: Uint8Array;
  readonly size: readonly [srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number];
}

/**
 * cv2's results for each case: the resized bytes and, as PaddleX prepares the model input, the
 * planar float32 of bytes × float32(1/255). IPP off: x86-64 wheels route 8-bit cubic through Intel
 * IPP, whose rounding differs by ±1 (not reproduced, see resize-cubic.ts); builds without IPP never use it.
 */
function openCvResults(python: string, dir: string, cases: readonly Case[]): Array<{ bytes: Buffer; chw: Float32Array }> {
  cases.forEach((c, i) => fs.writeFileSync(path.join(dir, `src${i}.bin`), c.src));
  fs.writeFileSync(path.join(dir, 'cases.json'), JSON.stringify(cases.map((c) => c.size)));
  const script = [
    'import cv2, numpy as np, json, sys',
    'd = sys.argv[1]',
    "getattr(cv2, 'ipp', None) and cv2.ipp.setUseIPP(False)",
    "for i, (sw, sh, dw, dh) in enumerate(json.load(open(d + '/cases.json'))):",
    "    src = np.fromfile(f'{d}/src{i}.bin', np.uint8).reshape(sh, sw, 3)",
    '    out = cv2.resize(src, (dw, dh), interpolation=cv2.INTER_CUBIC)',
    "    out.tofile(f'{d}/ref{i}.bin')",
    "    (out.astype(np.float32) * np.float32(1 / 255)).transpose(2, 0, 1).copy().tofile(f'{d}/chw{i}.bin')",
  ].join('\n');
  const run = spawnSync(python, ['-c', script, dir], { timeout: 100_000, encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  return cases.map((_, i) => {
    const chw = fs.readFileSync(path.join(dir, `chw${i}.bin`));
    return { bytes: fs.readFileSync(path.join(dir, `ref${i}.bin`)), chw: new Float32Array(chw.buffer, chw.byteOffset, chw.length / 4) };
  });
}

let seed = 20240611;
const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);

/** Noise, or hard black/white edges (which overshoot and saturate), by case parity. */
function randomImage(width: number, height: number, i: number): Uint8Array {
  const src = new Uint8Array(width * height * 3);
  for (let j = 0; j < src.length; j++) src[j] = i % 2 ? Math.floor(random() * 256) : random() < 0.5 ? 0 : 255;
  return src;
}

/** An A4 300 dpi scan: paper, dark text-like strokes, a noisy photo band, a smooth gradient. */
function scan(width: number, height: number): Uint8Array {
  const src = new Uint8Array(width * height * 3).fill(247);
  for (let y = 150; y < height - 150; y += 45) {
    for (let x = 150; x < width - 150; x += 12 + Math.floor(random() * 18)) {
      const w = 3 + Math.floor(random() * 10);
      const ink = 15 + Math.floor(random() * 60);
      for (let dy = 0; dy < 26; dy++) src.fill(ink, ((y + dy) * width + x) * 3, ((y + dy) * width + x + w) * 3);
    }
  }
  for (let j = 3 * width * 1200; j < 3 * width * 1700; j++) src[j] = Math.floor(random() * 256);
  for (let y = 2000; y < 2400; y++) for (let j = 0; j < 3 * width; j++) src[3 * width * y + j] = (j / 30 + y) & 255;
  return src;
}

const info = { inputWidth: 800, inputHeight: 800, mean: [0, 0, 0], std: [1, 1, 1] } as const;
const python = findOpenCvPython();

describe('against OpenCV itself', { skip: missingDependency('cv2', python ? undefined : 'no python3 that imports cv2 and numpy (apt-get install python3-opencv)') }, () => {
  let dir = '';
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'resize-cubic-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('matches cv2.resize INTER_CUBIC byte for byte on random images and sizes, up and down', { timeout: 120_000 }, () => {
    const sizes: Array<[number, number, number, number]> = [
      [6, 1, 3, 1], [2, 1, 4, 1], [1, 1, 3, 3], [801, 799, 800, 800], [2480, 350, 800, 80], [16, 16, 5, 40],
      [7, 5, 800, 800], [1023, 17, 33, 800], [13, 11, 799, 801], [3001, 9, 800, 3],
    ];
    for (let i = 0; i < 16; i++) sizes.push([1 + Math.floor(random() * 400), 1 + Math.floor(random() * 400), 1 + Math.floor(random() * 400), 1 + Math.floor(random() * 400)]);
    const cases = sizes.map((size, i) => ({ name: `random ${i}`, size, src: randomImage(size[0], size[1], i) }));
    const references = openCvResults(python!, dir, cases);
    cases.forEach(({ src, size: [sw, sh, dw, dh] }, i) => {
      const ours = resizeCubicOpenCv(src, sw, sh, dw, dh);
      const mismatch = ours.findIndex((v, j) => v !== references[i].bytes[j]);
      assert.equal(mismatch, -1, `${sw}×${sh} → ${dw}×${dh}: first difference at byte ${mismatch}`);
    });
  });

  it("gives PaddleX's model input bit for bit for the sample pages and a 2480×3508 scan", { timeout: 120_000 }, async () => {
    const cases: Case[] = [];
    for (const file of fs.readdirSync(samplesDir).filter((f) => f.endsWith('.jpg')).sort()) {
      const page = await decodeImage(fs.readFileSync(path.join(samplesDir, file)), { name: file });
      cases.push({ name: file, src: page.data, size: [page.width, page.height, info.inputWidth, info.inputHeight] });
    }
    assert.ok(cases.length > 0, `no sample pages in ${samplesDir}`);
    cases.push({ name: 'scan 2480×3508', src: scan(2480, 3508), size: [2480, 3508, info.inputWidth, info.inputHeight] });
    const references = openCvResults(python!, dir, cases);
    for (const [i, { name, src, size: [width, height] }] of cases.entries()) {
      const { pixels } = await preprocessDecoded({ data: Buffer.from(src.buffer, src.byteOffset, src.length), width, height, format: 'raw' }, info);
      const mismatch = pixels.findIndex((v, j) => !Object.is(v, references[i].chw[j]));
      assert.equal(mismatch, -1, `${name}: first difference at value ${mismatch}: ${pixels[mismatch]} vs ${references[i].chw[mismatch]}`);
    }
  });
});
