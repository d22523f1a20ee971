/**
 * Drives the web UI in Debian's Chromium (playwright-core, no downloaded browser): uploads a real
 * page (a generated one when ../shared is missing), then checks that the overlay canvas is drawn, the region list and class filter appear,
 * that hovering a row highlights it, and that the dashboard renders the live device list.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';
import sharp from 'sharp';
import { startServer, twoPagePdf, type TestServer } from '../server/helpers.js';
import { samplesDir } from '../fixtures/paths.js';
import { missingDependency } from '../helpers/require-dep.js';

const CHROMIUM = '/usr/bin/chromium';
const SAMPLE = path.join(samplesDir, 'layout.jpg');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

const skip = missingDependency('chromium', fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`);
// Without ../shared the test still runs, on a generated page: Chromium is what it is about.
const noSample = missingDependency('shared', fs.existsSync(SAMPLE) ? undefined : `sample page ${SAMPLE} is missing; using a generated page`);

/** The page to upload: the real sample, else a generated one (white, grey and coloured blocks). */
async function upload(): Promise<string | { name: string; mimeType: string; buffer: Buffer }> {
  if (!noSample) return SAMPLE;
  const block = (left: number, top: number, width: number, height: number, background: string) => ({ input: { create: { width, height, channels: 3 as const, background } }, left, top });
  const buffer = await sharp({ create: { width: 900, height: 1200, channels: 3, background: '#ffffff' } })
    .composite([block(80, 80, 740, 60, '#202020'), block(80, 200, 740, 400, '#3060c0'), block(80, 660, 740, 300, '#c0c0c0')])
    .jpeg({ quality: 90 })
    .toBuffer();
  return { name: 'generated.jpg', mimeType: 'image/jpeg', buffer };
}

describe('web UI in Chromium', { skip, timeout: 180_000 }, () => {
  let server: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let profile: string;
  before(async () => {
    server = await startServer({ listen: true });
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-chromium-'));
    // A fresh, empty profile per run: nothing cached, nothing shared with other runs.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport: { width: 1280, height: 900 } });
    browser = context.browser()!;
  });
  after(async () => {
    await context?.close();
    await browser?.close().catch(() => undefined);
    await server?.close();
    if (profile) fs.rmSync(profile, { recursive: true, force: true });
  });

  it('uploads a page and shows the overlay, the region list and the class filter', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`${server.url}/`);
    await page.setInputFiles('#file-input', await upload());
    await page.waitForSelector('#region-list tbody tr', { timeout: 60_000 });

    const rows = await page.locator('#region-list tbody tr').count();
    assert.ok(rows >= 5, `rows ${rows}`);
    assert.ok(await page.locator('#page-canvas').isVisible());
    // The canvas holds the page (not blank): sample pixels across it and expect variety.
    const distinct = await page.evaluate(() => {
      const canvas = document.getElementById('page-canvas') as HTMLCanvasElement;
      const ctx = canvas.getContext('2d')!;
      const seen = new Set<string>();
      for (let i = 1; i < 20; i++) {
        const [r, g, b] = ctx.getImageData(Math.floor((canvas.width * i) / 20), Math.floor((canvas.height * i) / 20), 1, 1).data;
        seen.add(`${r},${g},${b}`);
      }
      return seen.size;
    });
    assert.ok(distinct >= 3, `canvas looks blank (${distinct} colours)`);
    assert.equal(await page.locator('#stat-regions').textContent(), String(rows));
    assert.match((await page.locator('#stat-device').textContent()) ?? '', /^cpu:\d+$/);
    const chips = await page.locator('#class-chips .chip').count();
    assert.ok(chips >= 3, `chips ${chips}`);

    // Hovering a row marks it; hiding a class removes its rows.
    await page.locator('#region-list tbody tr').first().hover();
    assert.equal(await page.locator('#region-list tbody tr.hover').count(), 1);
    await page.locator('#class-chips .chip').first().click();
    assert.ok((await page.locator('#region-list tbody tr').count()) < rows);
    assert.deepEqual(errors, []);
  });

  it('offers the result as PAGE, ALTO, COCO and a crops zip, made by the service', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/`);
    await page.setInputFiles('#file-input', await upload());
    await page.waitForSelector('#region-list tbody tr', { timeout: 60_000 });
    const rows = await page.locator('#region-list tbody tr').count();
    const fetchDownload = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(button).click()]);
      const file = await download.path();
      return { name: download.suggestedFilename(), bytes: fs.readFileSync(file!) };
    };
    const pageXml = await fetchDownload('#download-page');
    assert.match(pageXml.name, /\.page\.xml$/);
    assert.match(pageXml.bytes.toString('utf8'), /<PcGts xmlns="http:\/\/schema\.primaresearch\.org\/PAGE\/gts\/pagecontent\/2019-07-15"/);
    const alto = await fetchDownload('#download-alto');
    assert.match(alto.name, /\.alto\.xml$/);
    assert.match(alto.bytes.toString('utf8'), /<alto xmlns="http:\/\/www\.loc\.gov\/standards\/alto\/ns-v4#"/);
    const coco = await fetchDownload('#download-coco');
    assert.equal(JSON.parse(coco.bytes.toString('utf8')).annotations.length, rows);
    const crops = await fetchDownload('#download-crops');
    assert.match(crops.name, /\.crops\.zip$/);
    assert.equal(crops.bytes.subarray(0, 4).toString('latin1'), 'PK\u0003\u0004');
    assert.deepEqual(errors, []);
  });

  it('queues a PDF on /jobs, shows its progress and then its results', async () => {
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${server.url}/jobs`);
    await page.setInputFiles('#job-file', { name: 'two.pdf', mimeType: 'application/pdf', buffer: await twoPagePdf() });
    await page.waitForSelector('#jobs-table tbody tr[data-state="completed"]', { timeout: 60_000 });
    const row = page.locator('#jobs-table tbody tr').first();
    assert.equal(await row.locator('.count').textContent(), '2/2');
    assert.match((await row.locator('.regions').textContent()) ?? '', /^\d+$/);
    assert.equal(await row.locator('.bar i').evaluate((el) => (el as HTMLElement).style.width), '100%');
    assert.equal(await row.locator('.actions a').getAttribute('download'), 'two.pdf.json');
    assert.deepEqual(errors, []);
  });

  it('shows the dashboard with the pool devices', async () => {
    const page = await context.newPage();
    await page.goto(`${server.url}/dashboard`);
    await page.waitForSelector('.device', { timeout: 30_000 });
    assert.equal(await page.locator('.device .device-head b').first().textContent(), 'cpu:0');
    await page.waitForFunction(() => document.getElementById('completed')?.textContent !== '–');
  });
});
