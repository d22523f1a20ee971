/**
 * WebAssembly SIMD kernels of the OpenCV-exact INTER_CUBIC resize (AssemblyScript, compiled by
 * `npm run build:wasm` into src/model/image/resize-cubic-wasm.generated.ts). The arithmetic and why
 * it reproduces cv2.resize bit for bit are described in src/model/image/resize-cubic.ts; this file
 * only does the two hot loops of one output row fast. The JS side lays out the memory and passes
 * byte offsets into it:
 *
 * - 4 source rows (RGB bytes, each readable up to its length rounded up to 16),
 * - `col`: Int32 vertical sums of the row (readable 16 bytes past its end),
 * - `xTaps`: per output pixel 4 Int32 byte offsets into `col` (12 · source column) then 4 Int32
 *   weights, 32 bytes a pixel,
 * - the output: a row of interleaved RGB bytes, or 3 planar float32 rows (and `conv`, the
 *   float32 constants that turn bytes into the model's input values).
 */

/** Both passes' weights are ×2^11: the double sum is ×2^22. */
const SHIFT_BOTH: i32 = 22;
const HALF_BOTH: i32 = 1 << (SHIFT_BOTH - 1);
/**
 * Where OpenCV's vertical pass uses float32 the kernel takes the exact integer sum when it lies
 * more than this far (in units of 2^-22) from a rounding tie, because it then rounds the same:
 * OpenCV's seven float32 roundings of values below 512 err by at most 7 · 2^-16 ≈ 450 units. The
 * ~0.2% of values nearer than that are redone in OpenCV's float32 arithmetic.
 */
const TIE_MARGIN: i32 = 4096;
const FRACTION_MASK: i32 = (1 << SHIFT_BOTH) - 1;
/** Exact float32 1 / 2^22, OpenCV's `1.f / (INTER_RESIZE_COEF_SCALE · INTER_RESIZE_COEF_SCALE)`. */
const INV_SCALE_BOTH: f32 = 1.0 / <f32>(1 << SHIFT_BOTH);

/** Where the JS side may start laying out buffers. */
export function heapBase(): usize {
  return __heap_base;
}

/**
 * col[j] = Σₖ bₖ · rowₖ[j] for j < count rounded up to 16: exact integers (|col| < 2^20). Bytes of
 * two rows are interleaved and widened to 16 bits, so one i32x4.dot_i16x8_s does two taps.
 */
function verticalTaps(r0: usize, r1: usize, r2: usize, r3: usize, b0: i32, b1: i32, b2: i32, b3: i32, col: usize, count: usize): void {
  const w01 = i32x4.splat((b1 << 16) | (b0 & 0xffff));
  const w23 = i32x4.splat((b3 << 16) | (b2 & 0xffff));
  for (let j: usize = 0; j < count; j += 16) {
    const a = v128.load(r0 + j);
    const b = v128.load(r1 + j);
    const c = v128.load(r2 + j);
    const d = v128.load(r3 + j);
    const ab0 = i8x16.shuffle(a, b, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const ab1 = i8x16.shuffle(a, b, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const cd0 = i8x16.shuffle(c, d, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const cd1 = i8x16.shuffle(c, d, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    const out = col + (j << 2);
    v128.store(out, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(ab0), w01), i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(cd0), w23)));
    v128.store(out, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(ab0), w01), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(cd0), w23)), 16);
    v128.store(out, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(ab1), w01), i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(cd1), w23)), 32);
    v128.store(out, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(ab1), w01), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(cd1), w23)), 48);
  }
}

/** One source row's horizontal integer sum at an output pixel's 4 taps, as OpenCV's first pass. */
@inline
function horizontalSum(row: usize, taps: usize, channel: usize): i32 {
  // Offsets into col are 4 bytes per value; into a byte row, 1.
  return <i32>load<u8>(row + (<usize>load<i32>(taps) >> 2) + channel) * load<i32>(taps, 16)
    + <i32>load<u8>(row + (<usize>load<i32>(taps, 4) >> 2) + channel) * load<i32>(taps, 20)
    + <i32>load<u8>(row + (<usize>load<i32>(taps, 8) >> 2) + channel) * load<i32>(taps, 24)
    + <i32>load<u8>(row + (<usize>load<i32>(taps, 12) >> 2) + channel) * load<i32>(taps, 28);
}

