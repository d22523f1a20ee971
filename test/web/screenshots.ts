/**
 * The README's screenshots: `node dist/test/web/screenshots.js docs/images` starts a server with
 * the fixture model (its regions are placeholders, not the real model's), opens the sample page
 * and a two-page PDF made of the samples, queues a job and opens the dashboard, in Chromium at
 * 1280 × 800, and writes analyze-image.png, analyze-pdf.png, jobs.png and dashboard.png.
 */
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { samplesDir } from '../fixtures/paths.js';
import { startServer, twoPagePdf } from '../server/helpers.js';
import { generatedPage, launchChromium } from './chromium.js';

async function samplePdf(): Promise<Buffer> {
  const pages = ['paper-page.jpg', 'layout.jpg'].map((f) => path.join(samplesDir, f)).filter((f) => fs.existsSync(f));
  if (pages.length === 0) return twoPagePdf();
  const pdf = await PDFDocument.create();
  for (const file of pages) {
    const jpeg = await sharp(file).resize({ width: 1200, withoutEnlargement: true }).jpeg({ quality: 80 }).toBuffer();
    const image = await pdf.embedJpg(jpeg);
    pdf.addPage([image.width * 0.6, image.height * 0.6]).drawImage(image, { x: 0, y: 0, width: image.width * 0.6, height: image.height * 0.6 });
  }
  return Buffer.from(await pdf.save());
}

const outDir = process.argv[2] ?? 'docs/images';
fs.mkdirSync(outDir, { recursive: true });
const server = await startServer({ listen: true });
const browser = await launchChromium({ width: 1280, height: 800 });
try {
  const page = await browser.context.newPage();
  const shot = async (name: string) => {
    const file = path.join(outDir, name);
    await page.screenshot({ path: file });
    // Small files for the repository: a palette PNG.
    fs.writeFileSync(file, await sharp(file).png({ palette: true, quality: 80, compressionLevel: 9 }).toBuffer());
    process.stdout.write(`${file}\n`);
  };
  const ready = () => page.waitForFunction(() => !(document.getElementById('download-json') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
  const sample = path.join(samplesDir, 'layout.jpg');
  await page.goto(`${server.url}/`);
  await page.setInputFiles('#file-input', fs.existsSync(sample) ? sample : { name: 'page.jpg', mimeType: 'image/jpeg', buffer: await generatedPage() });
  await ready();
  await page.locator('#region-list tbody tr').nth(1).hover();
  await page.waitForTimeout(300);
  await shot('analyze-image.png');

  await page.goto(`${server.url}/`);
  await page.setInputFiles('#file-input', { name: 'report.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
  await ready();
  await page.waitForSelector('.thumb canvas');
  await page.keyboard.press('j');
  await page.waitForTimeout(300);
  await shot('analyze-pdf.png');

  await page.goto(`${server.url}/jobs`);
  await page.setInputFiles('#job-file', { name: 'report.pdf', mimeType: 'application/pdf', buffer: await samplePdf() });
  await page.waitForSelector('#jobs-table tbody tr[data-state="completed"]', { timeout: 60_000 });
  await shot('jobs.png');

  await page.goto(`${server.url}/dashboard`);
  await page.waitForFunction(() => document.getElementById('completed')?.textContent !== '–');
  await page.waitForTimeout(1500);
  await shot('dashboard.png');
} finally {
  await browser.close();
  await server.close();
}
