/**
 * `npm run bench:pool`: what the device pool costs and buys, in one run, on the real model if
 * ../shared/models/ has one, else the stand-in. Measures, interleaved over rounds so machine
 * noise hits every configuration alike:
 *   raw      — one in-process session, all threads, pages one after another (the baseline);
 *   cpu:1    — the pool with one worker holding the same threads, batching off;
 *   cpu:2    — two workers splitting the same threads, batching off;
 *   batch 4  — one worker, dynamic batching up to 4 pages.
 * Writes bench/results/pool-<timestamp>.json with rawPagesPerSec, poolPagesPerSec (cpu:1) and
 * ratio (= pool / raw; target ≥ 0.95), plus every run.
 *
 * Options: --pages N (pages per measurement, default 40; env BENCH_POOL_PAGES),
 *          --rounds R (default 3; env BENCH_POOL_ROUNDS), --threads T (default all cores).
 * Figures are the best round of each configuration (see `summary`); about 3.5 minutes on the
 * 2-core development machine with the stand-in.
 */
import os from 'node:os';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../../src/config.js';
import { loadModel } from '../../src/model/pipeline.js';
import { createPool } from '../../src/pool/index.js';
import type { PoolResult } from '../../src/pool/types.js';
import { benchModels, median, round, samplePages, writeResults } from '../common/results.js';

function option(name: string, envName: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const raw = i >= 0 ? process.argv[i + 1] : process.env[envName];
  const value = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} expects a positive integer, got ${raw}`);
  return value;
}

const pageCount = option('pages', 'BENCH_POOL_PAGES', 40);
const rounds = option('rounds', 'BENCH_POOL_ROUNDS', 3);
const threads = option('threads', 'BENCH_POOL_THREADS', os.availableParallelism());

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
    return { pagesPerSec: round((pageCount * 1000) / wallMs), wallMs: round(wallMs, 0) };
  } finally {
    await session.release();
  }
}

async function measurePool(devices: string, maxBatch: number): Promise<Measurement> {
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
  const pool = await createPool({ config, modelPath: model.path });
  try {
    await pool.ready();
    // Every worker up and warm before the clock starts: onnxruntime grows its memory arena on the
    // first run of each batch size, so each worker runs a full batch first (the raw run is warmed
    // the same way).
    while (pool.snapshot().devices.some((d) => d.state === 'starting')) await new Promise((r) => setTimeout(r, 50));
    const warmPages = pool.snapshot().devices.length * (maxBatch + 1);
    await Promise.all(Array.from({ length: warmPages }, (_, i) => pool.analyze({ bytes: workload[i % workload.length]!.bytes, name: 'warm-up' })));
    const before = pool.snapshot().devices.map((d) => [...d.batchSizes]);
    const started = performance.now();
    const results: PoolResult[] = await Promise.all(workload.map((page) => pool.analyze({ bytes: page.bytes, name: page.name })));
    const wallMs = performance.now() - started;
    const batches = pool.snapshot().devices.flatMap((d, i) => d.batchSizes.map((count, size) => ({ size, count: count - (before[i]![size] ?? 0) })));
    const batchCount = batches.reduce((n, b) => n + b.count, 0);
    return {
      pagesPerSec: round((pageCount * 1000) / wallMs),
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
] as const;

process.stderr.write(`bench:pool — ${model.kind} model ${model.path}\n`);
process.stderr.write(`${pageCount} pages per measurement (${samples.length} sample images cycled), ${rounds} round(s), ${threads} threads in total\n`);
const benchStarted = performance.now();
const samplesByKey = new Map<string, Measurement[]>(configurations.map((c) => [c.key, []]));
for (let r = 1; r <= rounds; r++) {
  for (const c of configurations) {
    const m = await c.run();
    samplesByKey.get(c.key)!.push(m);
    process.stderr.write(`  round ${r} ${c.label.padEnd(26)} ${m.pagesPerSec.toFixed(2).padStart(7)} pages/s\n`);
  }
}

/**
 * Best round of each configuration. On a shared machine other processes only ever slow a round
 * down, so the fastest round is the closest to what the configuration can do; every round is
 * kept in the JSON, and the median is reported beside it.
 */
function summary(key: string): Measurement & { medianPagesPerSec: number; rounds: Measurement[] } {
  const all = samplesByKey.get(key)!;
  const best = [...all].sort((a, b) => b.pagesPerSec - a.pagesPerSec)[0]!;
  return { ...best, medianPagesPerSec: round(median(all.map((m) => m.pagesPerSec))), rounds: all };
}

const runs = Object.fromEntries(configurations.map((c) => [c.key, { label: c.label, ...summary(c.key) }]));
const rawPagesPerSec = runs.raw!.pagesPerSec;
const poolPagesPerSec = runs.poolCpu1!.pagesPerSec;
const ratio = round(poolPagesPerSec / rawPagesPerSec, 3);
const cpu2Ratio = round(runs.poolCpu2!.pagesPerSec / rawPagesPerSec, 3);
const batchingGain = round(runs.poolCpu1Batch4!.pagesPerSec / poolPagesPerSec, 3);

process.stdout.write(`\n${model.kind} model ${model.path}\n`);
process.stdout.write(`best of ${rounds} round(s), ${pageCount} pages each, ${threads} threads in total\n`);
process.stdout.write(`${'configuration'.padEnd(28)}${'pages/s'.padStart(9)}${'median'.padStart(9)}${'vs raw'.padStart(9)}${'p50 ms'.padStart(9)}${'batch'.padStart(7)}\n`);
for (const c of configurations) {
  const run = runs[c.key]!;
  process.stdout.write(
    `${c.label.padEnd(28)}${run.pagesPerSec.toFixed(2).padStart(9)}${run.medianPagesPerSec.toFixed(2).padStart(9)}${(run.pagesPerSec / rawPagesPerSec).toFixed(3).padStart(9)}` +
    `${(run.p50TotalMs === undefined ? '-' : String(run.p50TotalMs)).padStart(9)}${(run.meanBatchSize === undefined ? '-' : run.meanBatchSize.toFixed(2)).padStart(7)}\n`,
  );
}
process.stdout.write(`pool(cpu:1) / raw = ${ratio} (target ≥ 0.95: ${ratio >= 0.95 ? 'met' : 'NOT met'})\n`);

const file = writeResults('pool', {
  model: model.path,
  modelKind: model.kind,
  pagesPerMeasurement: pageCount,
  rounds,
  threads,
  rawPagesPerSec,
  poolPagesPerSec,
  ratio,
  target: 0.95,
  targetMet: ratio >= 0.95,
  cpu2PagesPerSec: runs.poolCpu2!.pagesPerSec,
  cpu2VsRaw: cpu2Ratio,
  batch4PagesPerSec: runs.poolCpu1Batch4!.pagesPerSec,
  batchingGain,
  totalSeconds: round((performance.now() - benchStarted) / 1000, 1),
  runs,
});
process.stdout.write(`results: ${file}\n`);
