/**
 * `npm run bench:pool`: what the device pool costs and buys, in one run, on the real model if
 * ../shared/models/ has one, else the stand-in. Configurations:
 *   raw      — one in-process session, all threads, pages one after another (the baseline);
 *   cpu:1    — the pool with one worker holding the same threads, batching off;
 *   cpu:2    — two workers splitting the same threads, batching off;
 *   batch 4  — one worker, dynamic batching up to 4 pages;
 *   serial   — cpu:1 running bench/common/serial-worker-main.ts: every stage inline on the
 *              worker's one thread, the design before the device pipeline (issue #8; once
 *              `--prep-threads 0`), so "nothing regresses" is a paired figure too (pipeline ÷ serial).
 * Every round measures all four back to back, forward on even rounds and backward on odd ones,
 * so a ratio is taken within a round (paired) and machine drift favours no configuration. The
 * headline is pool(cpu:1) ÷ raw per round: its median and the confidence interval for that
 * median (bench/common/stats.ts); the target (≥ 0.95) is met only when the interval's lower
 * bound clears it. Writes bench/results/pool-<timestamp>.json with every round.
 *
 * Options: --pages N (pages per measurement, default 60; env BENCH_POOL_PAGES),
 *          --rounds R (default 7; env BENCH_POOL_ROUNDS), --threads T (default all cores),
 *          --quick (smoke run: 2 rounds of 6 pages, results to the temp folder).
 * About 20 minutes on the 2-core development machine with the stand-in.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../../src/config.js';
import { loadModel } from '../../src/pipeline/index.js';
import { createPool } from '../../src/pool/index.js';
import type { PoolResult } from '../../src/pool/types.js';
import { intOption } from '../common/options.js';
import { serialWorkerEntry } from '../common/serial-worker-main.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatRatio, formatStats, median, ratioStats, round, roundOrder, summarizeRatios } from '../common/stats.js';

const pageCount = intOption('pages', 'BENCH_POOL_PAGES', 60, 6);
const rounds = intOption('rounds', 'BENCH_POOL_ROUNDS', 7, 2);
const threads = intOption('threads', 'BENCH_POOL_THREADS', os.availableParallelism());
const TARGET_RATIO = 0.95;

const model = benchModels()[0]!;
const samples = samplePages();
/** The sample pages, cycled to `pageCount`. */
const workload = Array.from({ length: pageCount }, (_, i) => samples[i % samples.length]!);

interface Measurement {
  readonly pagesPerSec: number;
  readonly wallMs: number;
  readonly p50TotalMs?: number;
  readonly meanBatchSize?: number;
}

async function measureRaw(): Promise<Measurement> {
  const session = await loadModel(model.path, { device: 'cpu', intraOpNumThreads: threads });
  try {
    await session.analyze(workload[0]!.bytes, {}, { name: 'warm-up' });
    const started = performance.now();
    for (const page of workload) await session.analyze(page.bytes, {}, { name: page.name });
    const wallMs = performance.now() - started;
    return { pagesPerSec: round((pageCount * 1000) / wallMs, 4), wallMs: round(wallMs, 0) };
  } finally {
    await session.release();
  }
}

async function measurePool(devices: string, maxBatch: number, serial = false): Promise<Measurement> {
  const config = resolveConfig({
    devices,
    cpuThreads: threads,
    maxBatch,
    maxQueue: Math.max(256, pageCount),
    gpuTelemetryMs: 0,
    // A long deadline and watchdog: a slow machine must not turn a benchmark into errors.
    requestTimeoutMs: 3_600_000,
    watchdogTimeoutMs: 600_000,
  }, {});
  const pool = await createPool({ config, modelPath: model.path, ...(serial ? { workerEntry: serialWorkerEntry() } : {}) });
  try {
    await pool.ready();
    // Every worker up and warm before the clock starts: onnxruntime grows its memory arena on the
    // first run of each batch size, so each worker runs a full batch first (the raw run is warmed
    // the same way).
    while (pool.snapshot().devices.some((d) => d.state === 'starting')) await new Promise((r) => setTimeout(r, 50));
    const warmPages = pool.snapshot().devices.length * (maxBatch + 1);
    await Promise.all(Array.from({ length: warmPages }, (_, i) => pool.analyze({ source: { kind: 'image', bytes: workload[i % workload.length]!.bytes }, name: 'warm-up' })));
    const before = pool.snapshot().devices.map((d) => [...d.batchSizes]);
    const started = performance.now();
    const results: PoolResult[] = await Promise.all(workload.map((page) => pool.analyze({ source: { kind: 'image', bytes: page.bytes }, name: page.name })));
    const wallMs = performance.now() - started;
    const batches = pool.snapshot().devices.flatMap((d, i) => d.batchSizes.map((count, size) => ({ size, count: count - (before[i]![size] ?? 0) })));
    const batchCount = batches.reduce((n, b) => n + b.count, 0);
    return {
      pagesPerSec: round((pageCount * 1000) / wallMs, 4),
      wallMs: round(wallMs, 0),
      p50TotalMs: round(median(results.map((r) => r.timing.totalMs)), 0),
      meanBatchSize: round(pageCount / Math.max(1, batchCount)),
    };
  } finally {
    await pool.close();
  }
}

