/**
 * The CPU stages of one page, around the model's run (on a device worker's prep threads, or
 * inline in the caller's process):
 * `preparePage` (decode or render a PDF page → model input, plus the page JPEG if asked) and
 * `finishPage` (post-process one page's selected outputs → regions, plus the overlay if asked).
 * Both take and return plain data, so they run the same on a prep thread or inline; images
 * returned to clients are drawn from the pixels decoded here, never from a second decode.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { decodeImage, postprocess, preprocess, type DecodedImage, type LayoutParams, type ModelInfo, type PageGeometry, type RawOutputs, type Region } from '../model/index.js';
import { renderSpooledPage } from '../pdf/index.js';
import { renderCrops } from '../visualize/crops.js';
import { renderOverlay } from '../visualize/overlay.js';
import type { LocalSource, PageCrop, PageInput, PageOutputs } from './types.js';

/** What the CPU stages need to know about the model: plain data, cloned to every thread. */
export type StageModelInfo = Pick<ModelInfo, 'inputWidth' | 'inputHeight' | 'mean' | 'std' | 'labels' | 'variant' | 'hasOrder' | 'hasMasks' | 'rowWidth'>;

/** RGB pixels that crossed a thread boundary (a plain Uint8Array, no Buffer prototype). */
interface PagePixels {
  readonly data: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The page (the one page type, PageInput) with what preparing it needs to know. */
export interface PrepareRequest extends Pick<PageInput<LocalSource>, 'source' | 'name' | 'outputs'> {
  readonly maxPixels: number;
  readonly info: StageModelInfo;
}

export interface PreparedPage {
  /** float32 CHW model input of this page. */
  readonly pixels: Float32Array;
  readonly geometry: PageGeometry;
  /** Decode (or PDF render) time, ms. */
  readonly decodeMs: number;
  readonly preprocessMs: number;
  /** The decoded page, kept only when an overlay or crops are to be drawn once the regions are known. */
  readonly image?: PagePixels;
  readonly pageJpeg?: Uint8Array;
}

export interface FinishRequest {
  /** This page's outputs alone (selectPageOutputs), image index 0. */
  readonly raw: RawOutputs;
  readonly geometry: PageGeometry;
  readonly info: StageModelInfo;
  readonly params: Partial<LayoutParams>;
  readonly image?: PagePixels;
  readonly overlay?: PageOutputs['overlay'];
  readonly crops?: PageOutputs['crops'];
}

export interface FinishedPage {
  readonly regions: Region[];
  readonly postprocessMs: number;
  /** Drawing the overlay and cutting the crops, ms (0 when none were asked for). */
  readonly imagesMs: number;
  readonly overlay?: Uint8Array;
  readonly crops?: PageCrop[];
}

/** Returned page images: small enough to ship, sharp enough to read. */
const PAGE_JPEG_QUALITY = 85;

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

async function decodeSource(source: LocalSource, name: string, maxPixels: number): Promise<DecodedImage> {
  if (source.kind === 'image') return decodeImage(source.bytes, { name, maxPixels });
  if (source.kind === 'pixels') return source.image;
  return renderSpooledPage(source, name, maxPixels);
}

export async function preparePage(request: PrepareRequest): Promise<PreparedPage> {
  const { source, name, maxPixels, info, outputs } = request;
  const start = performance.now();
  const image = await decodeSource(source, name, maxPixels);
  const decodeMs = performance.now() - start;
  const page = await preprocess(image, info, { name, maxPixels });
  const pageJpeg = outputs?.pageImage ? await encodeJpeg(image, PAGE_JPEG_QUALITY) : undefined;
  return {
    pixels: page.pixels,
    geometry: page.geometry,
    decodeMs,
    preprocessMs: page.preprocessMs,
    ...(outputs?.overlay || outputs?.crops ? { image: { data: image.data, width: image.width, height: image.height } } : {}),
    ...(pageJpeg ? { pageJpeg } : {}),
  };
}

export async function finishPage(request: FinishRequest): Promise<FinishedPage> {
  const start = performance.now();
  const regions = postprocess(request.raw, 0, request.geometry, request.info, request.params);
  const postprocessMs = performance.now() - start;
  if (!(request.overlay || request.crops) || !request.image) return { regions, postprocessMs, imagesMs: 0 };
  const { data, width, height } = request.image;
  const page = { data: asBuffer(data), width, height, format: 'raw' } as const;
  const overlay = request.overlay ? await renderOverlay(page, regions, { format: request.overlay }) : undefined;
  const crops = request.crops ? await renderCrops(page, regions, request.crops) : undefined;
  return { regions, postprocessMs, imagesMs: performance.now() - start - postprocessMs, ...(overlay ? { overlay } : {}), ...(crops ? { crops } : {}) };
}

function encodeJpeg(image: DecodedImage, quality: number): Promise<Buffer> {
  return sharp(asBuffer(image.data), { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false })
    .jpeg({ quality })
    .toBuffer();
}
