/**
 * `submit --wait`'s progress, page by page as the workers store them (submission-follow.ts). On a
 * terminal: a bar of pages done out of pages known (the total grows as workers open the
 * documents) with the page just stored. Otherwise (logs, CI): a line per finished document, and
 * every `lineEveryMs` a pages-done line naming the documents under way.
 */
import cliProgress from 'cli-progress';
import type { DocumentRecord } from '../jobs/index.js';
import type { FollowedPage, SubmissionCounts } from './submission-follow.js';

/** A non-terminal's pages-done line at most this often, ms. */
const PAGES_LINE_EVERY_MS = 10_000;
/** Documents under way named in a pages-done line. */
const RUNNING_SHOWN = 3;

interface SubmissionProgress {
  /** Pages just stored, and the counts after them. */
  pages(pages: readonly FollowedPage[], counts: SubmissionCounts): void;
  /** `failedPages`: "page N: why [code]" for each page that failed alone. */
  documentFinished(doc: DocumentRecord, counts: SubmissionCounts, failedPages: readonly string[]): void;
  stop(): void;
}

export interface SubmissionProgressOptions {
  readonly stream?: NodeJS.WriteStream;
  readonly lineEveryMs?: number;
}

export function createSubmissionProgress(options: SubmissionProgressOptions = {}): SubmissionProgress {
  const stream = options.stream ?? process.stderr;
  const started = Date.now();
  const rate = (pages: number): string => (pages / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(2);
  const line = (doc: DocumentRecord): string => doc.state === 'completed'
    ? `${doc.name}: ${doc.pagesDone} page(s)`
    : `${doc.state.toUpperCase()} ${doc.name}${doc.error ? `: ${doc.error.message} [${doc.error.code}]` : ''}`;
  const docs = (c: SubmissionCounts): string => `${c.docsDone}/${c.docsTotal}`;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'batch [{bar}] {value}/{total} pages | {docs} documents | {rate} pages/s | {last}', hideCursor: true, stream },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1, 0, { docs: '0/0', rate: '0.00', last: '' });
    const show = (c: SubmissionCounts, last?: string): void => {
      bar.setTotal(Math.max(1, c.pagesTotal));
      bar.update(c.pagesDone, { docs: docs(c), rate: rate(c.pagesDone), ...(last !== undefined ? { last } : {}) });
    };
    return {
      pages(pages, counts) {
        // One step per page, in the order they were stored.
        let done = counts.pagesDone - pages.length;
        for (const p of pages) show({ ...counts, pagesDone: ++done }, `${p.doc.name} p.${p.page}`);
        if (pages.length === 0) show(counts);
      },
      documentFinished(doc, counts, failedPages) {
        // Clear the bar's line, print the failure above it; the next update redraws the bar.
        if (doc.state !== 'completed') stream.write(`\r\x1b[K✖ ${line(doc)}\n`);
        for (const failed of failedPages) stream.write(`\r\x1b[K✖ ${doc.name} ${failed}\n`);
        show(counts);
      },
      stop: () => bar.stop(),
    };
  }
  const every = options.lineEveryMs ?? PAGES_LINE_EVERY_MS;
  let lineAt = started;
  let linePages = 0;
  return {
    pages(_pages, c) {
      if (c.pagesDone === linePages || Date.now() - lineAt < every) return;
      lineAt = Date.now();
      linePages = c.pagesDone;
      const running = c.running.slice(0, RUNNING_SHOWN).map((r) => `${r.name} ${r.done}/${r.total}`);
      if (c.running.length > RUNNING_SHOWN) running.push(`+${c.running.length - RUNNING_SHOWN} more`);
      stream.write(`[${c.pagesDone}/${c.pagesTotal} pages, ${rate(c.pagesDone)} pages/s] ${docs(c)} documents${running.length > 0 ? `; under way: ${running.join(', ')}` : ''}\n`);
    },
    documentFinished(doc, c, failedPages) {
      stream.write(`[${c.pagesDone} pages, ${rate(c.pagesDone)} pages/s] ${line(doc)}\n`);
      for (const failed of failedPages) stream.write(`[${c.pagesDone} pages] FAILED ${doc.name} ${failed}\n`);
    },
    stop() {},
  };
}