const configurations = [
  { key: 'raw', label: 'raw session (in-process)', run: measureRaw },
  { key: 'poolCpu1', label: 'pool cpu:1, batch 1', run: () => measurePool('cpu:1', 1) },
  { key: 'poolCpu2', label: 'pool cpu:2, batch 1', run: () => measurePool('cpu:2', 1) },
  { key: 'poolCpu1Batch4', label: 'pool cpu:1, batch ≤ 4', run: () => measurePool('cpu:1', 4) },
  { key: 'poolCpu1Serial', label: 'pool cpu:1, serial worker', run: () => measurePool('cpu:1', 1, true) },
] as const;

process.stderr.write(`bench:pool — ${model.kind} model ${model.path}\n`);
process.stderr.write(`${pageCount} pages per measurement (${samples.length} sample images cycled), ${rounds} round(s), ${threads} threads in total\n`);
const benchStarted = performance.now();
type Key = (typeof configurations)[number]['key'];
/** Measurements by configuration, indexed by round. */
const byKey = new Map<Key, Measurement[]>(configurations.map((c) => [c.key, []]));
for (let r = 0; r < rounds; r++) {
  for (const c of roundOrder(configurations, r)) {
    const m = await c.run();
    byKey.get(c.key)![r] = m;
    process.stderr.write(`  round ${r + 1} ${c.label.padEnd(26)} ${m.pagesPerSec.toFixed(2).padStart(7)} pages/s\n`);
  }
}

/** Per-round ratio a ÷ b: both measured in the same round, back to back. */
const perRound = (a: Key, b: Key): number[] => byKey.get(a)!.map((m, r) => m.pagesPerSec / byKey.get(b)![r]!.pagesPerSec);
const runs = Object.fromEntries(configurations.map((c) => {
  const all = byKey.get(c.key)!;
  return [c.key, { label: c.label, medianPagesPerSec: round(median(all.map((m) => m.pagesPerSec))), vsRaw: ratioStats(perRound(c.key, 'raw')), rounds: all }];
}));
const poolVsRaw = summarizeRatios(perRound('poolCpu1', 'raw'), TARGET_RATIO);
const batchingGain = ratioStats(perRound('poolCpu1Batch4', 'poolCpu1'));
const pipelineVsSerial = ratioStats(perRound('poolCpu1', 'poolCpu1Serial'));

process.stdout.write(`\n${model.kind} model ${model.path}\n`);
process.stdout.write(`${rounds} round(s), ${pageCount} pages each, ${threads} threads in total; ratios are per round, median [interval]\n`);
process.stdout.write(`${'configuration'.padEnd(28)}${'median pages/s'.padStart(15)}   vs raw\n`);
for (const c of configurations) {
  const run = runs[c.key]!;
  process.stdout.write(`${c.label.padEnd(28)}${run.medianPagesPerSec.toFixed(2).padStart(15)}   ${c.key === 'raw' ? '-' : formatStats(run.vsRaw)}\n`);
}
process.stdout.write(`batch ≤ 4 ÷ batch 1 = ${formatStats(batchingGain)}\n`);
process.stdout.write(`pipeline ÷ serial worker (cpu:1) = ${formatStats(pipelineVsSerial)}\n`);
process.stdout.write(`pool(cpu:1) ÷ raw = ${formatRatio(poolVsRaw)}\n`);

const file = writeResults('pool', {
  model: model.path,
  modelKind: model.kind,
  pagesPerMeasurement: pageCount,
  rounds,
  threads,
  rawPagesPerSec: runs.raw!.medianPagesPerSec,
  poolPagesPerSec: runs.poolCpu1!.medianPagesPerSec,
  // The headline: pool(cpu:1) ÷ raw per round (ratios), their median, and its interval.
  ...poolVsRaw,
  cpu2VsRaw: runs.poolCpu2!.vsRaw,
  batchingGain,
  pipelineVsSerial,
  totalSeconds: round((performance.now() - benchStarted) / 1000, 1),
  runs,
});
process.stdout.write(`results: ${file}\n`);
