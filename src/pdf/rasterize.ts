/**
 * PDF pages → RGB images with pdf.js (legacy build, the one meant for Node) drawing on
 * @napi-rs/canvas, which pdf.js loads itself. Fonts and CMaps come from the pdfjs-dist package
 * folder, so text renders with no network. Pages are rendered one at a time and their canvas
 * and page resources released before the next, so memory stays at about one page whatever the
 * page count. Size limits are checked from the page box before a canvas is allocated.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { PDFDocumentProxy, PDFPageProxy } from 'pdfjs-dist/legacy/build/pdf.mjs';
import { optionSpecs } from '../config.js';
import { EmptyInputError, ImageTooLargeError, InvalidParamError, LayoutError, PageRangeError, PdfError, UnsupportedMediaError } from '../errors.js';
import type { DecodedImage } from '../model/index.js';
import { pdfHeaderOffset } from '../model/index.js';
import { selectPdfPages } from './page-range.js';

export interface PdfDocumentHandle {
  readonly pageCount: number;
  /** Renders one page (1-based) at `dpi` on white; throws ImageTooLargeError before rendering. */
  renderPage(pageNumber: number, dpi: number): Promise<DecodedImage>;
  /** Releases the document; idempotent. */
  close(): Promise<void>;
}

export interface OpenPdfOptions {
  readonly name?: string;
  readonly maxPixels?: number;
}

export interface RasterizeOptions extends OpenPdfOptions {
  readonly dpi: number;
  /** Page selection ("1-5,9", "3-", "all"); every page when absent. */
  readonly pages?: string;
  /** Refuse (never truncate) a selection of more pages than this; 0 = no cap. */
  readonly maxPages?: number;
}

/** PDF user space is 72 units per inch. */
const PDF_UNITS_PER_INCH = 72;
/** pdf.js verbosity 0: errors only. Warnings about fonts etc. must not reach stdout (CLI output). */
const PDFJS_VERBOSITY_ERRORS = 0;

type PdfJs = typeof import('pdfjs-dist/legacy/build/pdf.mjs');
let pdfjsModule: Promise<PdfJs> | undefined;

/** Loaded on first use: pdf.js and the canvas binding are heavy and most workers never see a PDF. */
function loadPdfJs(): Promise<PdfJs> {
  pdfjsModule ??= import('pdfjs-dist/legacy/build/pdf.mjs');
  return pdfjsModule;
}

/**
 * Loads pdf.js ahead of the first PDF, where a time budget will be measuring the first render
 * (the device workers' prep threads, the page-count thread): importing it takes longer than
 * reading most pages.
 */
export function preloadPdfJs(): Promise<void> {
  return loadPdfJs().then(() => undefined, () => undefined);
}

let resourceDirs: { standardFonts: string; cMaps: string; wasm: string; iccs: string } | undefined;

/** pdf.js reads these with fs in Node: plain folder paths with a trailing separator. */
function pdfjsResourceDirs(): NonNullable<typeof resourceDirs> {
  if (!resourceDirs) {
    const root = path.dirname(createRequire(import.meta.url).resolve('pdfjs-dist/package.json'));
    const dir = (name: string): string => path.join(root, name) + path.sep;
    resourceDirs = { standardFonts: dir('standard_fonts'), cMaps: dir('cmaps'), wasm: dir('wasm'), iccs: dir('iccs') };
  }
  return resourceDirs;
}

/** The part of pdf.js's canvas factory we use (typed as `Object` in its declarations). */
interface CanvasEntry {
  canvas: HTMLCanvasElement;
  context: CanvasRenderingContext2D;
}
interface CanvasFactory {
  create(width: number, height: number): CanvasEntry;
  destroy(entry: CanvasEntry): void;
}

export function isPdf(bytes: Uint8Array): boolean {
  return pdfHeaderOffset(bytes) >= 0;
}

function toPdfError(err: unknown, name: string, context = ''): LayoutError {
  if (err instanceof LayoutError) return err;
  // pdf.js errors cross its (fake) worker as plain objects: match on `name`, not on class.
  const { name: kind, message } = (typeof err === 'object' && err !== null ? err : { message: String(err) }) as { name?: string; message?: string };
  if (kind === 'PasswordException') return PdfError(name, 'it is encrypted and needs a password');
  if (kind === 'InvalidPDFException') return PdfError(name, `invalid or corrupt PDF structure (${message ?? 'unreadable'})`);
  return PdfError(name, `${context}${message ?? String(err)}`);
}

class PdfDocument implements PdfDocumentHandle {
  readonly #doc: PDFDocumentProxy;
  readonly #name: string;
  readonly #maxPixels: number;
  #closing: Promise<void> | undefined;

  constructor(doc: PDFDocumentProxy, name: string, maxPixels: number) {
    this.#doc = doc;
    this.#name = name;
    this.#maxPixels = maxPixels;
  }

  get pageCount(): number {
    return this.#doc.numPages;
  }

