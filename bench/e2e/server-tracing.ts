/**
 * `npm run bench:server -- --tracing`: what tracing costs the served side. In one run, on the same
 * model, pages and devices, `doclayout serve` runs as
 *   - off: no OTEL_* variable (no SDK loaded);
 *   - on: OTEL_TRACES_SAMPLER=always_on, every span exported (OTLP/HTTP JSON) to a receiver in
 *     this process on 127.0.0.1;
 *   - before (with --before-cli PATH, the dist/src/cli/index.js of a build without tracing): the
 *     code before the change,
 * each driven by the load tool behind `doclayout bench` at C connections for --duration seconds,
 * the servers taking turns within each of --rounds rounds (order reversed every other round) and
 * the ratios taken within the round (paired); after each turn the server is let finish the pages
 * still in flight, so that none runs on into the next server's turn. Targets: on ÷ off ≥ 0.97, off ÷ before ≥ 0.99.
 * Writes bench/results/server-tracing-<time>.json.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolveConfig } from '../../src/config.js';
import { runLoad, summarizeLatencies, type LoadFile } from '../../src/loadtest/index.js';
import { intListOption, intOption, stringOption } from '../common/options.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatRatio, round, roundOrder, summarizeRatios } from '../common/stats.js';
import { startServe, waitReady } from './serve-process.js';

const durationS = intOption('duration', 'BENCH_DURATION_S', 8, 2);
const rounds = intOption('rounds', 'BENCH_ROUNDS', 5, 2);
const [concurrency] = intListOption('concurrency', 'BENCH_CONCURRENCY', '2', '2');
const devices = stringOption('devices', 'BENCH_DEVICES', 'auto');
const beforeCli = stringOption('before-cli', 'BENCH_BEFORE_CLI', '');
const ON_TARGET = 0.97;
const OFF_TARGET = 0.99;

type Side = 'before' | 'off' | 'on';
interface Turn { readonly pages: number; readonly errors: number; readonly elapsedS: number; readonly latencies: number[] }
const rate = (t: Turn): number => (t.elapsedS > 0 ? t.pages / t.elapsedS : 0);

/** A stand-in collector: takes OTLP/HTTP exports on 127.0.0.1 and counts them. */
async function startReceiver(): Promise<{ endpoint: string; exports: () => number; bytes: () => number; close: () => void }> {
  let exports = 0;
  let bytes = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      exports += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports: () => exports, bytes: () => bytes, close: () => server.close() };
}

/**
 * Waits until a server has no page queued or on its device: a turn ends with requests still in
 * flight, and their pages would otherwise run on into the next server's turn (on 2 cores, seconds).
 */
