/**
 * PDF pages rendered from a file the document layer spooled once, on whichever thread uses the
 * pixels (a device worker's prep thread, or a PDF thread of the caller's process). Each thread
 * keeps its last few open documents, so the pages of one PDF do not each re-read and re-parse it;
 * a document unused for a while is closed (its spool file is gone by then). Time budgets are the
 * caller's: it terminates a thread that overruns one.
 */
import fs from 'node:fs/promises';
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

interface OpenDocument {
  readonly handle: Promise<PdfDocumentHandle>;
  lastUsed: number;
}

const open = new Map<string, OpenDocument>();
let sweeper: NodeJS.Timeout | undefined;

function close(path: string): void {
  const entry = open.get(path);
  if (!entry) return;
  open.delete(path);
  void entry.handle.then((doc) => doc.close(), () => undefined);
}

function sweep(): void {
  const now = Date.now();
  for (const [path, entry] of open) if (now - entry.lastUsed > IDLE_CLOSE_MS) close(path);
  if (open.size === 0) {
    clearInterval(sweeper);
    sweeper = undefined;
  }
}

function openSpooled(path: string, name: string, maxPixels: number): Promise<PdfDocumentHandle> {
  return fs.readFile(path).then(
    (bytes) => openPdf(bytes, { name, maxPixels }),
    (err: NodeJS.ErrnoException) => { throw PdfError(name, `the spooled document is gone (${err.code ?? err.message})`); },
  );
}

function document(path: string, name: string, maxPixels: number): Promise<PdfDocumentHandle> {
  let entry = open.get(path);
  if (!entry) {
    if (open.size >= MAX_OPEN_DOCUMENTS) {
      const oldest = [...open.entries()].sort((a, b) => a[1].lastUsed - b[1].lastUsed)[0]!;
      close(oldest[0]);
    }
    const handle = openSpooled(path, name, maxPixels);
    entry = { handle, lastUsed: Date.now() };
    open.set(path, entry);
    // A failed open is not cached: the next page gets its own error (or a retry's success).
    handle.catch(() => { if (open.get(path) === entry) open.delete(path); });
    sweeper ??= setInterval(sweep, IDLE_CLOSE_MS / 2);
    sweeper.unref();
  }
  entry.lastUsed = Date.now();
  return entry.handle;
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
