/**
 * Bicubic resize of 8-bit interleaved RGB that reproduces OpenCV's `cv2.resize(img, size,
 * interpolation=cv2.INTER_CUBIC)` bit for bit (its generic CPU path, as built into the released
 * wheels and distribution packages), because PaddleX prepares PP-DocLayout pages with it and the
 * model was trained on exactly those pixels. What makes OpenCV's cubic differ from libvips' (sharp):
 *
 * - Keys kernel with a = −0.75 (not Catmull-Rom's −0.5), always 4 taps: no widening of the kernel
 *   (anti-aliasing) when shrinking, so a 3× reduction samples 4 of every ~9 source pixels.
 * - Sample positions `src = (dst + 0.5) · (srcSize / dstSize) − 0.5`, computed in float32; border
 *   pixels are replicated.
 * - Fixed point for 8-bit images: the kernel weights are float32, scaled by 2^11 and rounded to
 *   integers (INTER_RESIZE_COEF_BITS = 11); the horizontal pass sums source bytes × weights in
 *   exact integers.
 * - The vertical pass has two arithmetics. OpenCV's SIMD loop (8 values at a time: 128-bit lanes,
 *   the SSE2/NEON baseline of its builds) converts the sums to float32 and computes
 *   `S0·b0 + (S1·b1 + (S2·b2 + S3·b3))` with bᵢ = weightᵢ / 2^22, each product and sum rounded to
 *   float32 (no FMA in the baseline), then rounds half to even and saturates. The scalar tail (the
 *   last `width·3 mod 8` values of a row) stays in integers: `(Σ Sᵢ·weightᵢ + 2^21) >> 22`,
 *   saturated. Both are reproduced, each where OpenCV uses it.
 *
 * Not reproduced: Intel IPP. x86-64 wheels of opencv-python ship IPP and use it for 8-bit cubic
 * resizes by default; its results differ from the generic path by ±1 in 1–4% of values (measured
 * on the sample pages against opencv-python 4.14 with IPP on and off). ARM builds, builds without
 * IPP and `cv2.ipp.setUseIPP(False)` give exactly what this file computes.
 *
 * Speed (~25 ms for 2480×3508 → 800×800 on one core): tap tables are built once per call, each
 * output row needs one Int32Array of vertical sums over contiguous source bytes (see resizeRows for
 * why that order gives OpenCV's exact result), and nothing is allocated per pixel.
 */
import { InvalidParamError } from '../../errors.js';

/** Weights are scaled by 2^11 and rounded (OpenCV's INTER_RESIZE_COEF_BITS). */
const COEF_SCALE = 2048;
/** Both passes' scales together: the vertical sum is divided by 2^22. */
const SHIFT_BOTH = 22;
const HALF_BOTH = 1 << (SHIFT_BOTH - 1);
/** Float32 1 / 2^22: exact, as OpenCV's `1.f / (COEF_SCALE · COEF_SCALE)`. */
const INV_SCALE_BOTH = 2 ** -SHIFT_BOTH;
/** Values per SIMD step of OpenCV's vertical pass (v_int16 lanes in a 128-bit register). */
const SIMD_STEP = 8;
const A = Math.fround(-0.75);
const CHANNELS = 3;

const f32 = Math.fround;

/** One axis' taps: for output i, source indices idx[4i..4i+3] (clamped) and integer weights w[4i..4i+3]. */
interface AxisTaps {
  readonly idx: Int32Array;
  readonly weight: Int32Array;
}

/** cvRound on a float32: round half to even, as `_mm_cvtss_si32` does. */
function roundHalfEven(v: number): number {
  const r = Math.round(v); // half up
  return r - v === 0.5 && (r & 1) !== 0 ? r - 1 : r;
}

/** OpenCV's interpolateCubic, evaluated operation by operation in float32 as its C++ does. */
function cubicWeights(x: number, out: Float64Array): void {
  const x1 = f32(x + 1);
  const w0 = f32(f32(f32(f32(f32(f32(A * x1) - f32(5 * A)) * x1) + f32(8 * A)) * x1) - f32(4 * A));
  const w1 = f32(f32(f32(f32(f32(f32(A + 2) * x) - f32(A + 3)) * x) * x) + 1);
  const mx = f32(1 - x);
  const w2 = f32(f32(f32(f32(f32(f32(A + 2) * mx) - f32(A + 3)) * mx) * mx) + 1);
  out[0] = w0;
  out[1] = w1;
  out[2] = w2;
  out[3] = f32(f32(f32(1 - w0) - w1) - w2);
}

