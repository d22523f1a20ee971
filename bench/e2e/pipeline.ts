/**
 * `npm run bench:pipeline`: does a device worker keep its device busy? On the FAST stand-in
 * (`npm run make:standin -- --fast`: inference on one CPU thread costs about what a page's CPU
 * stages cost, as on a GPU), one device with one intra-op thread, over the sample pages, a
 * 300-dpi A4 scan (2480×3508, made from a sample) and a 4-page PDF, measures in one run:
 *   raw      — session.run alone, back to back on prepared pixels (the device's ceiling);
 *   inline   — the pool on bench/common/serial-worker-main.ts: every stage in turn on the
 *              worker's main thread (the design before; once --prep-threads 0);
 *   pipeline — the pool with the prep threads (`--prep-threads`, default auto);
 *   http     — the same pool behind the HTTP server (/v1/layout, one request per file).
 * deviceBusy = Σ session.run time (the workers report it) / wall time. Also the CPU ms per page
 * of each stage and the pages/s one core sustains for them. Rounds interleave the
 * configurations so machine noise hits each alike; figures are medians over rounds.
 * Writes bench/results/pipeline-<timestamp>.json. Targets (2-core machine): deviceBusy ≥ 0.9
 * through the pool, ≥ 0.85 over HTTP.
 *
 * Options: --passes P (times the workload is sent per measurement, default 3),
 *          --rounds R (default 3), --prep-threads N|auto (default auto).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { FormData, request } from 'undici';
import { resolveConfig, type Config } from '../../src/config.js';
import { openSession, preprocess, type PageResult } from '../../src/model/index.js';
import { openPdf } from '../../src/pdf/rasterize.js';
import { createPool, type LayoutPool, type PageInput } from '../../src/pool/index.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { median, repoRoot, round, samplePages, writeResults } from '../common/results.js';
import { serialWorkerEntry } from '../common/serial-worker-main.js';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
}
const passes = Number(option('passes', '3'));
const rounds = Number(option('rounds', '3'));
const prepThreads = option('prep-threads', 'auto');
const fastPath = path.join(repoRoot, 'bench/models/pp-doclayoutv3-standin-fast.onnx');
if (!fs.existsSync(fastPath)) throw new Error(`no fast stand-in at ${fastPath}: run \`npm run make:standin -- --fast\``);

const PDF_PAGES = 4;

interface WorkFile { readonly name: string; readonly bytes: Buffer; readonly pdf: boolean }

async function workload(): Promise<WorkFile[]> {
  const samples = samplePages();
  const base = samples.find((s) => s.name.startsWith('paper')) ?? samples[0]!;
  const scan = await sharp(base.bytes).resize(2480, 3508, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer();
  const doc = await PDFDocument.create();
  for (let i = 0; i < PDF_PAGES; i++) {
    const sample = samples[i % samples.length]!;
    const image = await doc.embedJpg(sample.bytes);
    const page = doc.addPage([595, 842]); // A4 in points
    page.drawImage(image, { x: 0, y: 0, width: 595, height: 842 });
  }
  return [
    ...samples.map((s) => ({ name: s.name, bytes: s.bytes, pdf: false })),
    { name: 'a4-300dpi-scan.jpg', bytes: scan, pdf: false },
    { name: 'four-pages.pdf', bytes: Buffer.from(await doc.save()), pdf: true },
  ];
}

const files = await workload();
const pagesPerPass = files.reduce((n, f) => n + (f.pdf ? PDF_PAGES : 1), 0);
const spoolDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-pipeline-'));

function config(threads: string): Config {
  return resolveConfig({
    devices: 'cpu:1', cpuThreads: 1, prepThreads: threads, maxBatch: 1, gpuTelemetryMs: 0, logLevel: 'silent',
    maxQueue: 10_000, requestTimeoutMs: 3_600_000, maxUploadMb: 200,
    // A data directory of its own: the default one may be held by a server already.
    dataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-data-')),
  }, {});
}

/** Every page of the workload as pool inputs; PDF pages by reference to a spooled copy. */
function poolInputs(cfg: Config): PageInput[] {
  return files.flatMap((f): PageInput[] => {
    if (!f.pdf) return [{ source: { kind: 'image', bytes: f.bytes }, name: f.name }];
    const file = path.join(spoolDir, f.name);
    fs.writeFileSync(file, f.bytes);
    return Array.from({ length: PDF_PAGES }, (_, i): PageInput => ({ name: f.name, page: i + 1, source: { kind: 'pdf', path: file, page: i + 1, dpi: cfg.pdfDpi, renderTimeoutMs: cfg.pdfPageTimeoutMs } }));
  });
}

