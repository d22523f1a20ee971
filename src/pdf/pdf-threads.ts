/**
 * PDF work of the caller's process on threads, never on its event loop: counting a spooled PDF's
 * pages (the document layer needs the count to make page tasks) and, where pages are not sent to
 * device workers by reference (the CLI's in-process model, overlays drawn by the CLI), rendering
 * them. Two threads, started on first use and let go when idle; a task over its time budget fails
 * with LAYOUT_ERR_PDF and its thread is replaced. Memory (issue 21): a PDF bomb can grow a
 * thread's heap to hundreds of MB; a thread whose heap is left above RECYCLE_ABOVE_HEAP_MB is
 * replaced as soon as no PDF task runs, and one that needs more than MAX_HEAP_MB fails its file
 * with LAYOUT_ERR_PDF instead of growing the server without bound.
 */
import { fileURLToPath } from 'node:url';
import { PdfError } from '../errors.js';
import type { DecodedImage } from '../model/index.js';
import { BudgetedThreads } from '../util/budgeted-threads.js';
import { unwrapReply, type ThreadReply } from '../util/thread-reply.js';
import { renderTimeoutError } from './rasterize.js';
import type { PdfThreadTask } from './pdf-thread.js';
import type { PdfPageRef } from './spooled-documents.js';

const threadEntry = fileURLToPath(new URL('./pdf-thread.js', import.meta.url));
/** Two threads keep one slow file from holding up the rest. */
const PDF_THREADS = 2;
/** An idle thread goes after this long, ms: a service gets PDFs in bursts, the CLI once. */
const IDLE_TIMEOUT_MS = 30_000;
/**
 * The least time a count gets, ms, whatever pdfPageTimeoutMs says: it may include starting a cold
 * thread and loading pdf.js there, while reading a sane page tree takes milliseconds.
 */
const MIN_COUNT_BUDGET_MS = 10_000;
/**
 * A thread's heap above this after a task is let go, MiB. Measured after a count: ordinary PDFs
 * leave 28-38 MiB (2 pages, or 2,000 pages); PDF bombs 73 (20,000 pages), 90-97 (100,000-300,000
 * objects, no xref), 103 (a page tree 20,000 deep).
 */
const RECYCLE_ABOVE_HEAP_MB = 64;
/** Old-generation cap of a PDF thread, MiB: far above any sane document's page tree. */
const MAX_HEAP_MB = 1024;

let threads: BudgetedThreads<PdfThreadTask, ThreadReply> | undefined;

function pdfThreads(): BudgetedThreads<PdfThreadTask, ThreadReply> {
  threads ??= new BudgetedThreads({
    filename: threadEntry,
    threads: PDF_THREADS,
    minThreads: 0,
    idleTimeoutMs: IDLE_TIMEOUT_MS,
    maxHeapMb: MAX_HEAP_MB,
    recycleAboveHeapMb: RECYCLE_ABOVE_HEAP_MB,
  });
  return threads;
}

/** Live PDF threads of this process and how often they were replaced for their heap (metrics, tests). */
export function pdfThreadStats(): { readonly live: number; readonly heapRecycles: number } {
  return { live: threads?.liveThreads ?? 0, heapRecycles: threads?.recycles ?? 0 };
}

/** A thread killed at MAX_HEAP_MB: the file is refused, not the server's fault. */
function orHeapLimit<T>(name: string, work: Promise<T>): Promise<T> {
  return work.catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException | null)?.code === 'ERR_WORKER_OUT_OF_MEMORY') throw PdfError(name, `reading it needs more than ${MAX_HEAP_MB} MiB of memory`);
    throw err;
  });
}

export interface SpooledPdfTask {
  readonly path: string;
  readonly name: string;
  readonly maxPixels: number;
}

export async function countPdfPages(task: SpooledPdfTask & { readonly timeoutMs: number }): Promise<number> {
  const budgetMs = Math.max(MIN_COUNT_BUDGET_MS, task.timeoutMs);
  const reply = await orHeapLimit(task.name, pdfThreads().run({ op: 'count', path: task.path, name: task.name, maxPixels: task.maxPixels }, { timeoutMs: budgetMs }));
  if (reply === 'timeout') throw PdfError(task.name, `reading its page tree took longer than ${budgetMs} ms`);
  return unwrapReply<number>(reply);
}

/**
 * Renders one page of a spooled PDF under its budget. The document was counted on these threads
 * first, so one of them is warm (pdf.js loaded) when its pages come.
 */
export async function renderPdfPage(task: Omit<SpooledPdfTask, 'path'> & { readonly ref: PdfPageRef }): Promise<DecodedImage> {
  const { ref } = task;
  const reply = await orHeapLimit(task.name, pdfThreads().run({ op: 'render', path: ref.path, page: ref.page, dpi: ref.dpi, name: task.name, maxPixels: task.maxPixels }, { timeoutMs: ref.renderTimeoutMs }));
  if (reply === 'timeout') throw renderTimeoutError(task.name, ref.page, ref.renderTimeoutMs);
  const image = unwrapReply<DecodedImage>(reply);
  // Pixels arrive as a plain Uint8Array over the moved buffer: a Buffer view of it, no copy.
  return { ...image, data: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.byteLength) };
}
