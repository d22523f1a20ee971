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
 * Speed: the two hot loops of each output row run as WebAssembly SIMD (assembly/resize-cubic.ts,
 * through resize-cubic-wasm.ts); this file builds the tap tables, copies the source rows into the
 * module's memory a window at a time and drives the rows. See resizeRows for the order of the
 * passes and why it gives OpenCV's exact result.
 */
import { InvalidParamError } from '../../errors.js';
import { reserveResizeCubicWasm } from './resize-cubic-wasm.js';

/** Weights are scaled by 2^11 and rounded (OpenCV's INTER_RESIZE_COEF_BITS). */
const COEF_SCALE = 2048;
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

const ALIGN = 16;
const alignUp = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;
/** Bytes per output pixel in the horizontal tap table: 4 offsets into the sums, 4 weights (Int32). */
const X_TAP_BYTES = 32;
/** f32x4 constants of the model-value conversion: scale, 3 mean splats, 3 std splats, mean RGB, std RGB. */
const CONV_BYTES = 9 * 16;
/** About this many bytes of source rows are copied into the kernels' memory at a time (fits L2). */
const WINDOW_BYTES = 256 * 1024;

/**
 * The shared engine: computes output rows top to bottom in the kernels' memory, as interleaved RGB
 * bytes, or with `conversion` as the model's input values in planar float32 (CHW) rows that are
 * copied out row by row (while they are in cache) into the returned tensor.
 *
 * The order of the passes differs from OpenCV's (vertical taps first, over contiguous source bytes,
 * then the horizontal taps on one row of sums) because that is much cheaper when shrinking a large
 * scan; the result does not change: the integer double sum Σ aᵢ·bₖ·P is exact in either order
 * (|sum| < 255 · 2816² < 2^31), and wherever OpenCV's float32 path could round it differently (next
 * to a tie) the kernel recomputes the value OpenCV's way, from its horizontal sums.
 */