  async renderPage(pageNumber: number, dpi: number): Promise<DecodedImage> {
    if (this.#closing) throw PdfError(this.#name, 'the document is already closed');
    if (!Number.isInteger(pageNumber) || pageNumber < 1 || pageNumber > this.pageCount) {
      throw PageRangeError(String(pageNumber), `the document has pages 1-${this.pageCount}`);
    }
    checkDpi(dpi);
    let page: PDFPageProxy;
    try {
      page = await this.#doc.getPage(pageNumber);
    } catch (err) {
      throw toPdfError(err, this.#name, `page ${pageNumber}: `);
    }
    try {
      return await this.#render(page, pageNumber, dpi);
    } catch (err) {
      throw toPdfError(err, this.#name, `page ${pageNumber}: `);
    } finally {
      // Drops the page's decoded images and fonts; the next page starts from a clean slate.
      page.cleanup();
    }
  }

  async #render(page: PDFPageProxy, pageNumber: number, dpi: number): Promise<DecodedImage> {
    const viewport = page.getViewport({ scale: dpi / PDF_UNITS_PER_INCH }); // honours /Rotate
    const width = Math.max(1, Math.round(viewport.width));
    const height = Math.max(1, Math.round(viewport.height));
    if (width * height > this.#maxPixels) {
      throw ImageTooLargeError(`${this.#name} page ${pageNumber} at ${dpi} dpi`, width * height, this.#maxPixels);
    }
    const factory = this.#doc.canvasFactory as CanvasFactory;
    const entry = factory.create(width, height);
    try {
      entry.context.fillStyle = '#ffffff';
      entry.context.fillRect(0, 0, width, height);
      await page.render({ canvasContext: entry.context, canvas: entry.canvas, viewport, background: '#ffffff' }).promise;
      const rgba = entry.context.getImageData(0, 0, width, height).data;
      const rgb = Buffer.allocUnsafe(width * height * 3);
      // The background is opaque white, so alpha is 255 everywhere: dropping it is exact.
      for (let s = 0, d = 0; s < rgba.length; s += 4, d += 3) {
        rgb[d] = rgba[s];
        rgb[d + 1] = rgba[s + 1];
        rgb[d + 2] = rgba[s + 2];
      }
      return { data: rgb, width, height, format: 'pdf' };
    } finally {
      factory.destroy(entry);
    }
  }

  close(): Promise<void> {
    this.#closing ??= this.#doc.loadingTask.destroy().catch(() => undefined);
    return this.#closing;
  }
}

/** The error of a page that overran its render budget (pdfPageTimeoutMs): it fails alone. */
export function renderTimeoutError(name: string, page: number, timeoutMs: number): LayoutError {
  return PdfError(name, `page ${page} took longer than ${timeoutMs} ms to render (pdfPageTimeoutMs)`);
}

function checkDpi(dpi: number): void {
  if (!Number.isFinite(dpi) || dpi <= 0) throw InvalidParamError('dpi', `expected a positive number, got ${dpi}`);
}

export async function openPdf(bytes: Uint8Array, options: OpenPdfOptions = {}): Promise<PdfDocumentHandle> {
  const name = options.name ?? 'input';
  const maxPixels = options.maxPixels ?? optionSpecs.maxPixels.default;
  if (bytes.byteLength === 0) throw EmptyInputError(name);
  if (!isPdf(bytes)) throw UnsupportedMediaError(name, 'not a PDF (no %PDF- header)');
  const pdfjs = await loadPdfJs();
  const dirs = pdfjsResourceDirs();
  const task = pdfjs.getDocument({
    // pdf.js may transfer (detach) the buffer it is given: hand it a copy, the caller's bytes stay usable.
    data: new Uint8Array(bytes),
    standardFontDataUrl: dirs.standardFonts,
    cMapUrl: dirs.cMaps,
    cMapPacked: true,
    wasmUrl: dirs.wasm,
    iccUrl: dirs.iccs,
    useSystemFonts: false,
    verbosity: PDFJS_VERBOSITY_ERRORS,
    // Embedded images above the page limit are skipped instead of decoded (image bombs).
    maxImageSize: maxPixels,
  });
  try {
    return new PdfDocument(await task.promise, name, maxPixels);
  } catch (err) {
    await task.destroy().catch(() => undefined);
    throw toPdfError(err, name);
  }
}

/**
 * Renders the selected pages in order, one at a time. Refuses a selection above `maxPages`
 * before rendering anything (never truncates). The document is closed when the loop ends,
 * throws, or the consumer stops early.
 */
export async function* rasterizePdf(
  bytes: Uint8Array,
  options: RasterizeOptions,
): AsyncGenerator<{ page: number; pageCount: number; image: DecodedImage }> {
  checkDpi(options.dpi);
  const maxPages = options.maxPages ?? 0;
  const name = options.name ?? 'input';
  const doc = await openPdf(bytes, { name, maxPixels: options.maxPixels });
  try {
    const pages = selectPdfPages(options.pages, doc.pageCount, { name, maxPages });
    for (const page of pages) {
      yield { page, pageCount: doc.pageCount, image: await doc.renderPage(page, options.dpi) };
    }
  } finally {
    await doc.close();
  }
}