interface Measurement {
  readonly pages: number;
  readonly wallMs: number;
  readonly pagesPerSec: number;
  readonly deviceBusy: number;
  readonly stageMs?: { decode: number; preprocess: number; infer: number; postprocess: number };
}

function measureBusy(pool: LayoutPool): () => number {
  let inferMs = 0;
  const onBatch = (e: { inferMs: number }): void => { inferMs += e.inferMs; };
  pool.on('batch', onBatch);
  return () => {
    pool.off('batch', onBatch);
    return inferMs;
  };
}

function stageMeans(results: readonly PageResult[]): NonNullable<Measurement['stageMs']> {
  const mean = (pick: (r: PageResult) => number): number => round(results.reduce((s, r) => s + pick(r), 0) / Math.max(1, results.length), 1);
  return { decode: mean((r) => r.timing.decodeMs), preprocess: mean((r) => r.timing.preprocessMs), infer: mean((r) => r.timing.inferMs), postprocess: mean((r) => r.timing.postprocessMs) };
}

async function startPool(cfg: Config, serial = false): Promise<LayoutPool> {
  const pool = await createPool({ config: cfg, modelPath: fastPath, ...(serial ? { workerEntry: serialWorkerEntry() } : {}) });
  await pool.ready();
  // Warm: every stage once (and onnxruntime's arena), before the clock starts.
  await Promise.all(poolInputs(cfg).slice(0, 3).map((input) => pool.analyze(input)));
  return pool;
}

/** `serial`: the worker of before the pipeline (bench/common/serial-worker-main.ts), which ignores `threads`. */
async function measurePool(threads: string, serial = false): Promise<Measurement> {
  const cfg = config(threads);
  const pool = await startPool(cfg, serial);
  try {
    const inputs = Array.from({ length: passes }, () => poolInputs(cfg)).flat();
    const busy = measureBusy(pool);
    const start = performance.now();
    const results = await Promise.all(inputs.map((input) => pool.analyze(input)));
    const wallMs = performance.now() - start;
    return { pages: results.length, wallMs: round(wallMs, 0), pagesPerSec: round((results.length * 1000) / wallMs), deviceBusy: round(busy() / wallMs, 3), stageMs: stageMeans(results) };
  } finally {
    await pool.close();
  }
}