function resizeRows(
  src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, conversion?: ModelValueConversion,
): Uint8Array | Float32Array {
  const x = cubicAxisTaps(srcWidth, dstWidth);
  const y = cubicAxisTaps(srcHeight, dstHeight);
  const srcStride = srcWidth * CHANNELS;
  const rowLength = dstWidth * CHANNELS;
  const area = dstWidth * dstHeight;
  // OpenCV's SIMD loop covers whole steps of 8 values per row; its scalar tail uses the integer result.
  const simdEnd = rowLength - (rowLength % SIMD_STEP);

  // Memory layout. The kernels read whole 16-byte vectors: source rows up to alignUp(srcStride),
  // sums 16 bytes past the last pixel's; a bytes row is written 1 byte past its end.
  const colBytes = 4 * alignUp(srcStride) + ALIGN;
  // A window of consecutive source rows, copied in with one call (see below).
  const windowRows = Math.min(srcHeight, Math.max(8, Math.min(64, Math.floor(WINDOW_BYTES / srcStride))));
  const planeBytes = alignUp(4 * dstWidth);
  const convAt = 0;
  const xTapsAt = convAt + CONV_BYTES;
  const windowAt = xTapsAt + alignUp(X_TAP_BYTES * dstWidth);
  const colAt = windowAt + alignUp(windowRows * srcStride + ALIGN);
  const outAt = colAt + alignUp(colBytes);
  const end = outAt + (conversion ? CHANNELS * planeBytes : alignUp(dstHeight * rowLength + 1));
  const { kernels, bytes, buffer } = reserveResizeCubicWasm(end);
  const base = kernels.heapBase();

  const xTaps = new Int32Array(buffer, base + xTapsAt, 8 * dstWidth);
  for (let dx = 0; dx < dstWidth; dx++) {
    for (let k = 0; k < 4; k++) {
      xTaps[8 * dx + k] = x.idx[4 * dx + k] * CHANNELS * 4; // byte offset of the source pixel's sums
      xTaps[8 * dx + 4 + k] = x.weight[4 * dx + k];
    }
  }
  let chw: Float32Array | undefined;
  let planeRows: Float32Array[] = [];
  let normalize = 0;
  if (conversion) {
    const { scale, mean, std } = conversion;
    normalize = mean.every((m) => m === 0) && std.every((d) => d === 1) ? 0 : 1;
    new Float32Array(buffer, base + convAt, CONV_BYTES / 4).set([
      scale, scale, scale, scale,
      ...[0, 1, 2].flatMap((c) => [mean[c], mean[c], mean[c], mean[c]]),
      ...[0, 1, 2].flatMap((c) => [std[c], std[c], std[c], std[c]]),
      mean[0], mean[1], mean[2], 0,
      std[0], std[1], std[2], 1,
    ]);
    // Every value is written below, so the tensor's memory need not be zeroed first (a memset of
    // the whole tensor whenever malloc hands back reused memory).
    const memory = Buffer.allocUnsafeSlow(4 * CHANNELS * area);
    chw = new Float32Array(memory.buffer, memory.byteOffset, CHANNELS * area);
    planeRows = [0, 1, 2].map((c) => new Float32Array(buffer, base + outAt + c * planeBytes, dstWidth));
  }

  // The source rows an output row needs are 4 consecutive ones (border-clamped), and they only
  // move forward: a window of consecutive rows serves many output rows, and when one needs a row
  // past it the window moves to start at that output row's first row (its other rows are copied
  // again, a few percent). One copy per window, not one per row, keeps the JS side cheap.
  const srcBytes = new Uint8Array(src.buffer, src.byteOffset, src.length);
  let windowStart = 0;
  let windowEnd = 0; // rows [windowStart, windowEnd) are in the window
  for (let dy = 0, t = 0; dy < dstHeight; dy++, t += 4) {
    const first = y.idx[t];
    if (y.idx[t + 3] >= windowEnd || first < windowStart) {
      windowStart = first;
      windowEnd = Math.min(srcHeight, first + windowRows);
      bytes.set(srcBytes.subarray(windowStart * srcStride, windowEnd * srcStride), base + windowAt);
    }
    const rowsAt = base + windowAt - windowStart * srcStride;
    kernels.resizeRow(
      rowsAt + y.idx[t] * srcStride, rowsAt + y.idx[t + 1] * srcStride, rowsAt + y.idx[t + 2] * srcStride, rowsAt + y.idx[t + 3] * srcStride,
      y.weight[t], y.weight[t + 1], y.weight[t + 2], y.weight[t + 3],
      base + colAt, srcStride, base + xTapsAt, dstWidth, simdEnd,
      base + outAt + dy * rowLength, conversion ? base + outAt : 0, planeBytes, base + convAt, normalize,
    );
    if (chw) for (let c = 0; c < CHANNELS; c++) chw.set(planeRows[c], c * area + dy * dstWidth);
  }
  return chw ?? bytes.slice(base + outAt, base + outAt + dstHeight * rowLength);
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
  return resizeRows(src, srcWidth, srcHeight, dstWidth, dstHeight) as Uint8Array;
}

/**
 * How a resized byte v of channel c becomes the model's input value, each step rounded to float32
 * as numpy computes on float32 arrays: v · scale, then (· − mean[c]) / std[c] (skipped when all
 * means are 0 and all stds 1, which changes nothing anyway).
 */
interface ModelValueConversion {
  readonly scale: number;
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

/**
 * The same resize, fused with the model's input conversion: output rows go straight into a planar
 * (CHW) float32 tensor, so the page is walked once.
 */
export function resizeCubicToChw(
  src: Uint8Array, srcWidth: number, srcHeight: number, dstWidth: number, dstHeight: number, conversion: ModelValueConversion,
): Float32Array {
  checkSizes(src, srcWidth, srcHeight, dstWidth, dstHeight);
  const { scale, mean, std } = conversion;
  const finite = Number.isFinite(scale) && mean.every(Number.isFinite) && std.every((d) => Number.isFinite(d) && d !== 0);
  if (!finite || mean.length !== CHANNELS || std.length !== CHANNELS) {
    throw InvalidParamError('conversion', 'expected a finite scale and three finite means and non-zero stds');
  }
  if (srcWidth !== dstWidth || srcHeight !== dstHeight) return resizeRows(src, srcWidth, srcHeight, dstWidth, dstHeight, conversion) as Float32Array;
  // Unchanged size (preprocess converts such pages itself): just the values and the layout change.
  const area = dstWidth * dstHeight;
  const chw = new Float32Array(CHANNELS * area);
  const s = f32(scale);
  for (let c = 0; c < CHANNELS; c++) {
    const m = f32(mean[c]);
    const d = f32(std[c]);
    const identity = m === 0 && d === 1;
    for (let i = 0; i < area; i++) {
      const scaled = f32(src[3 * i + c] * s);
      chw[c * area + i] = identity ? scaled : f32(f32(scaled - m) / d);
    }
  }
  return chw;
}
