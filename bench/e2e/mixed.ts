/**
 * `npm run bench:mixed`: interactive requests stay fast while batch jobs fill the devices. One
 * server (the real HTTP stack, embedded job queue, result cache off) on one device; each round
 * measures, in an order that alternates between rounds:
 *   interactive alone — K single-page `POST /v1/layout` requests, one after another;
 *   batch alone       — J PDF jobs (`POST /v1/jobs`, P pages each) run to completion;
 *   mixed             — the same jobs, with the K interactive requests sent at a low rate
 *                       (one every `--interval-pages` page times) while the jobs run.
 * Ratios are paired within a round (bench/common/stats.ts):
 *   interactive p99 mixed ÷ alone ≤ 2 (per round, the p99 of its K requests);
 *   batch pages/s mixed ÷ alone ≥ 0.9;
 *   no starvation: while the jobs ran, the longest stretch with no batch page finished and the
 *   longest wait of a queued batch page stay within the bound (priorityAgingMs + two pages).
 * --interactive-lane runs the server with `--interactive-lane`: the device's worker at the lowest
 * OS priority and a second worker for interactive pages only (src/pool/devices.ts).
 * --with-fifo adds a fourth run per round, `mixed FIFO`: the interactive requests sent as
 * `priority=batch`, i.e. one class, one line, the behaviour before priorities (for reference).
 * Options: --rounds R (default 5; env BENCH_ROUNDS), --interactive K (default 3), --jobs J
 * (default 6), --job-pages P (default 8), --interval-pages N (default 12), --threads T
 * (default all cores), --quick (2 rounds, small jobs; results to the temp folder).
 * About 6 minutes on the 2-core development machine with the stand-in.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { PDFDocument } from 'pdf-lib';
import { resolveConfig } from '../../src/config.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { nearestRank } from '../../src/util/percentile.js';
import { intOption } from '../common/options.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatRatio, formatStats, median, ratioStats, round, roundOrder, summarizeRatios } from '../common/stats.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 5, 2);
const interactiveCount = intOption('interactive', 'BENCH_MIXED_INTERACTIVE', 3, 2);
const jobCount = intOption('jobs', 'BENCH_MIXED_JOBS', 6, 2);
const jobPages = intOption('job-pages', 'BENCH_MIXED_JOB_PAGES', 8, 4);
const intervalPages = intOption('interval-pages', 'BENCH_MIXED_INTERVAL_PAGES', 12, 4);
const threads = intOption('threads', 'BENCH_MIXED_THREADS', os.availableParallelism());
const withFifo = process.argv.includes('--with-fifo');
const interactiveLane = process.argv.includes('--interactive-lane');
const P99_TARGET = 2;
const BATCH_TARGET = 0.9;
/** How often job progress and the queue are sampled during a batch run, ms. */
const POLL_MS = 100;

const model = benchModels()[0]!;
const samples = samplePages();

/** J PDFs of P pages, the sample images cycled; pages sized so 144 dpi renders them at about their own pixels. */
async function makeJobs(): Promise<Uint8Array[]> {
  const pdfs: Uint8Array[] = [];
  for (let j = 0; j < jobCount; j++) {
    const doc = await PDFDocument.create();
    for (let p = 0; p < jobPages; p++) {
      const sample = samples[(j * jobPages + p) % samples.length]!;
      const image = /\.png$/i.test(sample.name) ? await doc.embedPng(sample.bytes) : await doc.embedJpg(sample.bytes);
      const page = doc.addPage([image.width / 2, image.height / 2]);
      page.drawImage(image, { x: 0, y: 0, width: image.width / 2, height: image.height / 2 });
    }
    pdfs.push(await doc.save());
  }
  return pdfs;
}

