/**
 * `npm run bench:json-body`: how long a large base64 JSON body holds the event loop. A 45 MB
 * body (the hostile-corpus case that stalled the loop 1.3 s) is posted over loopback to a fastify
 * app, once with the JSON parsed and the file decoded on the loop (fastify's parser + the decode,
 * the path before issue 21) and once through the service's parser (src/server/json-body-parser.ts:
 * a body thread). Reported: the longest event-loop delay while each request is in flight (a 5 ms
 * ticker's worst lateness, and perf_hooks' monitorEventLoopDelay max). Target: < 100 ms off the loop.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import fastify, { type FastifyInstance } from 'fastify';
import { request } from 'undici';
import { decodeBase64Field } from '../../src/server/base64-field.js';
import { registerJsonBodyParser } from '../../src/server/json-body-parser.js';
import { intOption } from '../common/options.js';
import { writeResults } from '../common/results.js';
import { median, round } from '../common/stats.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 5, 2);
const BODY_MB = 45;
const MAX_UPLOAD_MB = 50;
const bodyLimitBytes = Math.ceil(MAX_UPLOAD_MB * 1024 * 1024 * (4 / 3)) + 64 * 1024;

async function app(offLoop: boolean): Promise<{ app: FastifyInstance; url: string; close: () => Promise<void> }> {
  const server = fastify({ bodyLimit: bodyLimitBytes });
  const parser = offLoop ? registerJsonBodyParser(server, { bodyLimitBytes, maxUploadMb: MAX_UPLOAD_MB }) : undefined;
  server.post('/decode', async (req) => {
    const body = req.body as Record<string, unknown>;
    return { bytes: decodeBase64Field('image', body.image, MAX_UPLOAD_MB, body).byteLength };
  });
  const url = await server.listen({ host: '127.0.0.1', port: 0 });
  return { app: server, url, close: async () => { await server.close(); await parser?.close(); } };
}

/** Worst event-loop delay while one request is in flight, ms. */
async function measure(url: string, payload: Buffer): Promise<{ tickerMaxMs: number; histogramMaxMs: number; ms: number }> {
  const histogram = monitorEventLoopDelay({ resolution: 5 });
  let last = performance.now();
  let worst = 0;
  const ticker = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 5);
    last = now;
  }, 5);
  histogram.enable();
  const started = performance.now();
  const res = await request(`${url}/decode`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: payload });
  const answer = await res.body.json() as { bytes: number };
  const ms = performance.now() - started;
  clearInterval(ticker);
  histogram.disable();
  if (res.statusCode !== 200 || !answer.bytes) throw new Error(`status ${res.statusCode}`);
  return { tickerMaxMs: round(worst, 1), histogramMaxMs: round(histogram.max / 1e6, 1), ms: round(ms, 0) };
}

const bytes = Buffer.alloc(BODY_MB * 1024 * 1024 * 0.75);
for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff;
const payload = Buffer.from(JSON.stringify({ image: bytes.toString('base64'), name: 'big.png' }));
const figures: Record<string, Array<Awaited<ReturnType<typeof measure>>>> = { onLoop: [], offLoop: [] };
for (const mode of ['onLoop', 'offLoop'] as const) {
  const server = await app(mode === 'offLoop');
  try {
    await measure(server.url, payload); // warm-up: a body thread's start, JIT
    for (let r = 0; r < rounds; r++) figures[mode]!.push(await measure(server.url, payload));
  } finally {
    await server.close();
  }
}
const summary = Object.fromEntries(Object.entries(figures).map(([mode, runs]) => [mode, {
  maxLoopDelayMs: { median: median(runs.map((r) => r.tickerMaxMs)), worst: Math.max(...runs.map((r) => r.tickerMaxMs)) },
  histogramMaxMs: { median: median(runs.map((r) => r.histogramMaxMs)) },
  requestMs: { median: median(runs.map((r) => r.ms)) },
}]));
const file = writeResults('json-body', { bodyMb: round(payload.length / 2 ** 20, 1), rounds, summary, runs: figures, targetMaxLoopDelayMs: 100 });
process.stdout.write(`${JSON.stringify(summary, null, 2)}\n${file}\n`);