/** Taps for resizing an axis of srcSize samples to dstSize, as OpenCV's resize tables. */
export function cubicAxisTaps(srcSize: number, dstSize: number): AxisTaps {
  // OpenCV derives the step as 1 / (dst / src) in double, then the position in double, then float.
  const scale = 1 / (dstSize / srcSize);
  const idx = new Int32Array(4 * dstSize);
  const weight = new Int32Array(4 * dstSize);
  const w = new Float64Array(4);
  const last = srcSize - 1;
  for (let d = 0; d < dstSize; d++) {
    const pos = f32((d + 0.5) * scale - 0.5);
    const s = Math.floor(pos);
    cubicWeights(f32(pos - s), w);
    for (let k = 0; k < 4; k++) {
      const i = s - 1 + k;
      idx[4 * d + k] = i < 0 ? 0 : i > last ? last : i; // border replicated
      weight[4 * d + k] = roundHalfEven(w[k] * COEF_SCALE); // ×2^11 is exact in float32
    }
  }
  return { idx, weight };
}

/**
 * Exact integer sums more than this far (in units of 2^-22) from a rounding tie round the same in
 * OpenCV's float32 arithmetic: its seven float32 roundings of values below 512 err by at most
 * 7 · 2^-16 ≈ 450 units, so 4096 leaves a wide margin and sends only ~0.2% of values to the slow,
 * operation-by-operation float32 emulation.
 */
const TIE_MARGIN = 4096;
const FRACTION_MASK = (1 << SHIFT_BOTH) - 1;

/** The current output row's taps, reused for every value that needs OpenCV's float32 arithmetic. */
interface RowTaps {
  /** Byte offsets of the 4 source rows. */
  readonly rowStart: Int32Array;
  /** Their integer weights, and the same divided by 2^22 (exact float32s, as OpenCV's SIMD uses). */
  readonly weight: Int32Array;
  readonly weightF32: Float64Array;
}

/**
 * One value as OpenCV's SIMD vertical pass computes it: the 4 rows' horizontal integer sums Sₖ, then
 * S0·b0 + (S1·b1 + (S2·b2 + S3·b3)) with every product and sum rounded to float32, rounded half to even.
 */
function openCvFloat32Value(src: Uint8Array, rows: RowTaps, xOffset: Int32Array, xWeight: Int32Array, t: number, channel: number): number {
  const { rowStart, weightF32: f } = rows;
  const o0 = xOffset[t] + channel;
  const o1 = xOffset[t + 1] + channel;
  const o2 = xOffset[t + 2] + channel;
  const o3 = xOffset[t + 3] + channel;
  const a0 = xWeight[t];
  const a1 = xWeight[t + 1];
  const a2 = xWeight[t + 2];
  const a3 = xWeight[t + 3];
  const s = [0, 1, 2, 3].map((k) => {
    const p = rowStart[k];
    return src[p + o0] * a0 + src[p + o1] * a1 + src[p + o2] * a2 + src[p + o3] * a3;
  });
  // |Sₖ| < 2^20, so converting them to float32 is exact.
  return roundHalfEven(f32(f32(s[0] * f[0]) + f32(f32(s[1] * f[1]) + f32(f32(s[2] * f[2]) + f32(s[3] * f[3])))));
}

/** Vertical taps over whole source rows: column[j] = Σₖ bₖ · row_k[j], exact integers. */
function verticalTaps(src: Uint8Array, rows: RowTaps, srcStride: number, column: Int32Array): void {
  const { rowStart, weight } = rows;
  // Views starting at each row keep the index arithmetic to one add per load.
  const r0 = src.subarray(rowStart[0], rowStart[0] + srcStride);
  const r1 = src.subarray(rowStart[1], rowStart[1] + srcStride);
  const r2 = src.subarray(rowStart[2], rowStart[2] + srcStride);
  const r3 = src.subarray(rowStart[3], rowStart[3] + srcStride);
  const b0 = weight[0];
  const b1 = weight[1];
  const b2 = weight[2];
  const b3 = weight[3];
  for (let j = 0; j < srcStride; j++) column[j] = r0[j] * b0 + r1[j] * b1 + r2[j] * b2 + r3[j] * b3;
}

/**
 * The shared engine: computes output rows top to bottom and hands each (interleaved RGB bytes, a
 * reused buffer) to `emitRow`.
 *
 * The order differs from OpenCV's (vertical taps first, over contiguous source bytes, then the
 * horizontal gather on one row of sums) because that is 2–3× faster here; the result does not
 * change: the integer double sum Σ aᵢ·bₖ·P is exact in either order (|sum| < 255 · 2816² < 2^31),
 * and wherever OpenCV's float32 path could round it differently (next to a tie) the value is
 * recomputed OpenCV's way, from its horizontal sums.
 */