const config = resolveConfig({
  devices: 'cpu:1',
  cpuThreads: threads,
  interactiveLane,
  cache: 'off',
  // A data directory of its own: the default one may be held by a server already.
  dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-data-')),
  maxQueue: 4096,
  gpuTelemetryMs: 0,
  logLevel: 'silent',
  // A loaded machine must not turn the benchmark into errors or shed requests.
  requestTimeoutMs: 3_600_000,
  watchdogTimeoutMs: 600_000,
  eventLoopLagMs: 0,
}, {});
const state = await createServiceState({ config, modelPath: model.path });
await state.engine.ready();
const pool = state.engine.pool;
const app = await buildServer({ state });
const base = await app.listen({ host: '127.0.0.1', port: 0 });
const jobs = await makeJobs();
const batchPages = jobCount * jobPages;
const interactivePage = samples[0]!;

async function interactive(priority?: 'batch'): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${base}/v1/layout${priority ? `?priority=${priority}` : ''}`, {
    method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: new Uint8Array(interactivePage.bytes),
  });
  await res.arrayBuffer();
  if (res.status !== 200) throw new Error(`interactive request: HTTP ${res.status}`);
  return performance.now() - started;
}

interface BatchRun {
  readonly pagesPerSec: number;
  readonly wallMs: number;
  /** Longest stretch with no batch page finished while pages were left, ms (from the first page on). */
  readonly longestStallMs: number;
  /** Longest wait of a batch page queued in the pool, seen while the jobs ran, ms. */
  readonly oldestBatchWaitMs: number;
}

async function batch(): Promise<BatchRun> {
  const started = performance.now();
  const ids = await Promise.all(jobs.map(async (pdf, i) => {
    const res = await fetch(`${base}/v1/jobs?name=job-${i}.pdf`, { method: 'POST', headers: { 'content-type': 'application/pdf' }, body: new Uint8Array(pdf) });
    const body = await res.json() as { id?: string };
    if (res.status !== 202 || !body.id) throw new Error(`job submit: HTTP ${res.status}`);
    return body.id;
  }));
  let done = 0;
  let lastProgressAt: number | undefined;
  let longestStallMs = 0;
  let oldestBatchWaitMs = 0;
  for (;;) {
    const views = await Promise.all(ids.map(async (id) => (await (await fetch(`${base}/v1/jobs/${id}`)).json()) as { state: string; pagesDone: number }));
    const now = performance.now();
    const pagesDone = views.reduce((n, v) => n + v.pagesDone, 0);
    if (pagesDone > done) {
      if (lastProgressAt !== undefined) longestStallMs = Math.max(longestStallMs, now - lastProgressAt);
      lastProgressAt = now;
      done = pagesDone;
    }
    oldestBatchWaitMs = Math.max(oldestBatchWaitMs, pool.snapshot().classes?.batch.oldestWaitMs ?? 0);
    if (views.some((v) => v.state === 'failed' || v.state === 'canceled')) throw new Error('a batch job failed');
    if (views.every((v) => v.state === 'completed')) break;
    await sleep(POLL_MS);
  }
  const wallMs = performance.now() - started;
  return { pagesPerSec: round((batchPages * 1000) / wallMs, 4), wallMs: round(wallMs, 0), longestStallMs: round(longestStallMs, 0), oldestBatchWaitMs: round(oldestBatchWaitMs, 0) };
}

/** Nearest rank: the p99 of a handful of latencies is their largest. */
const p99 = (values: readonly number[]): number => nearestRank([...values].sort((a, b) => a - b), 99)!;

// Warm-up: the device's first runs, and the idle page time that sets the interactive rate.
for (let i = 0; i < 2; i++) await interactive();
const idleMs: number[] = [];
for (let i = 0; i < 3; i++) idleMs.push(await interactive());
const idlePageMs = median(idleMs);
const intervalMs = intervalPages * idlePageMs;

async function interactiveAlone(): Promise<{ latenciesMs: number[] }> {
  const latenciesMs: number[] = [];
  for (let i = 0; i < interactiveCount; i++) latenciesMs.push(await interactive());
  return { latenciesMs };
}

async function mixed(priority?: 'batch'): Promise<{ latenciesMs: number[]; batch: BatchRun }> {
  const latenciesMs: number[] = [];
  const trickle = (async () => {
    const started = performance.now();
    for (let i = 1; i <= interactiveCount; i++) {
      await sleep(Math.max(0, started + i * intervalMs - performance.now()));
      latenciesMs.push(await interactive(priority));
    }
  })();
  const batchRun = await batch();
  await trickle;
  return { latenciesMs, batch: batchRun };
}

type Phase = 'interactiveAlone' | 'batchAlone' | 'mixed' | 'mixedFifo';
const phases: Phase[] = ['interactiveAlone', 'batchAlone', 'mixed', ...(withFifo ? ['mixedFifo' as const] : [])];
interface Round {
  interactiveAloneMs: number[];
  batchAlone: BatchRun;
  mixedInteractiveMs: number[];
  mixedBatch: BatchRun;
  fifoInteractiveMs?: number[];
  fifoBatch?: BatchRun;
}

process.stderr.write(`bench:mixed — ${model.kind} model ${model.path}\n`);
process.stderr.write(`${rounds} round(s); batch: ${jobCount} PDF jobs × ${jobPages} pages; interactive: ${interactiveCount} requests, one every ${Math.round(intervalMs)} ms (${intervalPages} × the idle page time ${Math.round(idlePageMs)} ms)${interactiveLane ? '; interactive lane on' : ''}\n`);
const benchStarted = performance.now();
const results: Round[] = [];
for (let r = 0; r < rounds; r++) {
  const round_: Partial<Round> = {};
  for (const phase of roundOrder(phases, r)) {
    if (phase === 'interactiveAlone') round_.interactiveAloneMs = (await interactiveAlone()).latenciesMs;
    else if (phase === 'batchAlone') round_.batchAlone = await batch();
    else if (phase === 'mixed') {
      const m = await mixed();
      round_.mixedInteractiveMs = m.latenciesMs;
      round_.mixedBatch = m.batch;
    } else {
      const m = await mixed('batch');
      round_.fifoInteractiveMs = m.latenciesMs;
      round_.fifoBatch = m.batch;
    }
  }
  const done = round_ as Round;
  results.push(done);
  process.stderr.write(`  round ${r + 1}: interactive p99 ${Math.round(p99(done.interactiveAloneMs))} ms alone, ${Math.round(p99(done.mixedInteractiveMs))} ms mixed`
    + `${done.fifoInteractiveMs ? `, ${Math.round(p99(done.fifoInteractiveMs))} ms mixed FIFO` : ''}; batch ${done.batchAlone.pagesPerSec.toFixed(2)} pages/s alone, ${done.mixedBatch.pagesPerSec.toFixed(2)} mixed\n`);
}

const p99Ratio = summarizeRatios(results.map((r) => p99(r.mixedInteractiveMs) / p99(r.interactiveAloneMs)), P99_TARGET, 'atMost');
const batchRatio = summarizeRatios(results.map((r) => r.mixedBatch.pagesPerSec / r.batchAlone.pagesPerSec), BATCH_TARGET, 'atLeast');
// Work conservation apart from the trickle's own share: every page the device ran (batch and
// interactive) per second, mixed ÷ batch alone; 1 = no device time lost to the priorities.
const devicePagesRatio = ratioStats(results.map((r) => ((batchPages + r.mixedInteractiveMs.length) * 1000 / r.mixedBatch.wallMs) / r.batchAlone.pagesPerSec));
/** The batch ratio a perfectly work-conserving scheduler would give: the trickle's pages take their share. */
const idealBatchRatio = round(batchPages / (batchPages + interactiveCount), 4);
const fifoP99Ratio = withFifo ? summarizeRatios(results.map((r) => p99(r.fifoInteractiveMs!) / p99(r.interactiveAloneMs)), P99_TARGET, 'atMost') : undefined;
const starvationBoundMs = config.priorityAgingMs + 2 * idlePageMs;
const longestStallMs = Math.max(...results.map((r) => r.mixedBatch.longestStallMs));
const oldestBatchWaitMs = Math.max(...results.map((r) => r.mixedBatch.oldestBatchWaitMs));
const oldestBatchWaitAloneMs = Math.max(...results.map((r) => r.batchAlone.oldestBatchWaitMs));
// Starvation would show as batch pages left waiting while interactive ones run: bounded means no
// stall past the bound, and no batch page waiting longer beside the trickle than alone plus it.
const starvation = {
  boundMs: round(starvationBoundMs, 0),
  longestStallMs,
  oldestBatchWaitMs,
  oldestBatchWaitAloneMs,
  met: longestStallMs <= starvationBoundMs && oldestBatchWaitMs <= oldestBatchWaitAloneMs + starvationBoundMs,
};
const all = (pick: (r: Round) => number[]): number[] => results.flatMap(pick);

process.stdout.write(`\n${model.kind} model ${model.path}; ${rounds} round(s), ratios per round, median [interval]\n`);
process.stdout.write(`interactive p99 mixed ÷ alone = ${formatRatio(p99Ratio)}\n`);
if (fifoP99Ratio) process.stdout.write(`interactive p99 mixed FIFO ÷ alone = ${formatRatio(fifoP99Ratio)} (reference: before priorities)\n`);
process.stdout.write(`batch pages/s mixed ÷ alone = ${formatRatio(batchRatio)} (the trickle's share alone would give ${idealBatchRatio})\n`);
process.stdout.write(`all pages/s mixed ÷ batch alone = ${formatStats(devicePagesRatio)} (work conservation)\n`);
process.stdout.write(`starvation: longest batch stall ${longestStallMs} ms, oldest batch wait ${oldestBatchWaitMs} ms (alone ${oldestBatchWaitAloneMs} ms), bound ${starvation.boundMs} ms: ${starvation.met ? 'met' : 'NOT met'}\n`);

const file = writeResults('mixed', {
  model: model.path,
  modelKind: model.kind,
  rounds,
  threads,
  devices: config.devices,
  interactiveLane,
  priorityAgingMs: config.priorityAgingMs,
  batch: { jobs: jobCount, pagesPerJob: jobPages },
  interactive: { perPhase: interactiveCount, intervalMs: round(intervalMs, 0), idlePageMs: round(idlePageMs, 0) },
  interactiveP99MixedVsAlone: p99Ratio,
  ...(fifoP99Ratio ? { interactiveP99FifoVsAlone: fifoP99Ratio } : {}),
  batchPagesPerSecMixedVsAlone: batchRatio,
  idealBatchRatio,
  devicePagesPerSecMixedVsBatchAlone: devicePagesRatio,
  starvation,
  medians: {
    interactiveAloneMs: round(median(all((r) => r.interactiveAloneMs)), 0),
    interactiveMixedMs: round(median(all((r) => r.mixedInteractiveMs)), 0),
    ...(withFifo ? { interactiveFifoMs: round(median(all((r) => r.fifoInteractiveMs!)), 0) } : {}),
    batchAlonePagesPerSec: round(median(results.map((r) => r.batchAlone.pagesPerSec)), 3),
    batchMixedPagesPerSec: round(median(results.map((r) => r.mixedBatch.pagesPerSec)), 3),
  },
  totalSeconds: round((performance.now() - benchStarted) / 1000, 1),
  rounds_: results.map((r) => ({ ...r, interactiveAloneMs: r.interactiveAloneMs.map((v) => round(v, 0)), mixedInteractiveMs: r.mixedInteractiveMs.map((v) => round(v, 0)), ...(r.fifoInteractiveMs ? { fifoInteractiveMs: r.fifoInteractiveMs.map((v) => round(v, 0)) } : {}) })),
});
process.stdout.write(`results: ${file}\n`);
await app.close();
