/**
 * PDF rasterization with pdf.js: page sizes at different dpi, drawn content in the right place,
 * page selection, the page cap, size limits checked before rendering, and broken, encrypted and
 * non-PDF inputs. Test documents are made here with pdf-lib (or by hand for encryption).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import sharp from 'sharp';
import { EmptyInputError, ImageTooLargeError, PageRangeError, PdfError, UnsupportedMediaError } from '../../src/errors.js';
import type { DecodedImage } from '../../src/model/image/decode.js';
import { isPdf, openPdf, rasterizePdf } from '../../src/pdf/rasterize.js';
import { samplesDir } from '../fixtures/paths.js';
import { missingDependency } from '../helpers/require-dep.js';

const TIMEOUT_MS = 60_000;


const sample = path.join(samplesDir, 'paper-page.jpg');
const noSample = missingDependency('shared', fs.existsSync(sample) ? undefined : `${sample} is missing; the PDF embeds a synthetic two-colour JPEG instead`);

/** A real page photo when the shared samples exist, else a synthetic two-colour JPEG. */
async function pageJpeg(): Promise<{ bytes: Buffer; source: string }> {
  if (!noSample) return { bytes: fs.readFileSync(sample), source: sample };
  const data = Buffer.alloc(200 * 250 * 3);
  for (let i = 0; i < data.length; i += 3) data.set(i < data.length / 2 ? [30, 90, 200] : [220, 180, 40], i);
  return { bytes: await sharp(data, { raw: { width: 200, height: 250, channels: 3 } }).jpeg({ quality: 95 }).toBuffer(), source: 'synthetic' };
}

/**
 * Page 1: US Letter with text and a black box at x 72–272 pt, y 72–172 pt from the bottom.
 * Page 2: 300 × 200 pt landscape, red with a 10 pt white margin.
 * Page 3: 400 × 500 pt, a JPEG page image covering the whole page.
 */
async function threePagePdf(jpeg: Buffer): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const first = doc.addPage([612, 792]);
  first.drawText('Layout test page', { x: 72, y: 700, size: 24, font, color: rgb(0, 0, 0) });
  first.drawRectangle({ x: 72, y: 72, width: 200, height: 100, color: rgb(0, 0, 0) });
  const second = doc.addPage([300, 200]);
  second.drawRectangle({ x: 10, y: 10, width: 280, height: 180, color: rgb(1, 0, 0) });
  const third = doc.addPage([400, 500]);
  third.drawImage(await doc.embedJpg(jpeg), { x: 0, y: 0, width: 400, height: 500 });
  return doc.save();
}

