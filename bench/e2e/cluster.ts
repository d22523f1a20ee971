/**
 * `npm run bench:cluster`: what going through Redis costs, and what a second worker buys, in one
 * run on the real model if ../shared/models/ has one, else the stand-in. A real redis-server (AOF
 * on with fsync every second, as the Compose and Kubernetes files run it) and real `doclayout
 * worker` processes; the cache is off so every page runs. Workers drain a backlog, as in a cluster:
 * the documents are submitted while the queue is paused (that time is recorded apart, as
 * `submitMsPerPage`: a submitter usually runs on another machine), and the clock runs from
 * resuming the queue to the last result. Each round measures, back to back (order reversed
 * every other round):
 *   direct   — the pool (cpu:1, T threads) called in process, every page in flight;
 *   one      — one worker (cpu:1, T threads) through Redis, draining the backlog;
 *   oneT1    — one worker with one thread (the scaling baseline);
 *   two      — two workers with one thread each.
 * Summaries are per-round paired ratios (overhead = one / direct, target ≥ 0.95; scaling =
 * two / oneT1) with their median and confidence interval (bench/common/stats.ts).
 * Writes bench/results/cluster-<timestamp>.json.
 *
 * Options: --pages N (default 40; env BENCH_CLUSTER_PAGES), --rounds R (default 7;
 * env BENCH_CLUSTER_ROUNDS), --threads T (default all cores), --quick (4 pages, 2 rounds: a smoke
 * run whose figures are not evidence; its JSON goes to the temp folder).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { resolveConfig } from '../../src/config.js';
import { poolAnalyzer } from '../../src/document/index.js';
import { Cluster, JobClient, jobSettings, newBatchId } from '../../src/jobs/index.js';
import { createPool } from '../../src/pool/index.js';
import { RedisServer } from '../../test/fixtures/redis-server.js';
import { intOption, quick } from '../common/options.js';
import { benchModels, repoRoot, round, samplePages, writeResults } from '../common/results.js';
import { formatRatio, formatStats, ratioStats, roundOrder, summarizeRatios } from '../common/stats.js';

const pageCount = intOption('pages', 'BENCH_CLUSTER_PAGES', 40, 4);
const rounds = intOption('rounds', 'BENCH_CLUSTER_ROUNDS', 7, 2);
const threads = intOption('threads', 'BENCH_CLUSTER_THREADS', os.availableParallelism());
const model = benchModels()[0]!;
const samples = samplePages();
const workload = Array.from({ length: pageCount }, (_, i) => samples[i % samples.length]!);
const cli = path.join(repoRoot, 'dist/src/cli/index.js');

async function startWorker(redisUrl: string, queue: string, workerThreads: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cli, 'worker', '--cache', 'off'], {
    env: {
      ...process.env,
      DOCLAYOUT_REDIS: redisUrl,
      DOCLAYOUT_QUEUE: queue,
      DOCLAYOUT_MODEL: model.path,
      DOCLAYOUT_DEVICES: 'cpu:1',
      DOCLAYOUT_CPU_THREADS: String(workerThreads),
      DOCLAYOUT_GPU_TELEMETRY_MS: '0',
      DOCLAYOUT_LOG_LEVEL: 'warn',
      DOCLAYOUT_REQUEST_TIMEOUT_MS: '3600000',
      DOCLAYOUT_WATCHDOG_MS: '600000',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  while (!/capacity/.test(err)) {
    if (child.exitCode !== null) throw new Error(`worker exited: ${err}`);
    await sleep(50);
  }
  return child;
}

/** How often the bench reads the batch's progress, ms: often enough to time a 20 s run to 0.1 %, rarely enough to cost nothing. */
const POLL_MS = 50;
/** Submitting time per page, per configuration (ms), over the timed rounds. */
const submitMs: Record<string, number[]> = {};

