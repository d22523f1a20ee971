/**
 * `npm run bench:server`: what HTTP costs. In one run, on the same model, pages and devices:
 *   1. raw pool throughput — `pool.analyze` called directly by C closed-loop callers;
 *   2. served throughput — `doclayout serve` in its own process, driven over HTTP by the load
 *      tool behind `doclayout bench` (`runLoad`) with C connections;
 * for C in BENCH_CONCURRENCY (default 1,2,4,8), BENCH_ROUNDS (default 2) turns of
 * BENCH_DURATION_S seconds (default 12) each side, alternating pool and served at each C.
 * Target: served ≥ 0.95 × pool at every concurrency. Writes bench/results/server-<time>.json.
 * Uses the first real model in ../shared/models/ when there is one, else the stand-in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { resolveConfig } from '../../src/config.js';
import { runLoad, summarizeLatencies, type LatencySummary, type LoadFile } from '../../src/loadtest/index.js';
import { createPool } from '../../src/pool/index.js';
import type { LayoutPool } from '../../src/pool/types.js';
import { benchModels, repoRoot, round, samplePages, writeResults } from '../common/results.js';

const durationS = Number(process.env.BENCH_DURATION_S ?? 12);
/** Pool and served take turns this many times at each concurrency; their figures are pooled. */
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const concurrencies = (process.env.BENCH_CONCURRENCY ?? '1,2,4,8').split(',').map(Number).filter((n) => Number.isInteger(n) && n > 0);
const devices = process.env.BENCH_DEVICES ?? 'auto';
const TARGET_RATIO = 0.95;
/** How long `serve` may take to load the model on every device, ms. */
const SERVER_START_TIMEOUT_MS = 180_000;

interface Measurement {
  readonly pagesPerSec: number;
  readonly pages: number;
  readonly errors: number;
  readonly latencyMs: LatencySummary;
}

/** One turn's raw figures; turns are pooled into a Measurement. */
interface Turn {
  readonly pages: number;
  readonly errors: number;
  readonly elapsedS: number;
  readonly latencies: readonly number[];
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
        await pool.analyze({ bytes: page.bytes, name: page.name });
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

function startServer(modelPath: string): Promise<{ child: ChildProcess; url: string }> {
  const cli = path.join(repoRoot, 'dist/src/cli/index.js');
  const child = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--model', modelPath, '--devices', devices, '--log-level', 'warn', '--gpu-telemetry-ms', '0'], {
    stdio: ['ignore', 'inherit', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${SERVER_START_TIMEOUT_MS} ms:\n${stderr}`)), SERVER_START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stderr}`));
    });
  });
}

async function waitReady(url: string): Promise<void> {
  const until = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < until) {
    const ok = await fetch(`${url}/readyz`).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('server never became ready');
}

const model = benchModels()[0]!;
const pages: LoadFile[] = samplePages();
const config = resolveConfig({ devices, logLevel: 'warn' });
process.stderr.write(`bench:server — ${model.kind} model ${model.path}, ${pages.length} pages, devices ${devices}, ${durationS} s per point\n`);
// Both stay up for the whole run and take turns, one idle while the other is measured, so a
// change in background load on the machine hits both sides alike.
const pool = await createPool({ config, modelPath: model.path });
const server = await startServer(model.path);
const poolRuns = new Map<number, Measurement>();
const servedRuns = new Map<number, Measurement>();
try {
  await pool.ready();
  await waitReady(server.url);
  const warm = Math.max(4, pool.snapshot().devices.length * 2, Math.max(...concurrencies));
  // Warm-up: first runs allocate and autotune, on both sides.
  await Promise.all(Array.from({ length: warm }, (_, i) => pool.analyze({ bytes: pages[i % pages.length]!.bytes, name: 'warm-up' })));
  await runLoad({ url: server.url, files: pages, concurrency: Math.max(...concurrencies), requests: warm });
  for (const c of concurrencies) {
    const poolTurns: Turn[] = [];
    const servedTurns: Turn[] = [];
    for (let r = 0; r < rounds; r++) {
      poolTurns.push(await measurePool(pool, c, pages));
      servedTurns.push(await measureServed(server.url, c, pages));
    }
    poolRuns.set(c, pooled(poolTurns));
    servedRuns.set(c, pooled(servedTurns));
    process.stderr.write(`  c=${c}: pool ${poolRuns.get(c)!.pagesPerSec} pages/s, served ${servedRuns.get(c)!.pagesPerSec} pages/s\n`);
  }
} finally {
  server.child.kill('SIGTERM');
  await new Promise((r) => server.child.once('exit', r));
  await pool.close();
}

const rows = concurrencies.map((c) => {
  const p = poolRuns.get(c)!;
  const s = servedRuns.get(c)!;
  const ratio = p.pagesPerSec > 0 ? round(s.pagesPerSec / p.pagesPerSec, 3) : 0;
  return { concurrency: c, pool: p, served: s, ratio, targetMet: ratio >= TARGET_RATIO };
});
const peakPool = Math.max(...rows.map((r) => r.pool.pagesPerSec));
const peakServed = Math.max(...rows.map((r) => r.served.pagesPerSec));
const peakRatio = peakPool > 0 ? round(peakServed / peakPool, 3) : 0;

const ms = (v: number | null): string => (v === null ? '-' : v.toFixed(0));
process.stdout.write(`\n${model.kind} model ${path.basename(model.path)} — pages/s, latency p50/p95 ms\n`);
process.stdout.write('  C | pool pages/s | served pages/s | served/pool | pool p50/p95 | served p50/p95\n');
for (const r of rows) {
  process.stdout.write(
    `${String(r.concurrency).padStart(3)} | ${r.pool.pagesPerSec.toFixed(2).padStart(12)} | ${r.served.pagesPerSec.toFixed(2).padStart(14)} | ${r.ratio.toFixed(3).padStart(11)}${r.targetMet ? ' ' : '!'}| ${`${ms(r.pool.latencyMs.p50)}/${ms(r.pool.latencyMs.p95)}`.padStart(12)} | ${`${ms(r.served.latencyMs.p50)}/${ms(r.served.latencyMs.p95)}`.padStart(14)}\n`,
  );
}
process.stdout.write(`peak: pool ${peakPool} pages/s, served ${peakServed} pages/s, ratio ${peakRatio} (target ≥ ${TARGET_RATIO}: ${peakRatio >= TARGET_RATIO ? 'met' : 'NOT met'})\n`);
const file = writeResults('server', {
  model: { path: model.path, kind: model.kind },
  devices,
  durationS,
  rounds,
  pages: pages.map((p) => p.name),
  targetRatio: TARGET_RATIO,
  rows,
  peak: { poolPagesPerSec: peakPool, servedPagesPerSec: peakServed, ratio: peakRatio, targetMet: peakRatio >= TARGET_RATIO },
});
process.stdout.write(`wrote ${file}\n`);