/**
 * One value as OpenCV's SIMD vertical pass computes it: S0·b0 + (S1·b1 + (S2·b2 + S3·b3)) with the
 * horizontal sums Sₖ and every product and sum rounded to float32, rounded half to even, saturated.
 */
function openCvFloat32Value(r0: usize, r1: usize, r2: usize, r3: usize, b0: i32, b1: i32, b2: i32, b3: i32, taps: usize, channel: usize): i32 {
  const s0 = <f32>horizontalSum(r0, taps, channel); // |Sₖ| < 2^20: exact in float32
  const s1 = <f32>horizontalSum(r1, taps, channel);
  const s2 = <f32>horizontalSum(r2, taps, channel);
  const s3 = <f32>horizontalSum(r3, taps, channel);
  const sum: f32 = s0 * (<f32>b0 * INV_SCALE_BOTH) + (s1 * (<f32>b1 * INV_SCALE_BOTH) + (s2 * (<f32>b2 * INV_SCALE_BOTH) + s3 * (<f32>b3 * INV_SCALE_BOTH)));
  const r = <i32>nearest<f32>(sum);
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

/** The ~0.2% of values near a tie, lane by lane, only inside OpenCV's SIMD part of the row. */
function fixTies(
  r: v128, near: v128, r0: usize, r1: usize, r2: usize, r3: usize, b0: i32, b1: i32, b2: i32, b3: i32,
  taps: usize, index: usize, simdEnd: usize,
): v128 {
  if (i32x4.extract_lane(near, 0) != 0 && index < simdEnd) r = i32x4.replace_lane(r, 0, openCvFloat32Value(r0, r1, r2, r3, b0, b1, b2, b3, taps, 0));
  if (i32x4.extract_lane(near, 1) != 0 && index + 1 < simdEnd) r = i32x4.replace_lane(r, 1, openCvFloat32Value(r0, r1, r2, r3, b0, b1, b2, b3, taps, 1));
  if (i32x4.extract_lane(near, 2) != 0 && index + 2 < simdEnd) r = i32x4.replace_lane(r, 2, openCvFloat32Value(r0, r1, r2, r3, b0, b1, b2, b3, taps, 2));
  return r;
}

/**
 * Output pixel dx as OpenCV computes it: its horizontal taps over the row's vertical sums, all 3
 * channels in one i32x4 (the 4th lane is the next source pixel's red, computed and ignored), the
 * integer result (sum + 2^21) >> 22 saturated to 0..255, except for values before `simdEnd`
 * (OpenCV's 8-wide SIMD part of a row) near a rounding tie, which get OpenCV's float32 arithmetic.
 */
@inline
function outputPixel(
  col: usize, xTaps: usize, dx: usize, r0: usize, r1: usize, r2: usize, r3: usize, b0: i32, b1: i32, b2: i32, b3: i32, simdEnd: usize,
): v128 {
  const taps = xTaps + (dx << 5);
  let v = i32x4.mul(v128.load(col + <usize>load<i32>(taps)), v128.load32_splat(taps, 16));
  v = i32x4.add(v, i32x4.mul(v128.load(col + <usize>load<i32>(taps, 4)), v128.load32_splat(taps, 20)));
  v = i32x4.add(v, i32x4.mul(v128.load(col + <usize>load<i32>(taps, 8)), v128.load32_splat(taps, 24)));
  v = i32x4.add(v, i32x4.mul(v128.load(col + <usize>load<i32>(taps, 12)), v128.load32_splat(taps, 28)));
  v = i32x4.add(v, i32x4.splat(HALF_BOTH)); // |sum| < 255 · 2816² + 2^21 < 2^31: no overflow
  const r = i32x4.min_s(i32x4.max_s(i32x4.shr_s(v, SHIFT_BOTH), i32x4.splat(0)), i32x4.splat(255));
  const fraction = v128.and(i32x4.add(v, i32x4.splat(TIE_MARGIN)), i32x4.splat(FRACTION_MASK));
  // fraction is masked to 0 .. 2^22 − 1, so the signed compare (one SSE instruction) is exact.
  const near = v128.and(i32x4.lt_s(fraction, i32x4.splat(2 * TIE_MARGIN)), i32x4(-1, -1, -1, 0));
  return v128.any_true(near) ? fixTies(r, near, r0, r1, r2, r3, b0, b1, b2, b3, taps, dx * 3, simdEnd) : r;
}

/**
 * The model's input value of bytes `r` in float32, step by step as numpy does on float32 arrays:
 * r · scale, then with `normalize` (r · scale − mean) / std. `conv` holds the f32x4 constants:
 * scale at 0, per-plane mean splats at 16, 32, 48 and std splats at 64, 80, 96.
 */
@inline
function toModelValue(r: v128, conv: usize, plane: usize, normalize: bool): v128 {
  const scaled = f32x4.mul(f32x4.convert_i32x4_s(r), v128.load(conv));
  return normalize ? f32x4.div(f32x4.sub(scaled, v128.load(conv + 16 + (plane << 4))), v128.load(conv + 64 + (plane << 4))) : scaled;
}

/**
 * One output row: vertical taps over the 4 source rows into `col` (srcStride bytes), then
 * outputPixel for each of the dstWidth pixels.
 *
 * Output: with `planes` = 0, dstWidth · 3 interleaved bytes at `out` (1 byte past them is written);
 * otherwise the model's input values (toModelValue; `conv` also holds, at 112 and 128, the mean and
 * std of R, G, B as one vector each) in 3 planar float32 rows at `planes`, `planes + planeBytes`
 * and `planes + 2 · planeBytes`: 4 pixels at a time, transposed from RGB to planes in registers.
 */
export function resizeRow(
  r0: usize, r1: usize, r2: usize, r3: usize, b0: i32, b1: i32, b2: i32, b3: i32,
  col: usize, srcStride: usize, xTaps: usize, dstWidth: usize, simdEnd: usize,
  out: usize, planes: usize, planeBytes: usize, conv: usize, normalize: bool,
): void {
  verticalTaps(r0, r1, r2, r3, b0, b1, b2, b3, col, srcStride);
  let dx: usize = 0;
  if (planes == 0) {
    for (; dx < dstWidth; dx++) {
      const r = outputPixel(col, xTaps, dx, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
      const zero = i32x4.splat(0);
      // The 4th byte is overwritten by the next pixel.
      v128.store32_lane(out + dx * 3, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_s(r, r), zero), 0);
    }
    return;
  }
  for (; dx + 4 <= dstWidth; dx += 4) {
    const p0 = outputPixel(col, xTaps, dx, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
    const p1 = outputPixel(col, xTaps, dx + 1, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
    const p2 = outputPixel(col, xTaps, dx + 2, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
    const p3 = outputPixel(col, xTaps, dx + 3, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
    const rg01 = i32x4.shuffle(p0, p1, 0, 4, 1, 5); // R0 R1 G0 G1
    const rg23 = i32x4.shuffle(p2, p3, 0, 4, 1, 5);
    const b01 = i32x4.shuffle(p0, p1, 2, 6, 2, 6); // B0 B1 B0 B1
    const b23 = i32x4.shuffle(p2, p3, 2, 6, 2, 6);
    const o = planes + (dx << 2);
    v128.store(o, toModelValue(i32x4.shuffle(rg01, rg23, 0, 1, 4, 5), conv, 0, normalize));
    v128.store(o + planeBytes, toModelValue(i32x4.shuffle(rg01, rg23, 2, 3, 6, 7), conv, 1, normalize));
    v128.store(o + 2 * planeBytes, toModelValue(i32x4.shuffle(b01, b23, 0, 1, 4, 5), conv, 2, normalize));
  }
  for (; dx < dstWidth; dx++) {
    const r = outputPixel(col, xTaps, dx, r0, r1, r2, r3, b0, b1, b2, b3, simdEnd);
    let value = f32x4.mul(f32x4.convert_i32x4_s(r), v128.load(conv));
    if (normalize) value = f32x4.div(f32x4.sub(value, v128.load(conv, 112)), v128.load(conv, 128));
    const o = planes + (dx << 2);
    v128.store32_lane(o, value, 0);
    v128.store32_lane(o + planeBytes, value, 1);
    v128.store32_lane(o + 2 * planeBytes, value, 2);
  }
}