async function settle(url: string): Promise<void> {
  for (;;) {
    const status = (await (await fetch(`${url}/v1/status`)).json()) as { queueDepth: number; devices: Array<{ inflight: number }> };
    if (status.queueDepth === 0 && status.devices.every((d) => d.inflight === 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function measure(url: string, pages: readonly LoadFile[]): Promise<Turn> {
  const latencies: number[] = [];
  const report = await runLoad({ url, files: pages, concurrency: concurrency!, durationS, onLatency: (ms) => latencies.push(ms) });
  return { pages: report.pages, errors: report.httpErrors + report.transportErrors, elapsedS: report.elapsedS, latencies };
}

const model = benchModels()[0]!;
const pages: LoadFile[] = samplePages();
resolveConfig({ devices }, {});
const plain = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_')));
const receiver = await startReceiver();
const traced = { ...plain, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_TRACES_SAMPLER: 'always_on' };
const flags = ['--devices', devices, '--log-level', 'warn', '--gpu-telemetry-ms', '0'];
const sides: Side[] = beforeCli ? ['before', 'off', 'on'] : ['off', 'on'];
process.stderr.write(`bench:server --tracing — ${model.kind} model ${model.path}, ${pages.length} pages, devices ${devices}, C = ${concurrency}, ${rounds} rounds × ${durationS} s per side (${sides.join(', ')})\n`);
// All servers stay up for the whole run and take turns, one busy at a time.
const servers = new Map<Side, Awaited<ReturnType<typeof startServe>>>();
const turns = new Map<Side, Turn[]>(sides.map((s) => [s, []]));
try {
  for (const side of sides) {
    const server = side === 'before' ? await startServe(model.path, flags, plain, beforeCli) : await startServe(model.path, flags, side === 'on' ? traced : plain);
    servers.set(side, server);
    await waitReady(server.url);
    await runLoad({ url: server.url, files: pages, concurrency: concurrency!, requests: Math.max(8, concurrency! * 2) });
    await settle(server.url);
  }
  for (let r = 0; r < rounds; r++) {
    for (const side of roundOrder(sides, r)) {
      turns.get(side)!.push(await measure(servers.get(side)!.url, pages));
      await settle(servers.get(side)!.url);
    }
    process.stderr.write(`  round ${r + 1}: ${sides.map((s) => `${s} ${rate(turns.get(s)![r]!).toFixed(2)}`).join(', ')} pages/s\n`);
  }
} finally {
  for (const server of servers.values()) {
    server.child.kill('SIGTERM');
    await new Promise((r) => server.child.once('exit', r));
  }
  receiver.close();
}

const paired = (a: Side, b: Side): number[] => turns.get(a)!.map((t, r) => (rate(turns.get(b)![r]!) > 0 ? rate(t) / rate(turns.get(b)![r]!) : 0));
const summary = (side: Side) => {
  const ts = turns.get(side)!;
  const pagesDone = ts.reduce((n, t) => n + t.pages, 0);
  return {
    pagesPerSec: round(pagesDone / ts.reduce((n, t) => n + t.elapsedS, 0)),
    perRoundPagesPerSec: ts.map((t) => round(rate(t), 3)),
    pages: pagesDone,
    errors: ts.reduce((n, t) => n + t.errors, 0),
    latencyMs: summarizeLatencies(ts.flatMap((t) => t.latencies)),
  };
};
const errors = sides.reduce((n, s) => n + summary(s).errors, 0);
const onOff = summarizeRatios(paired('on', 'off'), ON_TARGET);
const offBefore = beforeCli ? summarizeRatios(paired('off', 'before'), OFF_TARGET) : undefined;
for (const side of sides) process.stdout.write(`${side.padStart(6)}: ${summary(side).pagesPerSec} pages/s (${summary(side).errors} errors)\n`);
process.stdout.write(`on ÷ off per round: ${formatRatio(onOff)} (target ≥ ${ON_TARGET}: ${onOff.targetMet && errors === 0 ? 'met' : 'NOT met'})\n`);
if (offBefore) process.stdout.write(`off ÷ before per round: ${formatRatio(offBefore)} (target ≥ ${OFF_TARGET}: ${offBefore.targetMet && errors === 0 ? 'met' : 'NOT met'})\n`);
process.stdout.write(`spans exported: ${receiver.exports()} OTLP requests, ${receiver.bytes()} bytes\n`);
const file = writeResults('server-tracing', {
  model: { path: model.path, kind: model.kind },
  devices,
  concurrency,
  durationS,
  rounds,
  pages: pages.map((p) => p.name),
  beforeCli: beforeCli || null,
  sides: Object.fromEntries(sides.map((s) => [s, summary(s)])),
  onOff: { ...onOff, target: ON_TARGET, targetMet: onOff.targetMet && errors === 0 },
  ...(offBefore ? { offBefore: { ...offBefore, target: OFF_TARGET, targetMet: offBefore.targetMet && errors === 0 } } : {}),
  otlpExports: receiver.exports(),
  otlpBytes: receiver.bytes(),
});
process.stdout.write(`wrote ${file}\n`);
