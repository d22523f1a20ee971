/**
 * The device worker as it was before the page pipeline (issue #8), kept as the benches' "before"
 * baseline only: every stage of every page inline on the worker's main thread, one batch
 * prepared, run and finished before the next (what `--prep-threads 0` was; production workers
 * always have prep threads now). The pool forks it in place of worker-main.js through
 * PoolOptions.workerEntry (serialWorkerEntry below); the rest is the real worker.
 */
import { fileURLToPath } from 'node:url';
import { finishPage, preparePage } from '../../src/pipeline/page-stages.js';
import type { StageRunner } from '../../src/pipeline/index.js';
import { runWorker } from '../../src/pool/worker-main.js';
import type { WorkerEntry } from '../../src/pool/index.js';

/** The stages on the calling thread, a PDF page rendered there too (no render budget), as before. */
const inlineStages: StageRunner = {
  prepare: (request) => preparePage(request),
  finish: (request) => finishPage(request),
  close: () => Promise.resolve(),
};

/** Device index → this program, for PoolOptions.workerEntry. */
export function serialWorkerEntry(devices = 1): Record<number, WorkerEntry> {
  const path = fileURLToPath(import.meta.url);
  return Object.fromEntries(Array.from({ length: devices }, (_, index) => [index, { path }]));
}

// Imported by a bench for serialWorkerEntry: only a forked worker serves.
if (process.send) runWorker({ stages: () => ({ stages: inlineStages, overlap: false }) });
