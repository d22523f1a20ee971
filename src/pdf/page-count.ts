/**
 * A PDF's page count without touching the caller's event loop: the document layer needs it to
 * make page tasks, and parsing a hostile PDF can take long. One small thread per process,
 * started on first use and let go when idle; a count over its time budget fails with
 * LAYOUT_ERR_PDF and the thread is replaced (piscina terminates a task's thread on abort).
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { errorFromCode, PdfError } from '../errors.js';
import type { PageCountTask } from './page-count-thread.js';

const threadEntry = fileURLToPath(new URL('./page-count-thread.js', import.meta.url));
/** Counting is quick for any sane PDF; two threads keep one slow file from holding up the rest. */
const COUNT_THREADS = 2;
/** An idle count thread goes after this long, ms: a service gets PDFs in bursts, the CLI once. */
const IDLE_TIMEOUT_MS = 30_000;
/**
 * The least time a count gets, ms, whatever pdfPageTimeoutMs says: it includes starting a cold
 * thread and loading pdf.js there, while reading a sane page tree takes milliseconds.
 */
const MIN_COUNT_BUDGET_MS = 10_000;

let piscina: Piscina | undefined;

export async function countPdfPages(task: PageCountTask & { readonly timeoutMs: number }): Promise<number> {
  piscina ??= new Piscina({ filename: threadEntry, minThreads: 0, maxThreads: COUNT_THREADS, idleTimeout: IDLE_TIMEOUT_MS });
  const budgetMs = Math.max(MIN_COUNT_BUDGET_MS, task.timeoutMs);
  const signal = AbortSignal.timeout(budgetMs);
  let reply: Awaited<ReturnType<typeof import('./page-count-thread.js').default>>;
  try {
    reply = await piscina.run({ path: task.path, name: task.name, maxPixels: task.maxPixels } satisfies PageCountTask, { signal });
  } catch (err) {
    if (signal.aborted) throw PdfError(task.name, `reading its page tree took longer than ${budgetMs} ms`);
    throw err;
  }
  if (!reply.ok) throw errorFromCode(reply.code, reply.message);
  return reply.pages;
}
