/**
 * `npm run bench:jobs`: what durability costs (issue 27). In one run, one server in this process
 * (createServiceState + buildServer, one CPU device, cache off), the same devices for both sides:
 *   1. pages/s through durable embedded jobs (POST /v1/jobs, SQLite in a data directory, each
 *      page stored as it arrives) ÷ pages/s through /v1/layout with the same PDFs, two documents
 *      at a time on both sides (the embedded jobs run two at once), paired per round, alternating
 *      which side goes first, after one unpaired warm-up round of both sides (target ≥ 0.95);
 *   2. the store's own cost per page, ms: a job's whole life in the SQLite store (accept with its
 *      fsync'd upload, start, open, each page stored, finish) over 200 four-page jobs, no model;
 *   3. RSS and database size over --jobs (default 2,000) one-page jobs with a 1 s TTL, sampled
 *      every 250 jobs: flat when expiry keeps up.
 * The model is the tiny test fixture (a few ms a page), so the store's share is as large as it
 * gets: with a real model's hundreds of ms a page it is smaller still.
 * --rounds (default 7), --docs per side and round (default 24 four-page PDFs).
 * --quick: 2 rounds, 6 documents, 100 jobs (results to the temp folder). Writes bench/results/jobs-<time>.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import sharp from 'sharp';
import { resolveConfig } from '../../src/config.js';
import { SqliteJobStore } from '../../src/jobs/index.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { writeFixtureModel } from '../../test/fixtures/fixture-model.js';
import { intOption } from '../common/options.js';
import { writeResults } from '../common/results.js';
import { formatRatio, median, round, roundOrder, summarizeRatios } from '../common/stats.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 7, 2);
const churnJobs = intOption('jobs', 'BENCH_JOBS', 2_000, 100);
/**
 * Documents per side and round. With the fixture model a page takes a few ms, so six 4-page
 * documents made a side of about one second, and a GC pause or a scheduler hiccup swung single
 * rounds by ±30 %; 24 make it about four.
 */
const DOCS = intOption('docs', 'BENCH_DOCS', 24, 6);
const PAGES = 4;
const TARGET_RATIO = 0.95;
const MIB = 1024 * 1024;

async function pdf(tag: string): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= PAGES; i++) doc.addPage([595, 842]).drawText(`${tag} page ${i}`, { x: 72, y: 760, size: 24, font });
  return Buffer.from(await doc.save());
}

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-jobs-'));
const config = resolveConfig({
  devices: 'cpu:1', cpuThreads: 1, gpuTelemetryMs: 0, logLevel: 'silent', cache: 'off', eventLoopLagMs: 0,
  maxQueue: 4096, requestTimeoutMs: 3_600_000, dataDir, jobTtlS: 1,
}, {});
const modelPath = writeFixtureModel({ variant: 'v3' });
const state = await createServiceState({ config, modelPath });
await state.engine.ready();
const app = await buildServer({ state });

