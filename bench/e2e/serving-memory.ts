/**
 * `npm run bench:serving-memory` (issue 21, the idle-recycle margin): how far ordinary serving
 * lifts a device worker's RSS above its RSS at ready, on the real-size model (or the stand-in).
 * A real `doclayout serve` with two CPU workers gets --rounds rounds of ordinary work — scanned-
 * size pages (1700×2200 PNG and JPEG) in parallel, so batches fill, and text PDFs at the default
 * dpi — then idles. The largest worker growth seen is what --idle-recycle-margin-mb must stay above.
 * --quick: one round. Writes bench/results/serving-memory-<time>.json.
 */
import path from 'node:path';
import sharp from 'sharp';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { intOption } from '../common/options.js';
import { benchModels, writeResults } from '../common/results.js';
import { sendOver } from './hostile-routes.js';
import type { CorpusFile } from './hostile-corpus.js';
import { readTree, serverStatus, type TreeReading } from './process-tree.js';
import { startServe, waitReady } from './serve-process.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 3, 1);
const parallel = intOption('concurrency', 'BENCH_CONCURRENCY', 8, 8);
const SETTLE_MS = 10_000;

async function scan(format: 'png' | 'jpeg', shade: number): Promise<Buffer> {
  const blocks = Array.from({ length: 12 }, (_, i) => ({ input: { create: { width: 1300, height: 90, channels: 3 as const, background: { r: shade, g: shade, b: shade } } }, top: 150 + i * 160, left: 200 }));
  return sharp({ create: { width: 1700, height: 2200, channels: 3, background: '#fbfbf8' } }).composite(blocks)[format]().toBuffer();
}

async function textPdf(pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let p = 0; p < pages; p++) {
    const page = doc.addPage([612, 792]);
    for (let line = 0; line < 40; line++) page.drawText(`Page ${p + 1}, line ${line + 1}: ordinary running text of a report`, { x: 60, y: 740 - line * 17, size: 11, font });
  }
  return Buffer.from(await doc.save());
}

const model = benchModels()[0]!;
const files: CorpusFile[] = [
  { name: 'scan.png', bytes: await scan('png', 40), type: 'image/png', kind: 'valid' },
  { name: 'scan.jpg', bytes: await scan('jpeg', 70), type: 'image/jpeg', kind: 'valid' },
  { name: 'report.pdf', bytes: await textPdf(8), type: 'application/pdf', kind: 'valid' },
];
const server = await startServe(model.path, ['--devices', 'cpu:2', '--cpu-threads', '2', '--idle-recycle-margin-mb', '0', '--log-level', 'warn', '--gpu-telemetry-ms', '0']);
const pid = server.child.pid!;
await waitReady(server.url);
const ready = await readTree(server.url, pid);
const afterRounds: TreeReading[] = [];
let failures = 0;
for (let r = 0; r < rounds; r++) {
  const outcomes = await Promise.all(Array.from({ length: parallel }, (_, i) => sendOver(server.url, 'v1-multipart', files[i % files.length]!, files[0]!)));
  failures += outcomes.filter((o) => o.status !== 200).length;
  afterRounds.push(await readTree(server.url, pid));
}
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const idle = await readTree(server.url, pid);
const status = await serverStatus(server.url);
const growth = idle.workersMb.map((mb, i) => Math.max(mb, ...afterRounds.map((t) => t.workersMb[i] ?? 0)) - (ready.workersMb[i] ?? 0));
const figures = { model: { kind: model.kind, file: path.basename(model.path) }, rounds, parallel, failures, ready, afterRounds, idle, maxWorkerGrowthMb: Math.max(...growth), restarts: status.devices.map((d) => d.restarts) };
console.log(JSON.stringify(figures));
console.log(`results: ${writeResults('serving-memory', figures)}`);
server.child.kill('SIGTERM');
