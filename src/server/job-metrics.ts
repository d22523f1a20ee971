/**
 * /metrics for the job queue, read at scrape time from the JobService (Redis counts for a
 * cluster, in-process counts for the embedded queue): depth, active, completed, failed, stalled,
 * per-worker pages, and result-cache hits and misses. The queue depth gauge is what KEDA or an
 * HPA scales workers on.
 */
import { Gauge, type Registry } from 'prom-client';
import type { JobMetrics, JobService } from '../jobs/index.js';

/** One scrape reads every figure from one read of the queue, at most this old, ms. */
const REUSE_MS = 250;

export function registerJobMetrics(registry: Registry, jobs: JobService): void {
  const registers = [registry];
  let last: { at: number; value: Promise<JobMetrics> } | undefined;
  const read = (): Promise<JobMetrics> => {
    const now = Date.now();
    if (!last || now - last.at > REUSE_MS) last = { at: now, value: jobs.metrics() };
    return last.value;
  };
  const gauge = (name: string, help: string, pick: (m: JobMetrics) => number): void => {
    new Gauge({
      name, help, labelNames: ['backend'], registers,
      async collect() {
        const m = await read().catch(() => undefined);
        this.reset();
        if (m) this.set({ backend: m.backend }, pick(m));
      },
    });
  };
  gauge('doclayout_jobs_queue_depth', 'Page jobs waiting for a worker (KEDA/HPA scale workers on this)', (m) => m.waiting);
  gauge('doclayout_jobs_active', 'Page jobs being run by workers now', (m) => m.active);
  gauge('doclayout_jobs_completed_total', 'Pages whose result was stored (cluster-wide with Redis)', (m) => m.completed);
  gauge('doclayout_jobs_failed_total', 'Page jobs that failed for good (every attempt)', (m) => m.failed);
  gauge('doclayout_jobs_stalled_total', 'Jobs handed to another worker after theirs died', (m) => m.stalled);
  gauge('doclayout_cache_hits_total', 'Pages answered from the result cache (no device run)', (m) => m.cacheHits);
  gauge('doclayout_cache_misses_total', 'Pages not in the result cache (run on a device)', (m) => m.cacheMisses);
  gauge('doclayout_jobs_workers', 'Workers seen alive in the last heartbeats', (m) => m.workers.length);
  const perWorker = (name: string, help: string, pick: (w: JobMetrics['workers'][number]) => number): void => {
    new Gauge({
      name, help, labelNames: ['worker'], registers,
      async collect() {
        const m = await read().catch(() => undefined);
        this.reset();
        for (const w of m?.workers ?? []) this.set({ worker: w.id }, pick(w));
      },
    });
  };
  perWorker('doclayout_jobs_worker_pages', 'Pages stored, per worker', (w) => w.pagesStored);
  perWorker('doclayout_jobs_worker_active', 'Page jobs held, per worker', (w) => w.active);
  perWorker('doclayout_jobs_worker_pages_per_second', 'Pages stored per second, per worker', (w) => w.pagesPerSec);
}
