/**
 * Process-tree memory around image-heavy PDFs (issue 21): RSS of the server process and its device
 * workers at rest, right after a few PDFs whose pages each draw a 4000×4000 image, and once idle
 * again (the workers' idle recycling and the PDF threads' idle timeout have had their chance).
 * Run: node dist/bench/e2e/pdf-memory.js [idleRecycleMarginMb] — 0 shows the old behaviour.
 */
import fs from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { request } from 'undici';
import { multipart, startServer } from '../../test/server/helpers.js';
import { writeResults } from '../common/results.js';

const MIB = 1024 * 1024;
const margin = Number(process.argv[2] ?? 512);
const DOCUMENTS = 4;
/** Past the PDF threads' idle timeout (30 s) and the open-document sweep (10 s), ms. */
const SETTLE_MS = 45_000;

function rssMb(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith('VmRSS:'));
  return Math.round(Number(line?.split(/\s+/)[1] ?? 0) / 1024);
}

async function imagePdf(pages: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: 4000, height: 4000, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 40 }).toBuffer();
  const doc = await PDFDocument.create();
  for (let n = 0; n < pages; n++) {
    // A distinct image per page, as a scanned document has: no page shares another's decode.
    const image = await doc.embedJpg(n === 0 ? jpeg : await sharp(jpeg).modulate({ brightness: 1 + n / 100 }).jpeg({ quality: 40 }).toBuffer());
    const page = doc.addPage([612, 792]);
    page.drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
  }
  return Buffer.from(await doc.save());
}

const pdf = await imagePdf(6);
const server = await startServer({ listen: true, config: { idleRecycleMarginMb: margin, heartbeatIntervalMs: 500, maxUploadMb: 100, eventLoopLagMs: 60_000 } });
const tree = (): { server: number; workers: number[] } => ({ server: rssMb(process.pid), workers: server.pool.snapshot().devices.map((d) => rssMb(d.pid)) });
const total = (t: ReturnType<typeof tree>): number => t.server + t.workers.reduce((a, b) => a + b, 0);

const atRest = tree();
for (let i = 0; i < DOCUMENTS; i++) {
  const body = multipart([{ name: `scan-${i}.pdf`, bytes: pdf }]);
  const res = await request(`${server.url}/v1/layout`, { method: 'POST', headers: body.headers, body: body.payload });
  const text = await res.body.text();
  if (res.statusCode !== 200) throw new Error(`scan-${i}.pdf answered ${res.statusCode}: ${text.slice(0, 300)}`);
}
const afterDocuments = tree();
await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
const idle = tree();
const recycles = server.pool.snapshot().devices.map((d) => d.recycles ?? 0);
const figures = { idleRecycleMarginMb: margin, pdfMb: +(pdf.length / MIB).toFixed(1), documents: DOCUMENTS, atRest, afterDocuments, idle, totals: { atRest: total(atRest), afterDocuments: total(afterDocuments), idle: total(idle) }, recycles };
console.log(JSON.stringify(figures));
console.log(`results: ${writeResults('pdf-memory', figures)}`);
await server.close();
await server.pool.destroy();
