/**
 * `npm run bench:server`: what HTTP costs. In one run, on the same model, pages and devices:
 *   1. raw pool throughput — `pool.analyze` called directly by C closed-loop callers;
 *   2. served throughput — `doclayout serve` in its own process, driven over HTTP by the load
 *      tool behind `doclayout bench` (`runLoad`) with C connections;
 * for C in --concurrency (default 1,2,4,8), --rounds (default 5) rounds of --duration seconds
 * (default 12) each side. In each round both sides run back to back, pool first on even rounds
 * and served first on odd ones, and served ÷ pool is taken within the round (paired). Target:
 * served ≥ 0.95 × pool at every concurrency — met when the lower bound of the confidence interval
 * for the median ratio clears 0.95 (bench/common/stats.ts) and neither side had a single error.
 * The peak ratio is the ratio at one concurrency: the one where the pool is fastest.
 * --quick: a smoke run (2 rounds of 2 s at C = 1, 4; results to the temp folder).
 * --tracing: tracing on ÷ off (and off ÷ a build of before) instead, see server-tracing.ts.
 * Writes bench/results/server-<time>.json. Uses the first real model in ../shared/models/ when
 * there is one, else the stand-in.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../../src/config.js';
import { runLoad, summarizeLatencies, type LatencySummary, type LoadFile } from '../../src/loadtest/index.js';
import { createPool } from '../../src/pool/index.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { intListOption, intOption, stringOption } from '../common/options.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatRatio, round, roundOrder, summarizeRatios } from '../common/stats.js';
import { startServe, waitReady } from './serve-process.js';

// `--tracing`: what tracing costs the served side instead (server-tracing.ts).
if (process.argv.includes('--tracing')) {
  await import('./server-tracing.js');
  process.exit(0);
}

const durationS = intOption('duration', 'BENCH_DURATION_S', 12, 2);
/** Rounds at each concurrency; in each, pool and served run back to back. */
const rounds = intOption('rounds', 'BENCH_ROUNDS', 5, 2);
const concurrencies = intListOption('concurrency', 'BENCH_CONCURRENCY', '1,2,4,8', '1,4');
const devices = stringOption('devices', 'BENCH_DEVICES', 'auto');
const TARGET_RATIO = 0.95;
/** How long `serve` may take to load the model on every device, ms. */

interface Measurement {
  readonly pagesPerSec: number;
  readonly pages: number;
  readonly errors: number;
  readonly latencyMs: LatencySummary;
}

/** One turn's raw figures; a side's turns are pooled into a Measurement. */
interface Turn {
  readonly pages: number;
  readonly errors: number;
  readonly elapsedS: number;
  readonly latencies: readonly number[];
}

const turnRate = (t: Turn): number => (t.elapsedS > 0 ? t.pages / t.elapsedS : 0);

/** served ÷ pool within each round. */
function pairedRatios(poolTurns: readonly Turn[], servedTurns: readonly Turn[]): number[] {
  return poolTurns.map((p, r) => (turnRate(p) > 0 ? turnRate(servedTurns[r]!) / turnRate(p) : 0));
}

function pooled(turns: readonly Turn[]): Measurement {
  const pages = turns.reduce((n, t) => n + t.pages, 0);
  const elapsedS = turns.reduce((n, t) => n + t.elapsedS, 0);
  return {
    pagesPerSec: round(pages / elapsedS),
    pages,
    errors: turns.reduce((n, t) => n + t.errors, 0),
    latencyMs: summarizeLatencies(turns.flatMap((t) => t.latencies)),
  };
}

/** C closed-loop callers of `pool.analyze` for `durationS`. */
async function measurePool(pool: LayoutPool, c: number, pages: readonly LoadFile[]): Promise<Turn> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const start = performance.now();
  const deadline = start + durationS * 1000;
  await Promise.all(Array.from({ length: c }, async () => {
    while (performance.now() < deadline) {
      const page = pages[next++ % pages.length]!;
      const t0 = performance.now();
      try {
        await pool.analyze({ source: { kind: 'image', bytes: page.bytes }, name: page.name });
        latencies.push(performance.now() - t0);
      } catch {
        errors++;
      }
    }
  }));
  return { pages: latencies.length, errors, elapsedS: (performance.now() - start) / 1000, latencies };
}

/** C connections driving the server through the load tool behind `doclayout bench`. */
async function measureServed(url: string, c: number, pages: readonly LoadFile[]): Promise<Turn> {
  const latencies: number[] = [];
  const report = await runLoad({ url, files: pages, concurrency: c, durationS, onLatency: (ms) => latencies.push(ms) });
  return { pages: report.pages, errors: report.httpErrors + report.transportErrors, elapsedS: report.elapsedS, latencies };
}