function resizeRows(
  src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number,
  emitRow: (dy: number, row: Uint8Array) => void,
): void {
  const x = cubicAxisTaps(srcWidth, dstWidth);
  const y = cubicAxisTaps(srcHeight, dstHeight);
  const xOffset = x.idx.map((i) => i * CHANNELS);
  const xWeight = x.weight;
  const srcStride = srcWidth * CHANNELS;
  const rowLength = dstWidth * CHANNELS;
  // OpenCV's SIMD loop covers whole steps of 8 values per row; its scalar tail uses the integer result.
  const simdEnd = rowLength - (rowLength % SIMD_STEP);
  const column = new Int32Array(srcStride);
  const out = new Uint8Array(rowLength);
  const rows: RowTaps = { rowStart: new Int32Array(4), weight: new Int32Array(4), weightF32: new Float64Array(4) };
  for (let dy = 0, t = 0; dy < dstHeight; dy++, t += 4) {
    for (let k = 0; k < 4; k++) {
      rows.rowStart[k] = y.idx[t + k] * srcStride;
      rows.weight[k] = y.weight[t + k];
      rows.weightF32[k] = y.weight[t + k] * INV_SCALE_BOTH;
    }
    verticalTaps(src, rows, srcStride, column);
    for (let dx = 0, tx = 0, o = 0; dx < dstWidth; dx++, tx += 4, o += CHANNELS) {
      const o0 = xOffset[tx];
      const o1 = xOffset[tx + 1];
      const o2 = xOffset[tx + 2];
      const o3 = xOffset[tx + 3];
      const a0 = xWeight[tx];
      const a1 = xWeight[tx + 1];
      const a2 = xWeight[tx + 2];
      const a3 = xWeight[tx + 3];
      for (let c = 0; c < CHANNELS; c++) {
        const shifted = (column[o0 + c] * a0 + column[o1 + c] * a1 + column[o2 + c] * a2 + column[o3 + c] * a3 + HALF_BOTH) | 0;
        // Near a tie, and inside OpenCV's SIMD part, redo the value in OpenCV's float32 arithmetic.
        const fraction = (shifted + TIE_MARGIN) & FRACTION_MASK;
        const r = fraction < 2 * TIE_MARGIN && o + c < simdEnd
          ? openCvFloat32Value(src, rows, xOffset, xWeight, tx, c)
          : shifted >> SHIFT_BOTH; // OpenCV's integer result: (sum + 2^21) >> 22
        out[o + c] = r < 0 ? 0 : r > 255 ? 255 : r;
      }
    }
    emitRow(dy, out);
  }
}

function checkSizes(src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): void {
  for (const [key, value] of [['srcWidth', srcWidth], ['srcHeight', srcHeight], ['dstWidth', dstWidth], ['dstHeight', dstHeight]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw InvalidParamError(key, `expected a positive integer, got ${value}`);
  }
  if (src.length !== srcWidth * srcHeight * CHANNELS) {
    throw InvalidParamError('src', `expected ${srcWidth}×${srcHeight} RGB pixels (${srcWidth * srcHeight * CHANNELS} bytes), got ${src.length} bytes`);
  }
}

/**
 * Resizes interleaved RGB bytes as `cv2.resize(src, (dstWidth, dstHeight), interpolation=cv2.INTER_CUBIC)`
 * does. Like OpenCV, an unchanged size is a plain copy.
 */
export function resizeCubicOpenCv(src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number): Uint8Array {
  checkSizes(src, srcWidth, srcHeight, dstWidth, dstHeight);
  if (srcWidth === dstWidth && srcHeight === dstHeight) return Uint8Array.from(src);
  const dst = new Uint8Array(dstWidth * dstHeight * CHANNELS);
  const rowLength = dstWidth * CHANNELS;
  resizeRows(src, srcWidth, srcHeight, dstWidth, dstHeight, (dy, row) => dst.set(row, dy * rowLength));
  return dst;
}

/** Per-channel byte → model value tables (e.g. v · float32(1/255)), 256 entries each. */
export type ChannelTables = readonly [Float32Array, Float32Array, Float32Array];

/**
 * The same resize, fused with the model's input conversion: each output byte goes through its
 * channel's table straight into a planar (CHW) float32 tensor, so the page is walked once.
 */
export function resizeCubicToChw(
  src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, tables: ChannelTables,
): Float32Array {
  checkSizes(src, srcWidth, srcHeight, dstWidth, dstHeight);
  if (tables.length !== CHANNELS || tables.some((t) => t.length !== 256)) throw InvalidParamError('tables', 'expected three 256-entry tables');
  const [tr, tg, tb] = tables;
  const area = dstWidth * dstHeight;
  const chw = new Float32Array(CHANNELS * area);
  const writeRow = (dy: number, row: Uint8Array): void => {
    const start = dy * dstWidth;
    for (let i = start, s = 0, end = start + dstWidth; i < end; i++, s += 3) {
      chw[i] = tr[row[s]];
      chw[area + i] = tg[row[s + 1]];
      chw[2 * area + i] = tb[row[s + 2]];
    }
  };
  if (srcWidth === dstWidth && srcHeight === dstHeight) {
    const rowLength = srcWidth * CHANNELS;
    for (let dy = 0; dy < dstHeight; dy++) writeRow(dy, src.subarray(dy * rowLength, (dy + 1) * rowLength));
  } else {
    resizeRows(src, srcWidth, srcHeight, dstWidth, dstHeight, writeRow);
  }
  return chw;
}