async function measureHttp(threads: string): Promise<Measurement> {
  const cfg = config(threads);
  const state = await createServiceState({ config: cfg, modelPath: fastPath });
  await state.engine.ready();
  const pool = state.engine.pool;
  await Promise.all(poolInputs(cfg).slice(0, 3).map((input) => pool.analyze(input)));
  const app = await buildServer({ state });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  try {
    const post = async (file: WorkFile): Promise<number> => {
      const form = new FormData();
      form.append('file', new Blob([new Uint8Array(file.bytes)]), file.name);
      const res = await request(`${url}/v1/layout`, { method: 'POST', body: form });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`);
      return file.pdf ? PDF_PAGES : 1;
    };
    const work = Array.from({ length: passes }, () => files).flat();
    const busy = measureBusy(pool);
    const start = performance.now();
    const pages = (await Promise.all(work.map(post))).reduce((a, b) => a + b, 0);
    const wallMs = performance.now() - start;
    return { pages, wallMs: round(wallMs, 0), pagesPerSec: round((pages * 1000) / wallMs), deviceBusy: round(busy() / wallMs, 3) };
  } finally {
    await app.close();
  }
}

/** session.run alone on one thread, on every workload page prepared once. */
async function measureRaw(): Promise<Measurement> {
  const session = await openSession(fastPath, { device: 'cpu', intraOpNumThreads: 1 });
  try {
    const prepared = [];
    for (const f of files) {
      if (!f.pdf) {
        prepared.push(await preprocess(f.bytes, session.info));
        continue;
      }
      const doc = await openPdf(f.bytes);
      for (let p = 1; p <= doc.pageCount; p++) prepared.push(await preprocess(await doc.renderPage(p, config('auto').pdfDpi), session.info));
      await doc.close();
    }
    await session.run(prepared[0]!.pixels, [prepared[0]!.geometry]);
    const start = performance.now();
    let pages = 0;
    for (let pass = 0; pass < passes; pass++) {
      for (const page of prepared) {
        await session.run(page.pixels, [page.geometry]);
        pages += 1;
      }
    }
    const wallMs = performance.now() - start;
    return { pages, wallMs: round(wallMs, 0), pagesPerSec: round((pages * 1000) / wallMs), deviceBusy: 1 };
  } finally {
    await session.release();
  }
}

const configurations = [
  { key: 'raw', label: 'raw session.run', run: measureRaw },
  { key: 'inline', label: 'pool, serial worker (before)', run: () => measurePool('auto', true) },
  { key: 'pipeline', label: `pool, prep-threads ${prepThreads}`, run: () => measurePool(prepThreads) },
  { key: 'http', label: `HTTP /v1/layout, prep-threads ${prepThreads}`, run: () => measureHttp(prepThreads) },
] as const;

process.stderr.write(`bench:pipeline — fast stand-in, cpu:1 with 1 intra-op thread, ${pagesPerPass} pages × ${passes} passes, ${rounds} round(s)\n`);
const all = new Map<string, Measurement[]>(configurations.map((c) => [c.key, []]));
const benchStart = performance.now();
for (let r = 1; r <= rounds; r++) {
  for (const c of configurations) {
    const m = await c.run();
    all.get(c.key)!.push(m);
    process.stderr.write(`  round ${r} ${c.label.padEnd(36)} ${m.pagesPerSec.toFixed(2).padStart(7)} pages/s  device busy ${m.deviceBusy.toFixed(3)}\n`);
  }
}
fs.rmSync(spoolDir, { recursive: true, force: true });

const med = (key: string, pick: (m: Measurement) => number): number => round(median(all.get(key)!.map(pick)), 3);
const stage = (key: string): Measurement['stageMs'] => {
  const runs = all.get(key)!.map((m) => m.stageMs!);
  return { decode: round(median(runs.map((s) => s.decode)), 1), preprocess: round(median(runs.map((s) => s.preprocess)), 1), infer: round(median(runs.map((s) => s.infer)), 1), postprocess: round(median(runs.map((s) => s.postprocess)), 1) };
};
const inlineStages = stage('inline')!;
const cpuMsPerPage = round(inlineStages.decode + inlineStages.preprocess + inlineStages.postprocess, 1);
const summary = {
  model: fastPath,
  pagesPerPass,
  passes,
  rounds,
  prepThreads,
  rawPagesPerSec: med('raw', (m) => m.pagesPerSec),
  poolPagesPerSec: med('pipeline', (m) => m.pagesPerSec),
  httpPagesPerSec: med('http', (m) => m.pagesPerSec),
  deviceBusy: med('pipeline', (m) => m.deviceBusy),
  httpDeviceBusy: med('http', (m) => m.deviceBusy),
  before: { poolPagesPerSec: med('inline', (m) => m.pagesPerSec), deviceBusy: med('inline', (m) => m.deviceBusy) },
  // Measured inline, where stages do not compete with each other for the cores.
  stageMsPerPage: inlineStages,
  pipelineStageMsPerPage: stage('pipeline'),
  cpuMsPerPage,
  cpuPagesPerSecPerCore: round(1000 / cpuMsPerPage, 2),
  targets: { deviceBusy: 0.9, httpDeviceBusy: 0.85 },
  totalSeconds: round((performance.now() - benchStart) / 1000, 1),
  runs: Object.fromEntries(all),
};
process.stdout.write(`\n${JSON.stringify({ ...summary, runs: undefined }, null, 2)}\n`);
process.stdout.write(`results: ${writeResults('pipeline', summary)}\n`);
