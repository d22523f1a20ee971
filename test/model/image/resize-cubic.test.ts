/**
 * OpenCV-exact bicubic resize. Expected bytes are worked out by hand from OpenCV's formulas (see
 * each case's comment): Keys kernel a = −0.75, sample position (d + 0.5)·scale − 0.5, weights
 * rounded to integers ×2048, border replicated, result (Σ aᵢ·bₖ·P + 2^21) >> 22 with saturation,
 * except inside OpenCV's 8-wide SIMD part of a row, which rounds a float32 value half to even.
 * The same function before it moved to WebAssembly (test/fixtures/resize-cubic-reference.ts) is the
 * reference for random sizes; resize-cubic-opencv.test.ts compares with cv2 itself where installed.
 *
 * Weights used below (×2048, exact: the kernel values are short binary fractions):
 *   fraction 0.5  → [−192, 1216, 1216, −192]
 *   fraction 0.25 → [−216, 1800,  536,  −72]
 *   fraction 0.75 → [ −72,  536, 1800, −216]
 *   fraction 0    → [   0, 2048,    0,    0]   (unchanged axis: each output row is its source row)
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { LayoutError } from '../../../src/errors.js';
import { preprocessDecoded } from '../../../src/model/image/preprocess.js';
import { cubicAxisTaps, resizeCubicOpenCv, resizeCubicToChw } from '../../../src/model/image/resize-cubic.js';
import { repoRoot } from '../../fixtures/paths.js';
import { resizeCubicOpenCvReference, resizeCubicToChwReference } from '../../fixtures/resize-cubic-reference.js';

/** Interleaved RGB from per-pixel [r, g, b] triples. */
const rgb = (pixels: ReadonlyArray<readonly [number, number, number]>): Uint8Array => Uint8Array.from(pixels.flat());
/** Grey image from a function of (x, y): all three channels equal. */
function grey(width: number, height: number, value: (x: number, y: number) => number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) out.fill(value(x, y), (y * width + x) * 3, (y * width + x) * 3 + 3);
  return out;
}
/** Channel 0 of an interleaved image as rows, for readable comparisons. */
function redRows(data: Uint8Array, width: number, height: number): number[][] {
  return Array.from({ length: height }, (_, y) => Array.from({ length: width }, (_, x) => data[(y * width + x) * 3]));
}