async function viaLayout(docs: readonly Buffer[]): Promise<number> {
  const started = performance.now();
  const queue = [...docs];
  await Promise.all([0, 1].map(async () => {
    for (let doc = queue.shift(); doc; doc = queue.shift()) {
      const res = await app.inject({ method: 'POST', url: '/v1/layout', payload: { image: doc.toString('base64'), name: 'doc.pdf' } });
      if (res.statusCode !== 200) throw new Error(`/v1/layout answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    }
  }));
  return (docs.length * PAGES) / ((performance.now() - started) / 1000);
}

async function viaJobs(docs: readonly Buffer[]): Promise<number> {
  const started = performance.now();
  const ids: string[] = [];
  for (const doc of docs) {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: doc.toString('base64'), name: 'doc.pdf' } });
    if (res.statusCode !== 202) throw new Error(`/v1/jobs answered ${res.statusCode}: ${res.body.slice(0, 200)}`);
    ids.push((JSON.parse(res.body) as { id: string }).id);
  }
  for (const id of ids) {
    for (;;) {
      const look = await state.jobs.follow(id, Number.MAX_SAFE_INTEGER);
      if (look?.view.state === 'completed') break;
      if (!look || look.view.state === 'failed' || look.view.state === 'canceled') throw new Error(`job ${id}: ${look?.view.state ?? 'gone'}`);
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  return (docs.length * PAGES) / ((performance.now() - started) / 1000);
}

// 1. Paired rounds: durable jobs ÷ /v1/layout.
const sides = { layout: viaLayout, jobs: viaJobs };
const perRound: Array<{ layout: number; jobs: number }> = [];
// One unpaired round first, both sides, not recorded: the first round's /v1/layout side ran cold
// (13.5 pages/s against 25–31 after) with a one-document warm-up only.
for (const name of ['layout', 'jobs'] as const) {
  const docs = await Promise.all(Array.from({ length: DOCS }, (_, i) => pdf(`warm-up-${name}-${i}`)));
  const pagesPerSec = await sides[name](docs);
  process.stderr.write(`warm-up: ${name} ${pagesPerSec.toFixed(1)} pages/s (not counted)\n`);
}
for (let r = 0; r < rounds; r++) {
  const measured: Record<string, number> = {};
  for (const name of roundOrder(['layout', 'jobs'] as const, r)) {
    const docs = await Promise.all(Array.from({ length: DOCS }, (_, i) => pdf(`${name}-${r}-${i}`)));
    measured[name] = await sides[name](docs);
  }
  perRound.push({ layout: round(measured.layout!), jobs: round(measured.jobs!) });
  process.stderr.write(`round ${r + 1}/${rounds}: layout ${measured.layout!.toFixed(1)} pages/s, jobs ${measured.jobs!.toFixed(1)} pages/s\n`);
}
const ratio = summarizeRatios(perRound.map((r) => r.jobs / r.layout), TARGET_RATIO);

// 2. The store alone: a four-page job's whole life, per page.
const storeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-store-'));
const store = await SqliteJobStore.open(storeDir);
const upload = await pdf('store');
const result = { model: 'bench', input: { name: 'doc.pdf', page: 1, width: 1240, height: 1754 }, regions: Array.from({ length: 20 }, (_, i) => ({ label: 'text', labelId: 22, score: 0.9, bbox: [i, i, i + 100, i + 50], order: i })) } as never;
const storeJobs = 200;
const storeStarted = performance.now();
for (let j = 0; j < storeJobs; j++) {
  const id = `job-bench-${j}`;
  await store.accept({ id, name: 'doc.pdf', sha256: 'x', options: { params: {}, pdfDpi: 144, maxPdfPages: 0 }, createdAt: Date.now() }, upload);
  await store.start(id);
  await store.opened(id, PAGES, true);
  for (let p = 1; p <= PAGES; p++) await store.storePage(id, { page: p, ok: true, result });
  await store.finish(id, 'completed');
}
const storeMsPerPage = (performance.now() - storeStarted) / (storeJobs * PAGES);
await store.close();
fs.rmSync(storeDir, { recursive: true, force: true });

// 3. Churn: one-page jobs with a 1 s TTL; RSS and database size every 250 jobs.
const image = await sharp({ create: { width: 320, height: 240, channels: 3, background: '#ffffff' } }).png().toBuffer();
const dbBytes = (): number => ['jobs.db', 'jobs.db-wal'].reduce((n, f) => n + (fs.statSync(path.join(dataDir, f), { throwIfNoEntry: false })?.size ?? 0), 0);
const samples: Array<{ jobs: number; rssMb: number; dbMb: number; jobsKept: number }> = [];
const churnStarted = performance.now();
for (let done = 0; done < churnJobs;) {
  const wave = Math.min(50, churnJobs - done);
  const ids: string[] = [];
  for (let i = 0; i < wave; i++) {
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: image.toString('base64'), name: `churn-${done + i}.png` } });
    if (res.statusCode !== 202) throw new Error(`/v1/jobs answered ${res.statusCode}`);
    ids.push((JSON.parse(res.body) as { id: string }).id);
  }
  for (const id of ids) {
    for (;;) {
      const jobState = (await state.jobs.follow(id, Number.MAX_SAFE_INTEGER))?.view.state;
      if (jobState !== 'queued' && jobState !== 'running') break;
      await new Promise((r) => setTimeout(r, 5));
    }
  }
  done += wave;
  if (done % 250 === 0 || done === churnJobs) {
    const metrics = await state.jobs.metrics();
    samples.push({ jobs: done, rssMb: round(process.memoryUsage.rss() / MIB, 1), dbMb: round(dbBytes() / MIB, 2), jobsKept: metrics.completed + metrics.failed + metrics.waiting + metrics.active });
    process.stderr.write(`churn ${done}/${churnJobs}: rss ${samples.at(-1)!.rssMb} MiB, database ${samples.at(-1)!.dbMb} MiB, jobs kept ${samples.at(-1)!.jobsKept}\n`);
  }
}
const churnS = (performance.now() - churnStarted) / 1000;

await app.close();
fs.rmSync(dataDir, { recursive: true, force: true });

const file = writeResults('jobs', {
  model: 'test fixture (tiny)',
  devices: config.devices,
  rounds,
  warmUpRounds: 1,
  workload: { documents: DOCS, pagesPerDocument: PAGES, atOnce: 2 },
  pagesPerSec: perRound,
  medianPagesPerSec: { layout: round(median(perRound.map((r) => r.layout))), jobs: round(median(perRound.map((r) => r.jobs))) },
  jobsOverLayout: ratio,
  storeMsPerPage: round(storeMsPerPage, 3),
  storeWorkload: { jobs: storeJobs, pagesPerJob: PAGES, synchronous: 'FULL for the job and for its terminal state, NORMAL for the pages', journal: 'WAL' },
  churn: { jobs: churnJobs, ttlSeconds: config.jobTtlS, seconds: round(churnS, 1), samples },
});
process.stderr.write(`durable jobs ÷ /v1/layout: ${formatRatio(ratio)}; store ${storeMsPerPage.toFixed(3)} ms/page; results in ${file}\n`);
process.exit(0);
