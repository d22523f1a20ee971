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
 * env BENCH_CLUSTER_ROUNDS), --threads T (default all cores), --pdf (env BENCH_CLUSTER_PDF=1: the
 * workload is ONE PDF of N pages, the sample pages embedded in turn, instead of N image documents;
 * `direct` then analyses that PDF on the pool), --quick (4 pages, 2 rounds: a smoke run whose
 * figures are not evidence; its JSON goes to the temp folder), --configs LIST (env
 * BENCH_CLUSTER_CONFIGS; default direct,one,oneT1,two: a subset runs only those, and only the
 * ratios whose two sides ran are computed — for counting on a loaded machine).
 *
 * Beside pages/s it records what the workers read and parsed per configuration and round, from
 * their registry entries (deterministic, unlike times on a loaded machine): documents fetched from
 * Redis, bytes read, PDFs spooled, page trees parsed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument } from 'pdf-lib';
import { resolveConfig } from '../../src/config.js';
import { analyzeDocument, poolAnalyzer } from '../../src/document/index.js';
import { Cluster, JobClient, jobSettings, listWorkers, newSubmissionId, type WorkerInfo } from '../../src/jobs/index.js';
import { createPool } from '../../src/pool/index.js';
import { RedisServer } from '../../test/fixtures/redis-server.js';
import { intOption, quick, stringOption } from '../common/options.js';
import { benchModels, repoRoot, round, samplePages, writeResults } from '../common/results.js';
import { formatRatio, formatStats, ratioStats, roundOrder, summarizeRatios } from '../common/stats.js';

const pageCount = intOption('pages', 'BENCH_CLUSTER_PAGES', 40, 4);
const rounds = intOption('rounds', 'BENCH_CLUSTER_ROUNDS', 7, 2);
const threads = intOption('threads', 'BENCH_CLUSTER_THREADS', os.availableParallelism());
const model = benchModels()[0]!;
const samples = samplePages();
const ALL_CONFIGS = ['direct', 'one', 'oneT1', 'two'] as const;
const selected = stringOption('configs', 'BENCH_CLUSTER_CONFIGS', ALL_CONFIGS.join(',')).split(',');
for (const name of selected) if (!(ALL_CONFIGS as readonly string[]).includes(name)) throw new Error(`--configs: unknown configuration ${name} (expected ${ALL_CONFIGS.join(',')})`);
const pdfWorkload = process.argv.includes('--pdf') || process.env.BENCH_CLUSTER_PDF === '1';
const pages = Array.from({ length: pageCount }, (_, i) => samples[i % samples.length]!);
/** PDF pages are rendered at this resolution: a page of W×H pixels is W/2×H/2 points, the sample's size again. */
const PDF_DPI = 144;

/** One PDF whose page i is sample i (JPEG, embedded as is), sized to render at the sample's own pixels. */
async function samplesPdf(count: number): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const embedded = new Map<string, Awaited<ReturnType<typeof pdf.embedJpg>>>();
  for (const sample of pages.slice(0, count)) {
    let image = embedded.get(sample.name);
    if (!image) embedded.set(sample.name, (image = await pdf.embedJpg(sample.bytes)));
    const scale = 72 / PDF_DPI;
    const page = pdf.addPage([image.width * scale, image.height * scale]);
    page.drawImage(image, { x: 0, y: 0, width: image.width * scale, height: image.height * scale });
  }
  return Buffer.from(await pdf.save());
}

/** A run's input: N image documents, or one PDF of N pages (--pdf). */
interface Workload {
  readonly pageCount: number;
  readonly documents: ReadonlyArray<{ name: string; bytes: Buffer }>;
}

async function makeWorkload(count: number): Promise<Workload> {
  if (pdfWorkload) return { pageCount: count, documents: [{ name: `samples-${count}.pdf`, bytes: await samplesPdf(count) }] };
  return { pageCount: count, documents: pages.slice(0, count).map((p, i) => ({ name: `${i}-${p.name}`, bytes: p.bytes })) };
}
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

/** How often the bench reads the submission's progress, ms: often enough to time a 20 s run to 0.1 %, rarely enough to cost nothing. */
const POLL_MS = 50;
/** Submitting time per page, per configuration (ms), over the timed rounds. */
const submitMs: Record<string, number[]> = {};

/** What the workers of a queue read and parsed, summed from their registry entries. */
const COUNTS = ['documentFetches', 'documentBytesRead', 'spools', 'pageTreeParses'] as const;
type Counts = Record<(typeof COUNTS)[number], number>;

function sumCounts(workers: readonly WorkerInfo[]): Counts {
  return Object.fromEntries(COUNTS.map((k) => [k, workers.reduce((sum, w) => sum + (w[k] ?? 0), 0)])) as Counts;
}

/** The queue's counts once every worker has sent a heartbeat after `since` (performance.timeOrigin-based ms). */
async function countsAfter(client: JobClient, since: number, workerCount: number): Promise<Counts> {
  for (;;) {
    const workers = await listWorkers(client.cluster);
    if (workers.length === workerCount && workers.every((w) => w.seenAt > since)) return sumCounts(workers);
    await sleep(POLL_MS);
  }
}

/** Per configuration and timed round: what its workers read and parsed for that round. */
const counts: Record<string, Counts[]> = {};

