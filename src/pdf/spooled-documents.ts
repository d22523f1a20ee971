/**
 * PDF pages rendered from a file the document layer spooled once, on whichever thread uses the
 * pixels (a device worker's prep thread, or a PDF thread of the caller's process). Each thread
 * keeps its last few open documents, so the pages of one PDF do not each re-read and re-parse it;
 * a document unused for a while is closed (its spool file is gone by then). Time budgets are the
 * caller's: it terminates a thread that overruns one.
 */
import fs from 'node:fs/promises';
import { LRUCache } from 'lru-cache';
import { PdfError } from '../errors.js';
import type { DecodedImage } from '../model/index.js';
import { openPdf, type PdfDocumentHandle } from './rasterize.js';

/** One page of a spooled PDF, as it travels to the thread that renders it. */
export interface PdfPageRef {
  /** The spooled file; it must outlive the page's task. */
  readonly path: string;
  /** 1-based. */
  readonly page: number;
  readonly dpi: number;
  /** A render slower than this fails the page alone with LAYOUT_ERR_PDF, ms. */
  readonly renderTimeoutMs: number;
}

/** Open documents kept per thread: a few interleaved PDFs, without holding many in memory. */
const MAX_OPEN_DOCUMENTS = 4;
/** A document unused this long is closed, ms: its request has almost surely settled. */
const IDLE_CLOSE_MS = 10_000;

/** By spool path: the least recently used goes past MAX_OPEN_DOCUMENTS, any goes once idle IDLE_CLOSE_MS (the purge timers are unref'd). */
const open = new LRUCache<string, Promise<PdfDocumentHandle>>({
  max: MAX_OPEN_DOCUMENTS,
  ttl: IDLE_CLOSE_MS,
  updateAgeOnGet: true,
  ttlAutopurge: true,
  dispose: (handle) => void handle.then((doc) => doc.close(), () => undefined),
});

function openSpooled(path: string, name: string, maxPixels: number): Promise<PdfDocumentHandle> {
  return fs.readFile(path).then(
    (bytes) => openPdf(bytes, { name, maxPixels }),
    (err: NodeJS.ErrnoException) => { throw PdfError(name, `the spooled document is gone (${err.code ?? err.message})`); },
  );
}

function document(path: string, name: string, maxPixels: number): Promise<PdfDocumentHandle> {
  const cached = open.get(path);
  if (cached) return cached;
  const handle = openSpooled(path, name, maxPixels);
  open.set(path, handle);
  // A failed open is not cached: the next page gets its own error (or a retry's success).
  handle.catch(() => { if (open.peek(path) === handle) open.delete(path); });
  return handle;
}

export async function renderSpooledPage(ref: Pick<PdfPageRef, 'path' | 'page' | 'dpi'>, name: string, maxPixels: number): Promise<DecodedImage> {
  const doc = await document(ref.path, name, maxPixels);
  return doc.renderPage(ref.page, ref.dpi);
}

/**
 * Pages of a spooled PDF: what the document layer needs to make page tasks. Not kept open: the
 * pages are often rendered elsewhere (device workers), and a cached document would hold its memory
 * here for nothing.
 */
export async function countSpooledPages(path: string, name: string, maxPixels: number): Promise<number> {
  const doc = await openSpooled(path, name, maxPixels);
  try {
    return doc.pageCount;
  } finally {
    await doc.close();
  }
}