/** Standard security handler with a user password we do not know (random /U). */
function encryptedPdf(): Buffer {
  const hex = (n: number, seed: number): string => Array.from({ length: n }, (_, i) => ((i * 37 + seed) % 256).toString(16).padStart(2, '0')).join('');
  const objects = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>',
    `<< /Filter /Standard /V 1 /R 2 /O <${hex(32, 11)}> /U <${hex(32, 99)}> /P -4 >>`,
  ];
  let body = '%PDF-1.4\n';
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(body.length);
    body += `${i + 1} 0 obj\n${object}\nendobj\n`;
  });
  const xref = body.length;
  body += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) body += `${String(offset).padStart(10, '0')} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 4 0 R /ID [<${hex(16, 5)}> <${hex(16, 5)}>] >>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(body, 'latin1');
}

function pixel(image: DecodedImage, x: number, y: number): [number, number, number] {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

async function collect(generator: AsyncGenerator<{ page: number; pageCount: number; image: DecodedImage }>): Promise<Array<{ page: number; pageCount: number; image: DecodedImage }>> {
  const out = [];
  for await (const item of generator) out.push(item);
  return out;
}

describe('rasterizePdf', { timeout: TIMEOUT_MS }, () => {
  let pdf: Uint8Array;
  let jpeg: { bytes: Buffer; source: string };

  before(async () => {
    jpeg = await pageJpeg();
    pdf = await threePagePdf(jpeg.bytes);
  });

  it('renders every page at 72 dpi at the page size in points', async () => {
    const pages = await collect(rasterizePdf(pdf, { dpi: 72, name: 'three.pdf' }));
    assert.deepEqual(pages.map((p) => [p.page, p.pageCount, p.image.width, p.image.height, p.image.format]), [
      [1, 3, 612, 792, 'pdf'],
      [2, 3, 300, 200, 'pdf'],
      [3, 3, 400, 500, 'pdf'],
    ]);
    for (const { image } of pages) assert.equal(image.data.length, image.width * image.height * 3);
  });

  it('renders at 144 dpi at twice the size, content in place on white', async () => {
    const [first, second] = await collect(rasterizePdf(pdf, { dpi: 144, pages: '1-2' }));
    assert.deepEqual([first.image.width, first.image.height], [1224, 1584]);
    assert.deepEqual([second.image.width, second.image.height], [600, 400]);
    // Black box: x 72–272 pt, y 620–720 pt from the top → ×2 in pixels.
    assert.deepEqual(pixel(first.image, 344, 1340), [0, 0, 0]);
    assert.deepEqual(pixel(first.image, 600, 1340), [255, 255, 255]);
    assert.deepEqual(pixel(first.image, 5, 5), [255, 255, 255]);
    // The heading text left dark pixels in its line (y 72–100 pt from the top).
    let dark = 0;
    for (let y = 144; y < 200; y++) for (let x = 144; x < 600; x++) if (pixel(first.image, x, y)[0] < 100) dark++;
    assert.ok(dark > 500, `text should render, found ${dark} dark pixels`);
    assert.deepEqual(pixel(second.image, 300, 200), [255, 0, 0]);
    assert.deepEqual(pixel(second.image, 5, 5), [255, 255, 255]);
  });

  it('renders the embedded page image close to the image itself', async () => {
    const [third] = await collect(rasterizePdf(pdf, { dpi: 72, pages: '3' }));
    const expected = await sharp(jpeg.bytes).resize(400, 500, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    let diff = 0;
    for (let i = 0; i < expected.length; i++) diff += Math.abs(expected[i] - third.image.data[i]);
    const meanDiff = diff / expected.length;
    assert.ok(meanDiff < 12, `mean difference ${meanDiff.toFixed(1)} from ${jpeg.source}`);
  });

  it('yields only the selected pages, in order', async () => {
    const pages = await collect(rasterizePdf(pdf, { dpi: 36, pages: '3,1' }));
    assert.deepEqual(pages.map((p) => p.page), [1, 3]);
    assert.deepEqual([pages[0].image.width, pages[0].image.height], [306, 396]);
  });

  it('refuses a selection above maxPages instead of truncating it', async () => {
    const generator = rasterizePdf(pdf, { dpi: 72, maxPages: 2, name: 'three.pdf' });
    await assert.rejects(generator.next(), (err) => PdfError.is(err) && /3 pages selected, above the cap of 2 \(maxPdfPages\)/.test(err.message));
    assert.equal((await collect(rasterizePdf(pdf, { dpi: 18, maxPages: 2, pages: '2-3' }))).length, 2);
    assert.equal((await collect(rasterizePdf(pdf, { dpi: 18, maxPages: 0 }))).length, 3);
  });

  it('refuses a bad page selection with PageRangeError', async () => {
    await assert.rejects(rasterizePdf(pdf, { dpi: 72, pages: '2-4' }).next(), (err) => PageRangeError.is(err) && /out of range/.test(err.message));
  });

  it('refuses a page above maxPixels before rendering it', async () => {
    await assert.rejects(collect(rasterizePdf(pdf, { dpi: 144, pages: '1', maxPixels: 1_000_000, name: 'big.pdf' })), (err) => ImageTooLargeError.is(err) && /big\.pdf page 1/.test(err.message) && /1938816/.test(err.message));
    const [small] = await collect(rasterizePdf(pdf, { dpi: 144, pages: '2', maxPixels: 1_000_000 }));
    assert.equal(small.image.width, 600);
  });

  it('leaves the caller\'s bytes intact and logs nothing (pdf.js warnings would pollute CLI output)', async () => {
    const copy = Buffer.from(pdf);
    const logged: string[] = [];
    // pdf.js reports through console.log (warnings, info) and console.error; the test runner's
    // own stdout traffic makes process.stdout unusable for this check.
    const methods = ['log', 'info', 'warn', 'error', 'debug'] as const;
    const originals = methods.map((m) => console[m]);
    for (const m of methods) console[m] = (...args: unknown[]) => { logged.push(`${m}: ${args.join(' ')}`); };
    try {
      await collect(rasterizePdf(pdf, { dpi: 72 }));
    } finally {
      methods.forEach((m, i) => { console[m] = originals[i]; });
    }
    assert.deepEqual(logged, []);
    assert.ok(Buffer.from(pdf).equals(copy), 'input bytes changed');
  });
});

describe('openPdf', { timeout: TIMEOUT_MS }, () => {
  it('exposes the page count, renders one page and closes idempotently', async () => {
    const doc = await openPdf(await threePagePdf((await pageJpeg()).bytes), { name: 'x.pdf' });
    assert.equal(doc.pageCount, 3);
    const image = await doc.renderPage(2, 72);
    assert.deepEqual([image.width, image.height], [300, 200]);
    await assert.rejects(doc.renderPage(4, 72), (err) => PageRangeError.is(err));
    await assert.rejects(doc.renderPage(0, 72), (err) => PageRangeError.is(err));
    await doc.close();
    await doc.close();
    await assert.rejects(doc.renderPage(1, 72), (err) => PdfError.is(err) && /closed/.test(err.message));
  });

  it('refuses a corrupt PDF with PdfError', async () => {
    const corrupt = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(500, 0x5a)]);
    await assert.rejects(openPdf(corrupt, { name: 'broken.pdf' }), (err) => PdfError.is(err) && /broken\.pdf/.test(err.message));
  });

  it('refuses an encrypted PDF with PdfError naming the password', async () => {
    await assert.rejects(openPdf(encryptedPdf(), { name: 'secret.pdf' }), (err) => PdfError.is(err) && /password/.test(err.message));
  });

  it('refuses non-PDF and empty inputs', async () => {
    const png = await sharp({ create: { width: 4, height: 4, channels: 3, background: '#ffffff' } }).png().toBuffer();
    assert.equal(isPdf(png), false);
    await assert.rejects(openPdf(png, { name: 'scan.png' }), (err) => UnsupportedMediaError.is(err) && /not a PDF/.test(err.message));
    await assert.rejects(openPdf(new Uint8Array(0)), (err) => EmptyInputError.is(err));
    await assert.rejects(rasterizePdf(png, { dpi: 72 }).next(), (err) => UnsupportedMediaError.is(err));
  });
});