/** Submits the workload into the paused queue, then times the worker(s) draining it: pages/s through Redis. */
async function measureCluster(client: JobClient, work: Workload, label: string, workerCount: number): Promise<number> {
  const submissionId = newSubmissionId('bench');
  const options = { params: {}, pdfDpi: PDF_DPI, maxPdfPages: 0 };
  const { docsQueue } = client.cluster;
  const before = await countsAfter(client, Date.now(), workerCount);
  await docsQueue.pause();
  const submitStarted = performance.now();
  await client.createSubmission(submissionId);
  for (const doc of work.documents) await client.submitDocument(submissionId, doc, options);
  (submitMs[label] ??= []).push((performance.now() - submitStarted) / work.pageCount);
  const started = performance.now();
  await docsQueue.resume();
  for (;;) {
    const submission = await client.cluster.documents.getSubmission(submissionId);
    if (submission && submission.docsCompleted + submission.docsFailed === work.documents.length) {
      if (submission.docsFailed > 0) throw new Error(`${submission.docsFailed} documents failed`);
      break;
    }
    await sleep(POLL_MS);
  }
  const rate = (work.pageCount * 1000) / (performance.now() - started);
  const after = await countsAfter(client, Date.now(), workerCount);
  (counts[label] ??= []).push(Object.fromEntries(COUNTS.map((k) => [k, after[k] - before[k]])) as Counts);
  return rate;
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
    const byQueue = new Map<string, JobClient>();
    /** One client per queue, made when its configuration first runs. */
    const open = (queue: string): JobClient => {
      let c = byQueue.get(queue);
      if (!c) {
        c = new JobClient(new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue }, {}))));
        byQueue.set(queue, c);
        clients.push(c);
      }
      return c;
    };
    if (selected.includes('one')) workers.push(await startWorker(redis.url, 'one', threads));
    if (selected.includes('oneT1')) workers.push(await startWorker(redis.url, 'onet1', 1));
    if (selected.includes('two')) workers.push(await startWorker(redis.url, 'two', 1), await startWorker(redis.url, 'two', 1));
    const workload = await makeWorkload(pageCount);
    const warmup = await makeWorkload(4);
    const limits = { maxPixels: config.maxPixels, pdfDpi: PDF_DPI, maxPdfPages: 0 };
    type Run = (work?: Workload) => Promise<number>;
    const all: Record<string, Run> = {
      direct: async (work = workload) => {
        const started = performance.now();
        await Promise.all(work.documents.map((d) => pdfWorkload
          ? analyzeDocument({ analyzer: direct, limits }, d, { params: {} })
          : direct.analyze({ source: { kind: 'image', bytes: d.bytes }, name: d.name }, {})));
        return (work.pageCount * 1000) / (performance.now() - started);
      },
      one: (work = workload) => measureCluster(open('one'), work, 'one', 1),
      oneT1: (work = workload) => measureCluster(open('onet1'), work, 'oneT1', 1),
      two: (work = workload) => measureCluster(open('two'), work, 'two', 2),
    };
    const configs = Object.fromEntries(Object.entries(all).filter(([name]) => selected.includes(name)));
    // Warm-up: two pages per worker of every configuration, untimed (arena growth, connections, JIT).
    for (const run of Object.values(configs)) await run(warmup);
    for (const key of Object.keys(submitMs)) delete submitMs[key];
    for (const key of Object.keys(counts)) delete counts[key];
    const results: Array<Record<string, number>> = [];
    for (let r = 0; r < rounds; r++) {
      const order = roundOrder(Object.keys(configs), r);
      const row: Record<string, number> = {};
      for (const name of order) row[name] = round(await configs[name]!());
      results.push(row);
      process.stderr.write(`round ${r + 1}/${rounds}: ${JSON.stringify(row)} pages/s\n`);
    }
    const ran = (...names: string[]): boolean => names.every((n) => selected.includes(n));
    const overhead = ran('one', 'direct') ? summarizeRatios(results.map((r) => r.one! / r.direct!), 0.95) : undefined;
    const scaling = ran('two', 'oneT1') ? ratioStats(results.map((r) => r.two! / r.oneT1!)) : undefined;
    const file = writeResults('cluster', {
      model: { path: model.path, kind: model.kind },
      pages: pageCount,
      workload: pdfWorkload ? `one PDF of ${pageCount} pages (${PDF_DPI} dpi)` : `${pageCount} image documents`,
      rounds,
      configs: selected,
      threads,
      quick,
      note: quick ? 'smoke run (--quick): too few rounds to be evidence' : undefined,
      perRound: results,
      redisAppendfsync: 'everysec',
      documentCounts: {
        description: 'per timed round, summed over the configuration\'s workers: documents fetched from Redis, bytes read, PDFs spooled, page trees parsed (split included)',
        ...counts,
      },
      submitMsPerPage: Object.fromEntries(Object.entries(submitMs).map(([k, v]) => [k, round(v.reduce((a, b) => a + b, 0) / v.length)])),
      ...(overhead ? { overhead: { description: 'one worker (cpu:1) through Redis / the same pool called directly', ...overhead } } : {}),
      ...(scaling ? { scaling: { description: 'two workers (one thread each) / one worker (one thread)', ...scaling } } : {}),
    });
    process.stderr.write(`document counts per round: ${JSON.stringify(Object.fromEntries(Object.entries(counts).map(([k, v]) => [k, v[0]])))}\n`);
    if (overhead) process.stderr.write(`overhead (one worker via Redis / pool direct): ${formatRatio(overhead)}\n`);
    if (scaling) process.stderr.write(`scaling (two workers / one): ${formatStats(scaling)}\n`);
    process.stderr.write(`${file}\n`);
  } finally {
    await cleanup();
  }
}

await main();