const model = benchModels()[0]!;
const pages: LoadFile[] = samplePages();
const config = resolveConfig({ devices, logLevel: 'warn' });
process.stderr.write(`bench:server — ${model.kind} model ${model.path}, ${pages.length} pages, devices ${devices}, ${durationS} s per point\n`);
// Both stay up for the whole run and take turns, one idle while the other is measured, so a
// change in background load on the machine hits both sides alike.
const pool = await createPool({ config, modelPath: model.path });
const server = await startServe(model.path, ['--devices', devices, '--log-level', 'warn', '--gpu-telemetry-ms', '0']);
const turnsByConcurrency = new Map<number, { pool: Turn[]; served: Turn[] }>();
try {
  await pool.ready();
  await waitReady(server.url);
  const warm = Math.max(4, pool.snapshot().devices.length * 2, Math.max(...concurrencies));
  // Warm-up: first runs allocate and autotune, on both sides.
  await Promise.all(Array.from({ length: warm }, (_, i) => pool.analyze({ source: { kind: 'image', bytes: pages[i % pages.length]!.bytes }, name: 'warm-up' })));
  await runLoad({ url: server.url, files: pages, concurrency: Math.max(...concurrencies), requests: warm });
  for (const c of concurrencies) {
    const poolTurns: Turn[] = [];
    const servedTurns: Turn[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const side of roundOrder(['pool', 'served'] as const, r)) {
        if (side === 'pool') poolTurns.push(await measurePool(pool, c, pages));
        else servedTurns.push(await measureServed(server.url, c, pages));
      }
    }
    turnsByConcurrency.set(c, { pool: poolTurns, served: servedTurns });
    const ratios = summarizeRatios(pairedRatios(poolTurns, servedTurns), TARGET_RATIO);
    process.stderr.write(`  c=${c}: served ÷ pool per round ${ratios.ratios.join(', ')}\n`);
  }
} finally {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  await pool.close();
}

const rows = concurrencies.map((c) => {
  const turns = turnsByConcurrency.get(c)!;
  const p = pooled(turns.pool);
  const s = pooled(turns.served);
  const ratio = summarizeRatios(pairedRatios(turns.pool, turns.served), TARGET_RATIO);
  const errors = p.errors + s.errors;
  return {
    concurrency: c,
    pool: { ...p, perRoundPagesPerSec: turns.pool.map((t) => round(turnRate(t), 3)) },
    served: { ...s, perRoundPagesPerSec: turns.served.map((t) => round(turnRate(t), 3)) },
    ...ratio,
    // An error on either side means the two did not do the same work: no verdict.
    targetMet: ratio.targetMet && errors === 0,
  };
});
// The peak is one concurrency (where the pool is fastest), so both sides of its ratio come from
// the same rounds; two maxima taken at different concurrencies would not be a pair.
const peak = rows.reduce((best, r) => (r.pool.pagesPerSec > best.pool.pagesPerSec ? r : best));
const targetMet = rows.every((r) => r.targetMet);

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(0));
process.stdout.write(`\n${model.kind} model ${path.basename(model.path)} — pages/s over all rounds, latency p50/p95 ms, served ÷ pool per round: median [interval]\n`);
process.stdout.write('  C | pool pages/s | served pages/s | errors | pool p50/p95 | served p50/p95 | served ÷ pool\n');
for (const r of rows) {
  process.stdout.write(
    `${String(r.concurrency).padStart(3)} | ${r.pool.pagesPerSec.toFixed(2).padStart(12)} | ${r.served.pagesPerSec.toFixed(2).padStart(14)} | ${String(r.pool.errors + r.served.errors).padStart(6)} | ${`${ms(r.pool.latencyMs.p50)}/${ms(r.pool.latencyMs.p95)}`.padStart(12)} | ${`${ms(r.served.latencyMs.p50)}/${ms(r.served.latencyMs.p95)}`.padStart(14)} | ${formatRatio(r)}${r.targetMet ? '' : ' !'}\n`,
  );
}
process.stdout.write(`peak (C = ${peak.concurrency}): pool ${peak.pool.pagesPerSec} pages/s, served ${peak.served.pagesPerSec} pages/s, served ÷ pool ${formatRatio(peak)}\n`);
process.stdout.write(`target at every concurrency: ${targetMet ? 'met' : 'NOT met'}\n`);
const file = writeResults('server', {
  model: { path: model.path, kind: model.kind },
  devices,
  durationS,
  rounds,
  pages: pages.map((p) => p.name),
  targetRatio: TARGET_RATIO,
  targetMet,
  rows,
  peak: {
    concurrency: peak.concurrency,
    poolPagesPerSec: peak.pool.pagesPerSec,
    servedPagesPerSec: peak.served.pagesPerSec,
    ratios: peak.ratios,
    ratioMedian: peak.ratioMedian,
    ratioLow: peak.ratioLow,
    ratioHigh: peak.ratioHigh,
    coverage: peak.coverage,
    targetMet: peak.targetMet,
  },
});
process.stdout.write(`wrote ${file}\n`);