describe('cubicAxisTaps', () => {
  it('places samples at (d + 0.5)·scale − 0.5 with Keys a = −0.75 weights and replicated borders', () => {
    // 2 → 4: positions −0.25, 0.25, 0.75, 1.25 → floor −1, 0, 0, 1; fractions 0.75, 0.25, 0.75, 0.25.
    const { idx, weight } = cubicAxisTaps(2, 4);
    assert.deepEqual([...idx], [0, 0, 0, 1, /**/ 0, 0, 1, 1, /**/ 0, 0, 1, 1, /**/ 0, 1, 1, 1]);
    assert.deepEqual([...weight], [-72, 536, 1800, -216, /**/ -216, 1800, 536, -72, /**/ -72, 536, 1800, -216, /**/ -216, 1800, 536, -72]);
  });

  it('uses 4 taps when shrinking (no anti-aliasing widening of the kernel)', () => {
    // 8 → 2: scale 4, positions 1.5 and 5.5, fraction 0.5 each.
    const { idx, weight } = cubicAxisTaps(8, 2);
    assert.deepEqual([...idx], [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.deepEqual([...weight], [-192, 1216, 1216, -192, -192, 1216, 1216, -192]);
  });
});

describe('resizeCubicOpenCv', () => {
  it('shrinks 4×1 → 2×1 to the hand-computed bytes (integer path, row shorter than 8 values)', () => {
    // Height 1 → 1: vertical weights [0, 2048, 0, 0], so out = round_half_up(H / 2048).
    // Output 0: position 0.5 → taps (0, 0, 1, 2) after replication; output 1: position 2.5 → (1, 2, 3, 3).
    //  R [10, 20, 40, 80]:  (−192·10 + 1216·10 + 1216·20 − 192·40) / 2048 = 26880 / 2048 = 13.125 → 13
    //                       (−192·20 + 1216·40 + 1216·80 − 192·80) / 2048 = 126720 / 2048 = 61.875 → 62
    //  G [0, 255, 0, 255]:  1216·255 / 2048 = 151.40625 → 151;  (−192 + 1216 − 192)·255 / 2048 = 103.59375 → 104
    //  B constant 100 stays 100.
    const src = rgb([[10, 0, 100], [20, 255, 100], [40, 0, 100], [80, 255, 100]]);
    assert.deepEqual([...resizeCubicOpenCv(src, 4, 1, 2, 1)], [13, 151, 100, 62, 104, 100]);
  });

  it('enlarges 2×1 → 4×1 to the hand-computed bytes, clamping overshoot to 0..255', () => {
    // Taps and weights as in the cubicAxisTaps case above.
    //  R [0, 200]: −216·200/2048 = −21.09 → 0;  (536 − 72)·200/2048 = 45.3125 → 45;
    //              (1800 − 216)·200/2048 = 154.6875 → 155;  (1800 + 536 − 72)·200/2048 = 221.09375 → 221
    //  G [100, 100] stays 100 (weights sum to 2048, and the border is replicated, not zero-padded).
    //  B [255, 0]: (−72 + 536 + 1800)·255/2048 = 281.9 → 255;  (−216 + 1800)·255/2048 = 197.2 → 197;
    //              (−72 + 536)·255/2048 = 57.77 → 58;  −216·255/2048 → 0
    const src = rgb([[0, 100, 255], [200, 100, 0]]);
    assert.deepEqual([...resizeCubicOpenCv(src, 2, 1, 4, 1)], [0, 100, 255, 45, 100, 197, 155, 100, 58, 221, 100, 0]);
  });

  it('shrinks a 2-D gradient 8×8 → 2×2 to the gradient at the sample points', () => {
    // P = 10x + 20y; positions 1.5 and 5.5 on both axes with symmetric weights (fraction 0.5), which
    // reproduce a straight line exactly: 10·1.5 + 20·1.5 = 45, 55 + 30 = 85, 15 + 110 = 125, 55 + 110 = 165.
    const out = resizeCubicOpenCv(grey(8, 8, (x, y) => 10 * x + 20 * y), 8, 8, 2, 2);
    assert.deepEqual(redRows(out, 2, 2), [[45, 85], [125, 165]]);
  });

  it('enlarges a 2-D gradient 4×4 → 8×8 to the hand-computed bytes, borders included', () => {
    // P = 100 + 40x + 10y. Per axis the weighted tap positions Σ w·i / 2048 are:
    //  output 0 (taps 0,0,0,1, fraction 0.75): −216/2048 = −0.10546875
    //  output 3 (taps 0,1,2,3, fraction 0.25): (1800 + 2·536 − 3·72)/2048 = 1.296875
    //  output 4 (taps 0,1,2,3, fraction 0.75): (536 + 2·1800 − 3·216)/2048 = 1.703125
    //  output 7 (taps 2,3,3,3, fraction 0.25): (−2·216 + 3·(1800 + 536 − 72))/2048 = 3.10546875
    // so (x 0, y 0): 100 − 4.21875 − 1.0546875 = 94.73 → 95;  (3, 3): 100 + 51.875 + 12.96875 = 164.84 → 165;
    // (4, 3): 100 + 68.125 + 12.96875 = 181.09 → 181;  (7, 7): 100 + 124.21875 + 31.0546875 = 255.27 → 255.
    const out = redRows(resizeCubicOpenCv(grey(4, 4, (x, y) => 100 + 40 * x + 10 * y), 4, 4, 8, 8), 8, 8);
    assert.equal(out[0][0], 95);
    assert.equal(out[3][3], 165);
    assert.equal(out[3][4], 181);
    assert.equal(out[7][7], 255);
    // Interior rows and columns increase monotonically, as the gradient does.
    for (let y = 1; y < 7; y++) for (let x = 1; x < 7; x++) assert.ok(out[y][x] > out[y][x - 1] && out[y][x] > out[y - 1][x], `(${x}, ${y})`);
  });

  it("rounds OpenCV's way in each part of a row: float32 half-to-even in its 8-wide SIMD part, integer half-up in the tail", () => {
    // 6×1 → 3×1, grey [0, 0, 0, 0, 0, 57]. Output 2 (position 4.5, taps 3, 4, 5, 5, fraction 0.5):
    // H = 1216·57 − 192·57 = 58368 = 28.5 · 2048, an exact tie. Its R and G are values 6 and 7 of the
    // row (inside OpenCV's SIMD step of 8): float32 28.5 → half to even → 28. Its B is value 8, the
    // scalar tail: (58368·2048 + 2^21) >> 22 = 29.
    const out = resizeCubicOpenCv(grey(6, 1, (x) => (x === 5 ? 57 : 0)), 6, 1, 3, 1);
    assert.deepEqual([...out], [0, 0, 0, 0, 0, 0, 28, 28, 29]);
  });

  it('returns an equal copy when the size is unchanged', () => {
    const src = grey(5, 3, (x, y) => x * 50 + y);
    const out = resizeCubicOpenCv(src, 5, 3, 5, 3);
    assert.deepEqual([...out], [...src]);
    assert.notEqual(out.buffer, src.buffer);
  });

  it('keeps a constant image constant, up to the borders, for any scale', () => {
    for (const value of [0, 1, 137, 254, 255]) {
      for (const [sw, sh, dw, dh] of [[5, 7, 3, 2], [7, 5, 13, 11], [1, 1, 3, 3], [300, 500, 80, 80], [31, 17, 800, 40]] as const) {
        const out = resizeCubicOpenCv(grey(sw, sh, () => value), sw, sh, dw, dh);
        assert.equal(out.length, dw * dh * 3);
        assert.ok(out.every((v) => v === value), `${value} at ${sw}×${sh} → ${dw}×${dh}`);
      }
    }
  });

  it('rejects sizes that do not match the pixel buffer', () => {
    assert.throws(() => resizeCubicOpenCv(new Uint8Array(11), 2, 2, 4, 4), (err: unknown) => err instanceof LayoutError && err.code === 'LAYOUT_ERR_INVALID_PARAM');
    assert.throws(() => resizeCubicOpenCv(new Uint8Array(12), 2, 2, 0, 4), (err: unknown) => err instanceof LayoutError && err.code === 'LAYOUT_ERR_INVALID_PARAM');
  });
});

/** Model-value conversions: PP-DocLayoutV3's (bytes × float32(1/255)) and ImageNet's mean/std. */
const IDENTITY = { scale: Math.fround(1 / 255), mean: [0, 0, 0], std: [1, 1, 1] } as const;
const IMAGENET = { scale: Math.fround(1 / 255), mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] } as const;
/** The model value of byte v in channel c, each step rounded to float32 (numpy on float32 arrays). */
function modelValue(v: number, c: number, { scale, mean, std }: { scale: number; mean: readonly number[]; std: readonly number[] }): number {
  const scaled = Math.fround(v * Math.fround(scale));
  return mean[c] === 0 && std[c] === 1 ? scaled : Math.fround(Math.fround(scaled - Math.fround(mean[c])) / Math.fround(std[c]));
}
/** The same as 256-entry tables, as the old implementation takes them. */
const asTables = (conversion: typeof IDENTITY | typeof IMAGENET) =>
  [0, 1, 2].map((c) => Float32Array.from({ length: 256 }, (_, v) => modelValue(v, c, conversion))) as unknown as [Float32Array, Float32Array, Float32Array];

describe('resizeCubicToChw', () => {
  it('equals resizeCubicOpenCv, then v · scale and (· − mean) / std in float32, then HWC → CHW', () => {
    const width = 37;
    const height = 23;
    const src = new Uint8Array(width * height * 3);
    for (let i = 0; i < src.length; i++) src[i] = (i * 193 + (i >> 5)) & 255;
    // Widths that are and are not multiples of the kernel's 4-pixel step; the unchanged size.
    for (const conversion of [IDENTITY, IMAGENET]) {
      for (const [dw, dh] of [[16, 9], [81, 50], [7, 3], [width, height]] as const) {
        const bytes = resizeCubicOpenCv(src, width, height, dw, dh);
        const chw = resizeCubicToChw(src, width, height, dw, dh, conversion);
        assert.equal(chw.length, 3 * dw * dh);
        for (let i = 0; i < dw * dh; i++) {
          for (let c = 0; c < 3; c++) assert.equal(chw[c * dw * dh + i], modelValue(bytes[3 * i + c], c, conversion), `${dw}×${dh} pixel ${i} channel ${c}`);
        }
      }
    }
  });

  it('rejects a conversion it cannot apply', () => {
    const src = new Uint8Array(2 * 2 * 3);
    for (const conversion of [{ ...IDENTITY, std: [1, 0, 1] }, { ...IDENTITY, mean: [0, 0] }, { ...IDENTITY, scale: Number.NaN }]) {
      assert.throws(() => resizeCubicToChw(src, 2, 2, 4, 4, conversion), (err: unknown) => err instanceof LayoutError && err.code === 'LAYOUT_ERR_INVALID_PARAM');
    }
  });
});

describe('preprocessDecoded resize option', () => {
  const info = { inputWidth: 8, inputHeight: 4, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const page = { data: Buffer.from(grey(4, 2, (x, y) => 100 + 40 * x + 10 * y)), width: 4, height: 2, format: 'raw' as const };
  const scale = Math.fround(1 / 255);

  it("uses OpenCV's cubic by default: the model input is its bytes × float32(1/255), planar", async () => {
    const { pixels } = await preprocessDecoded(page, info);
    const bytes = resizeCubicOpenCv(page.data, 4, 2, 8, 4);
    assert.deepEqual([...pixels.subarray(0, 32)], Array.from({ length: 32 }, (_, i) => Math.fround(bytes[3 * i] * scale)));
  });

  it("keeps libvips' cubic on request, which gives different pixels", async () => {
    const opencv = await preprocessDecoded(page, info, { resize: 'opencv' });
    const viaSharp = await preprocessDecoded(page, info, { resize: 'sharp' });
    assert.equal(viaSharp.pixels.length, opencv.pixels.length);
    assert.ok(viaSharp.pixels.some((v, i) => v !== opencv.pixels[i]));
  });

  it('rejects an unknown resize method', async () => {
    await assert.rejects(preprocessDecoded(page, info, { resize: 'lanczos' as 'opencv' }), (err: unknown) => err instanceof LayoutError && err.code === 'LAYOUT_ERR_INVALID_PARAM');
  });
});

describe('the WebAssembly kernels against the plain-TypeScript reference', () => {
  let seed = 99;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const image = (width: number, height: number, kind: number): Uint8Array => {
    const src = new Uint8Array(width * height * 3);
    for (let j = 0; j < src.length; j++) src[j] = kind === 0 ? Math.floor(random() * 256) : kind === 1 ? (random() < 0.5 ? 0 : 255) : (j * 7 + (j >> 9)) & 255;
    return src;
  };

  it('gives the same bytes on random sizes, up and down, odd and vector-aligned widths, one after another', () => {
    // Widths 16 and 32 make the source row a whole number of 16-byte vectors; 1-pixel axes clamp every tap.
    const cases: Array<[number, number, number, number]> = [[16, 16, 5, 40], [32, 3, 32, 9], [1, 9, 7, 1], [9, 1, 1, 4], [3, 700, 801, 2], [2480, 12, 800, 5]];
    for (let i = 0; i < 40; i++) cases.push([1 + Math.floor(random() * 260), 1 + Math.floor(random() * 260), 1 + Math.floor(random() * 260), 1 + Math.floor(random() * 260)]);
    cases.forEach(([sw, sh, dw, dh], i) => {
      const src = image(sw, sh, i % 3);
      const ours = resizeCubicOpenCv(src, sw, sh, dw, dh);
      const reference = resizeCubicOpenCvReference(src, sw, sh, dw, dh);
      assert.equal(ours.findIndex((v, j) => v !== reference[j]), -1, `${sw}×${sh} → ${dw}×${dh}`);
    });
  });

  it('gives the same CHW tensor, with and without mean/std', () => {
    for (const conversion of [IDENTITY, IMAGENET]) {
      for (const [sw, sh, dw, dh] of [[300, 410, 80, 80], [57, 33, 129, 70], [800, 7, 800, 800], [5, 5, 3, 2]] as const) {
        const src = image(sw, sh, 0);
        const ours = resizeCubicToChw(src, sw, sh, dw, dh, conversion);
        const reference = resizeCubicToChwReference(src, sw, sh, dw, dh, asTables(conversion));
        assert.equal(ours.findIndex((v, j) => !Object.is(v, reference[j])), -1, `${sw}×${sh} → ${dw}×${dh}`);
      }
    }
  });

  it('returns tensors that later resizes do not overwrite (they are copies out of the module memory)', () => {
    const first = resizeCubicToChw(image(40, 30, 0), 40, 30, 16, 16, IDENTITY);
    const kept = first.slice();
    const bytes = resizeCubicOpenCv(image(40, 30, 0), 40, 30, 16, 16);
    const keptBytes = bytes.slice();
    resizeCubicToChw(image(90, 70, 1), 90, 70, 16, 16, IDENTITY);
    resizeCubicOpenCv(image(90, 70, 1), 90, 70, 16, 16);
    assert.deepEqual(first, kept);
    assert.deepEqual(bytes, keptBytes);
  });
});

describe('the generated WebAssembly module', () => {
  it('is what assembly/resize-cubic.ts compiles to (npm run build:wasm was run after the last edit)', { timeout: 60_000 }, () => {
    const run = spawnSync(process.execPath, ['scripts/build-wasm.mjs', '--check'], { cwd: repoRoot, encoding: 'utf8', timeout: 55_000 });
    assert.equal(run.status, 0, run.stderr);
  });
});
