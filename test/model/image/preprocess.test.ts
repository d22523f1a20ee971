/**
 * Model-input preprocessing: exact CHW layout and float32 scaling on tiny images with known
 * colours, geometry for non-square pages, the no-resize path, mean/std normalisation, and the
 * decode+preprocess entry point on real sample pages.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { UnsupportedMediaError } from '../../../src/errors.js';
import type { DecodedImage } from '../../../src/model/image/decode.js';
import { preprocess, preprocessDecoded } from '../../../src/model/image/preprocess.js';
import { samplesDir } from '../../fixtures/paths.js';
import { missingDependency, sharedSamplesProblem } from '../../helpers/require-dep.js';

const V3 = { inputWidth: 800, inputHeight: 800, mean: [0, 0, 0], std: [1, 1, 1] } as const;
const IMAGENET = { inputWidth: 4, inputHeight: 2, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;

/** The float32 value PaddleX computes for byte v: v * float32(1/255), in float32. */
const scaled = (v: number): number => Math.fround(v * Math.fround(1 / 255));

function solid(width: number, height: number, rgb: readonly [number, number, number]): DecodedImage {
  const data = Buffer.alloc(width * height * 3);
  for (let i = 0; i < data.length; i += 3) data.set(rgb, i);
  return { data, width, height, format: 'raw' };
}


describe('preprocessDecoded', () => {
  it('lays out channels as CHW with float32 1/255 scaling (tiny image, known colours)', async () => {
    // 4 × 2 pixels, row-major: each pixel a different colour.
    const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255], [1, 2, 3], [10, 20, 30], [128, 64, 32], [255, 255, 255], [0, 0, 0]];
    const image: DecodedImage = { data: Buffer.from(colours.flat()), width: 4, height: 2, format: 'raw' };
    const { pixels, geometry } = await preprocessDecoded(image, { ...V3, inputWidth: 4, inputHeight: 2 });
    assert.equal(pixels.length, 3 * 4 * 2);
    const expected = [0, 1, 2].flatMap((channel) => colours.map((c) => scaled(c[channel])));
    assert.deepEqual([...pixels], expected);
    assert.deepEqual(geometry, { width: 4, height: 2, resizedWidth: 4, resizedHeight: 2, scaleX: 1, scaleY: 1 });
  });

  it('multiplies by float32(1/255) rather than dividing, as PaddleX does', async () => {
    const image: DecodedImage = { data: Buffer.from(Array.from({ length: 256 }, (_, v) => [v, v, v]).flat()), width: 256, height: 1, format: 'raw' };
    const { pixels } = await preprocessDecoded(image, { ...V3, inputWidth: 256, inputHeight: 1 });
    for (let v = 0; v < 256; v++) assert.equal(pixels[v], scaled(v));
    // The two roundings really differ for some bytes, so this test can tell them apart.
    assert.ok(Array.from({ length: 256 }, (_, v) => v).some((v) => scaled(v) !== Math.fround(v / 255)));
  });

  it('resizes a non-square page to exactly the model input, without keeping aspect ratio', async () => {
    const page = solid(300, 500, [10, 20, 30]);
    const { pixels, geometry } = await preprocessDecoded(page, V3);
    assert.equal(pixels.length, 3 * 800 * 800);
    assert.deepEqual(geometry, { width: 300, height: 500, resizedWidth: 800, resizedHeight: 800, scaleX: 800 / 300, scaleY: 800 / 500 });
    // A flat colour stays flat through any interpolation: every plane holds its channel's value.
    const area = 800 * 800;
    for (const [channel, value] of [[0, 10], [1, 20], [2, 30]] as const) {
      const plane = pixels.subarray(channel * area, (channel + 1) * area);
      assert.ok(plane.every((v) => v === scaled(value)), `channel ${channel}`);
    }
  });

  it('keeps left/right and top/bottom in place when resizing (no transpose or flip)', async () => {
    // 1000 × 600: left half black, right half white; top 100 rows pure red.
    const width = 1000;
    const height = 600;
    const data = Buffer.alloc(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const colour = y < 100 ? [255, 0, 0] : x < width / 2 ? [0, 0, 0] : [255, 255, 255];
        data.set(colour, (y * width + x) * 3);
      }
    }
    const { pixels } = await preprocessDecoded({ data, width, height, format: 'raw' }, V3);
    const at = (channel: number, x: number, y: number): number => pixels[channel * 640_000 + y * 800 + x];
    assert.equal(at(0, 100, 600), 0); // left: black
    assert.equal(at(0, 700, 600), 1); // right: white
    assert.equal(at(0, 400, 20), 1); // top band: red
    assert.equal(at(1, 400, 20), 0);
  });

  it('skips the resize when the page already has the input size', async () => {
    const data = Buffer.alloc(800 * 800 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (i * 7919) % 256;
    const { pixels, geometry } = await preprocessDecoded({ data, width: 800, height: 800, format: 'raw' }, V3);
    assert.equal(geometry.scaleX, 1);
    assert.equal(geometry.scaleY, 1);
    // Pixel-exact: any resampling of this high-frequency pattern would change values.
    for (const i of [0, 1, 2, 12345, 639_999]) {
      for (let c = 0; c < 3; c++) assert.equal(pixels[c * 640_000 + i], scaled(data[i * 3 + c]));
    }
  });

  it('applies (x - mean) / std per channel in float32', async () => {
    const colours = [[0, 128, 255], [255, 128, 0], [50, 100, 150], [200, 210, 220], [1, 2, 3], [4, 5, 6], [7, 8, 9], [250, 251, 252]];
    const image: DecodedImage = { data: Buffer.from(colours.flat()), width: 4, height: 2, format: 'raw' };
    const { pixels } = await preprocessDecoded(image, IMAGENET);
    const expected = [0, 1, 2].flatMap((c) => colours.map((p) => Math.fround(Math.fround(scaled(p[c]) - Math.fround(IMAGENET.mean[c])) / Math.fround(IMAGENET.std[c]))));
    assert.deepEqual([...pixels], expected);
    assert.ok(pixels[0] < -2 && pixels[16 + 0] > 2, 'normalisation really moved values outside [0, 1]');
  });

  it('rejects a pixel buffer that does not match the stated size', async () => {
    await assert.rejects(preprocessDecoded({ data: Buffer.alloc(10), width: 2, height: 2, format: 'raw' }, V3), /12 bytes/);
  });
});