/** Submits every page as a document into the paused queue, then times the worker(s) draining it: pages/s through Redis. */
async function measureCluster(client: JobClient, pages: typeof workload, label: string): Promise<number> {
  const batchId = newBatchId('bench');
  const options = { params: {}, pdfDpi: 144, maxPdfPages: 0 };
  const { docsQueue } = client.cluster;
  await docsQueue.pause();
  const submitStarted = performance.now();
  await client.createBatch(batchId);
  for (let i = 0; i < pages.length; i++) await client.submitDocument(batchId, { name: `${i}-${pages[i]!.name}`, bytes: pages[i]!.bytes }, options);
  (submitMs[label] ??= []).push((performance.now() - submitStarted) / pages.length);
  const started = performance.now();
  await docsQueue.resume();
  for (;;) {
    const batch = await client.cluster.documents.getBatch(batchId);
    if (batch && batch.docsCompleted + batch.docsFailed === pages.length) {
      if (batch.docsFailed > 0) throw new Error(`${batch.docsFailed} pages failed`);
      break;
    }
    await sleep(POLL_MS);
  }
  return (pages.length * 1000) / (performance.now() - started);
}

async function main(): Promise<void> {
  const redis = await RedisServer.start({ appendfsync: 'everysec' });
  const workers: ChildProcess[] = [];
  const clients: JobClient[] = [];
  const config = resolveConfig({ devices: 'cpu:1', cpuThreads: threads, maxQueue: Math.max(256, pageCount), gpuTelemetryMs: 0, requestTimeoutMs: 3_600_000, watchdogTimeoutMs: 600_000 }, {});
  const pool = await createPool({ config, modelPath: model.path });
  const direct = poolAnalyzer(pool);
  const cleanup = async (): Promise<void> => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.allSettled(clients.map((c) => c.cluster.close()));
    await pool.destroy().catch(() => undefined);
    await redis.destroy();
  };
  // Interrupted (Ctrl-C, a timeout): leave no worker process or redis-server behind.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().finally(() => process.exit(130)));
  try {
    await pool.ready();
    const open = (queue: string): JobClient => {
      const c = new JobClient(new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue }, {}))));
      clients.push(c);
      return c;
    };
    workers.push(await startWorker(redis.url, 'one', threads), await startWorker(redis.url, 'onet1', 1), await startWorker(redis.url, 'two', 1), await startWorker(redis.url, 'two', 1));
    type Run = (pages?: typeof workload) => Promise<number>;
    const configs: Record<string, Run> = {
      direct: async (pages = workload) => {
        const started = performance.now();
        await Promise.all(pages.map((p, i) => direct.analyze({ source: { kind: 'image', bytes: p.bytes }, name: `${i}` }, {})));
        return (pages.length * 1000) / (performance.now() - started);
      },
      one: (() => { const c = open('one'); return (pages = workload) => measureCluster(c, pages, 'one'); })(),
      oneT1: (() => { const c = open('onet1'); return (pages = workload) => measureCluster(c, pages, 'oneT1'); })(),
      two: (() => { const c = open('two'); return (pages = workload) => measureCluster(c, pages, 'two'); })(),
    };
    // Warm-up: two pages per worker of every configuration, untimed (arena growth, connections, JIT).
    for (const run of Object.values(configs)) await run(workload.slice(0, 4));
    for (const key of Object.keys(submitMs)) delete submitMs[key];
    const results: Array<Record<string, number>> = [];
    for (let r = 0; r < rounds; r++) {
      const order = roundOrder(Object.keys(configs), r);
      const row: Record<string, number> = {};
      for (const name of order) row[name] = round(await configs[name]!());
      results.push(row);
      process.stderr.write(`round ${r + 1}/${rounds}: ${JSON.stringify(row)} pages/s\n`);
    }
    const overhead = summarizeRatios(results.map((r) => r.one! / r.direct!), 0.95);
    const scaling = ratioStats(results.map((r) => r.two! / r.oneT1!));
    const file = writeResults('cluster', {
      model: { path: model.path, kind: model.kind },
      pages: pageCount,
      rounds,
      threads,
      quick,
      note: quick ? 'smoke run (--quick): too few rounds to be evidence' : undefined,
      perRound: results,
      redisAppendfsync: 'everysec',
      submitMsPerPage: Object.fromEntries(Object.entries(submitMs).map(([k, v]) => [k, round(v.reduce((a, b) => a + b, 0) / v.length)])),
      overhead: { description: 'one worker (cpu:1) through Redis / the same pool called directly', ...overhead },
      scaling: { description: 'two workers (one thread each) / one worker (one thread)', ...scaling },
    });
    process.stderr.write(`overhead (one worker via Redis / pool direct): ${formatRatio(overhead)}\nscaling (two workers / one): ${formatStats(scaling)}\n${file}\n`);
  } finally {
    await cleanup();
  }
}

await main();
