/**
 * Progress of a batch across the cluster, from its counters in Redis: a bar of pages done out of
 * pages known (the total grows as workers open the documents) on a terminal, one line per
 * finished document otherwise.
 */
import cliProgress from 'cli-progress';
import type { BatchStatus, DocumentRecord } from '../jobs/index.js';

interface BatchProgress {
  update(status: BatchStatus): void;
  documentFinished(doc: DocumentRecord): void;
  stop(): void;
}

export function createBatchProgress(stream: NodeJS.WriteStream = process.stderr): BatchProgress {
  const started = Date.now();
  let lastPages = 0;
  const rate = (pages: number): string => (pages / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(2);
  const line = (doc: DocumentRecord): string => doc.state === 'completed'
    ? `${doc.name}: ${doc.pagesDone} page(s)`
    : `${doc.state.toUpperCase()} ${doc.name}${doc.error ? `: ${doc.error.message} [${doc.error.code}]` : ''}`;
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'batch [{bar}] {value}/{total} pages | {docs} documents | {rate} pages/s', hideCursor: true, stream },
      cliProgress.Presets.shades_classic,
    );
    bar.start(1, 0, { docs: '0/0', rate: '0.00' });
    return {
      update(status) {
        lastPages = status.pagesDone;
        bar.setTotal(Math.max(1, status.pagesTotal));
        bar.update(status.pagesDone, { docs: `${status.docsCompleted + status.docsFailed}/${status.docsTotal}`, rate: rate(status.pagesDone) });
      },
      documentFinished(doc) {
        if (doc.state !== 'completed') stream.write(`\r\x1b[K✖ ${line(doc)}\n`);
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update(status) {
      lastPages = status.pagesDone;
    },
    documentFinished(doc) {
      stream.write(`[${lastPages} pages, ${rate(lastPages)} pages/s] ${line(doc)}\n`);
    },
    stop() {},
  };
}