describe('preprocess', () => {
  it('decodes bytes, applying EXIF orientation before measuring the page', async () => {
    const jpeg = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#808080' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const page = await preprocess(jpeg, V3, { name: 'rotated.jpg' });
    assert.equal(page.geometry.width, 80);
    assert.equal(page.geometry.height, 120);
    assert.equal(page.geometry.scaleX, 10);
    assert.equal(page.pixels.length, 3 * 800 * 800);
    assert.ok(page.decodeMs >= 0 && page.preprocessMs >= 0);
  });

  it('accepts an already decoded image and reports no decode time', async () => {
    const page = await preprocess(solid(20, 10, [0, 0, 0]), V3);
    assert.equal(page.decodeMs, 0);
    assert.equal(page.geometry.width, 20);
  });

  it('refuses PDF bytes (they must be rasterized first)', async () => {
    await assert.rejects(preprocess(Buffer.from('%PDF-1.7\n%%EOF\n'), V3, { name: 'a.pdf' }), (err) => UnsupportedMediaError.is(err));
  });

  it('gives sane inputs for the real sample pages', { skip: missingDependency('shared', sharedSamplesProblem()), timeout: 60_000 }, async () => {
    const samples = samplesDir;
    const files = fs.readdirSync(samples).filter((f) => /\.(jpe?g|png)$/i.test(f));
    assert.ok(files.length > 0, 'samples folder has no images');
    for (const file of files) {
      const bytes = fs.readFileSync(path.join(samples, file));
      const meta = await sharp(bytes).metadata();
      const page = await preprocess(bytes, V3, { name: file });
      const upright = (meta.orientation ?? 1) >= 5;
      assert.equal(page.geometry.width, upright ? meta.height : meta.width, file);
      assert.equal(page.geometry.height, upright ? meta.width : meta.height, file);
      let min = Infinity;
      let max = -Infinity;
      for (const v of page.pixels) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      assert.ok(min >= 0 && max <= 1 && max - min > 0.5, `${file}: values in [${min}, ${max}]`);
    }
  });
});
