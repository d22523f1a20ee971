/**
 * Decoded RGB page → the model's float32 CHW input, as PaddleX prepares PP-DocLayoutV2/V3:
 * resize to exactly inputWidth × inputHeight without keeping the aspect ratio (bicubic; skipped
 * when the page already has that size), multiply by 1/255 in float32, then (x − mean) / std
 * (identity for V2/V3), HWC → CHW. This is the hot path next to inference.
 *
 * The resize is OpenCV's INTER_CUBIC reproduced bit for bit (resize-cubic.ts), because that is
 * what PaddleX feeds the model; it is fused with the conversion (WebAssembly SIMD), so the page
 * is walked once. It runs on the calling thread (~4–6 ms for a sample page or a 2480×3508 scan
 * to 800×800 on one core). `resize: 'sharp'` uses libvips' cubic instead (Catmull-Rom,
 * anti-aliased when shrinking, and shifted by half an output pixel when enlarging: off the event
 * loop, but not the pixels the model was trained on; bench/micro/resize.ts measures how far apart
 * the two are). The 256-entry tables below serve the pages that need no resize and the sharp path.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { InvalidParamError } from '../../errors.js';
import { decodeImage, type DecodeOptions, type DecodedImage } from './decode.js';
import { resizeCubicToChw } from './resize-cubic.js';
import type { ModelInfo, PageGeometry, PreprocessedPage } from '../types.js';

type PreprocessInfo = Pick<ModelInfo, 'inputWidth' | 'inputHeight' | 'mean' | 'std'>;

interface PreprocessOptions {
  /**
   * 'opencv' (default): PaddleX's exact pixels (cv2.resize INTER_CUBIC). 'sharp': libvips' cubic,
   * off the event loop, close but not identical.
   */
  readonly resize?: 'opencv' | 'sharp';
}

/** PaddleX multiplies by a float32 1/255 (not a division): the same rounding gives equal inputs. */
const SCALE = Math.fround(1 / 255);

/** Per-channel value tables for the (mean, std) pairs in use; a handful of models at most. */
const tableCache = new Map<string, readonly [Float32Array, Float32Array, Float32Array]>();
const TABLE_CACHE_MAX_ENTRIES = 16;

function channelTables(mean: readonly number[], std: readonly number[]): readonly [Float32Array, Float32Array, Float32Array] {
  const key = `${mean.join(',')}|${std.join(',')}`;
  const cached = tableCache.get(key);
  if (cached) return cached;
  const tables = [0, 1, 2].map((c) => {
    const identity = mean[c] === 0 && std[c] === 1;
    const m = Math.fround(mean[c]);
    const s = Math.fround(std[c]);
    const table = new Float32Array(256);
    for (let v = 0; v < 256; v++) {
      const scaled = Math.fround(v * SCALE);
      // float32 at every step, as numpy does on float32 arrays.
      table[v] = identity ? scaled : Math.fround(Math.fround(scaled - m) / s);
    }
    return table;
  }) as unknown as [Float32Array, Float32Array, Float32Array];
  if (tableCache.size >= TABLE_CACHE_MAX_ENTRIES) tableCache.clear();
  tableCache.set(key, tables);
  return tables;
}

function checkInfo(info: PreprocessInfo): void {
  for (const [key, value] of [['inputWidth', info.inputWidth], ['inputHeight', info.inputHeight]] as const) {
    if (!Number.isInteger(value) || value <= 0) throw InvalidParamError(key, `expected a positive integer, got ${value}`);
  }
  if (info.mean.length !== 3 || info.std.length !== 3 || info.std.some((s) => s === 0 || !Number.isFinite(s))) {
    throw InvalidParamError('mean/std', 'expected three values each, std non-zero');
  }
}

/** Resizes (if needed) and converts one decoded page. */
export async function preprocessDecoded(
  image: DecodedImage,
  info: PreprocessInfo,
  options: PreprocessOptions = {},
): Promise<{ pixels: Float32Array; geometry: PageGeometry; preprocessMs: number }> {
  const start = performance.now();
  checkInfo(info);
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0 || data.length !== width * height * 3) {
    throw InvalidParamError('image', `expected ${width}×${height} RGB pixels (${width * height * 3} bytes), got ${data.length} bytes`);
  }
  const resize = options.resize ?? 'opencv';
  if (resize !== 'opencv' && resize !== 'sharp') throw InvalidParamError('resize', `expected 'opencv' or 'sharp', got ${String(resize)}`);
  const { inputWidth, inputHeight } = info;
  const tables = channelTables(info.mean, info.std);
  let pixels: Float32Array;
  if (width === inputWidth && height === inputHeight) {
    pixels = hwcToChw(data, inputWidth * inputHeight, tables);
  } else if (resize === 'opencv') {
    pixels = resizeCubicToChw(data, width, height, inputWidth, inputHeight, { scale: SCALE, mean: info.mean, std: info.std });
  } else {
    const rgb = await sharp(data, { raw: { width, height, channels: 3 }, limitInputPixels: false })
      .resize(inputWidth, inputHeight, { fit: 'fill', kernel: 'cubic' })
      .raw()
      .toBuffer();
    pixels = hwcToChw(rgb, inputWidth * inputHeight, tables);
  }
  const geometry: PageGeometry = {
    width,
    height,
    resizedWidth: inputWidth,
    resizedHeight: inputHeight,
    scaleY: inputHeight / height,
    scaleX: inputWidth / width,
  };
  return { pixels, geometry, preprocessMs: performance.now() - start };
}

function hwcToChw(rgb: Uint8Array, area: number, tables: readonly [Float32Array, Float32Array, Float32Array]): Float32Array {
  const [tr, tg, tb] = tables;
  const out = new Float32Array(3 * area);
  const green = area;
  const blue = 2 * area;
  for (let i = 0, s = 0; i < area; i++, s += 3) {
    out[i] = tr[rgb[s]];
    out[green + i] = tg[rgb[s + 1]];
    out[blue + i] = tb[rgb[s + 2]];
  }
  return out;
}

/** Decodes (timed as decodeMs; 0 for an already decoded image) and preprocesses one page. */
export async function preprocess(
  input: Uint8Array | DecodedImage,
  info: PreprocessInfo,
  options?: DecodeOptions & PreprocessOptions,
): Promise<PreprocessedPage> {
  let image: DecodedImage;
  let decodeMs = 0;
  if (input instanceof Uint8Array) {
    const start = performance.now();
    image = await decodeImage(input, options);
    decodeMs = performance.now() - start;
  } else {
    image = input;
  }
  const { pixels, geometry, preprocessMs } = await preprocessDecoded(image, info, options);
  return { pixels, geometry, decodeMs, preprocessMs };
}
