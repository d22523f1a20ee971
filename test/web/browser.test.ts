/**
 * Drives the web UI in Debian's Chromium (playwright-core, no downloaded browser): uploads a real
 * page (a generated one when ../shared is missing) and a PDF, then checks the overlay, the region
 * list and class filter, the viewer (zoom, fit, keys, thumbnails), a failed upload, the downloads
 * and their names, the jobs page and the dashboard.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { unzipSync } from 'fflate';
import { startServer, twoPagePdf, type TestServer } from '../server/helpers.js';
import { samplesDir } from '../fixtures/paths.js';
import { missingDependency } from '../helpers/require-dep.js';
import { chromiumSkip, generatedPage, launchChromium, watchedPage, type Chromium } from './chromium.js';

const SAMPLE = path.join(samplesDir, 'layout.jpg');
// Without ../shared the test still runs, on a generated page: Chromium is what it is about.
const noSample = missingDependency('shared', fs.existsSync(SAMPLE) ? undefined : `sample page ${SAMPLE} is missing; using a generated page`);

async function upload(): Promise<{ name: string; mimeType: string; buffer: Buffer }> {
  if (!noSample) return { name: 'layout.jpg', mimeType: 'image/jpeg', buffer: fs.readFileSync(SAMPLE) };
  return { name: 'layout.jpg', mimeType: 'image/jpeg', buffer: await generatedPage() };
}

async function openDocument(page: Page, file: { name: string; mimeType: string; buffer: Buffer }): Promise<void> {
  await page.setInputFiles('#file-input', file);
  await page.waitForFunction((name) => document.getElementById('file-name')?.textContent === name && !(document.getElementById('download-json') as HTMLButtonElement).disabled, file.name, { timeout: 60_000 });
}

/** Pixels of the overlay canvas that are not transparent: the regions are drawn. */
function overlayPixels(page: Page): Promise<number> {
  return page.evaluate(() => {
    const canvas = document.getElementById('page-canvas') as HTMLCanvasElement;
    const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
    let drawn = 0;
    for (let i = 3; i < data.length; i += 4 * 7) if (data[i]! > 0) drawn++;
    return drawn;
  });
}

describe('web UI in Chromium', { skip: chromiumSkip(), timeout: 300_000 }, () => {
  let server: TestServer;
  let browser: Chromium;
  let pdfBytes: Buffer | undefined;
  before(async () => {
    pdfBytes = await twoPagePdf();
    server = await startServer({ listen: true });
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('uploads a page and shows the image, its overlay, the region list and the class filter', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(`${server.url}/`);
    await openDocument(page, await upload());
    await page.waitForSelector('#region-list tbody tr');
    const rows = await page.locator('#region-list tbody tr').count();
    assert.ok(rows >= 3, `rows ${rows}`);
    assert.ok(await page.locator('#page-image').evaluate((img) => (img as HTMLImageElement).naturalWidth > 0));
    await page.waitForTimeout(100);
    assert.ok((await overlayPixels(page)) > 100, 'the overlay layer is blank');
    assert.equal(await page.locator('#stat-regions').textContent(), String(rows));
    assert.match((await page.locator('#stat-device').textContent()) ?? '', /^cpu:\d+$/);
    const chips = await page.locator('#class-chips .chip').count();
    assert.ok(chips >= 2, `chips ${chips}`);
    await page.locator('#region-list tbody tr').first().hover();
    assert.equal(await page.locator('#region-list tbody tr.hover').count(), 1);
    await page.locator('#class-chips .chip').first().click();
    assert.ok((await page.locator('#region-list tbody tr').count()) < rows);
    assert.deepEqual(errors, []);
  });

  it('zooms, fits and walks the regions with the keyboard', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(`${server.url}/`);
    await openDocument(page, await upload());
    const zoom = async () => Number(((await page.locator('#zoom-value').textContent()) ?? '').replace('%', ''));
    const fitted = await zoom();
    await page.locator('#zoom-in').click();
    assert.ok((await zoom()) > fitted);
    const box = (await page.locator('#stage-view').boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 400);
    await page.waitForTimeout(100);
    assert.ok((await zoom()) < fitted * 1.25, 'the wheel zooms out');
    await page.keyboard.press('0');
    assert.equal(await zoom(), fitted);
    await page.locator('#fit-width').click();
    assert.ok((await zoom()) >= fitted);
    // A drag pans the page image.
    const before = await page.locator('#page-image').boundingBox();
    await page.mouse.move(box.x + 100, box.y + 100);
    await page.mouse.down();
    await page.mouse.move(box.x + 160, box.y + 140, { steps: 4 });
    await page.mouse.up();
    const afterPan = await page.locator('#page-image').boundingBox();
    assert.ok(Math.abs(afterPan!.x - before!.x - 60) < 2 && Math.abs(afterPan!.y - before!.y - 40) < 2, `pan ${JSON.stringify([before, afterPan])}`);
    // j selects the first region in reading order, j again the second, k goes back, Esc clears.
    await page.keyboard.press('j');
    const firstOrder = await page.locator('#region-list tbody tr.selected .order').textContent();
    assert.equal(firstOrder, '1');
    await page.keyboard.press('j');
    assert.equal(await page.locator('#region-list tbody tr.selected .order').textContent(), '2');
    await page.keyboard.press('k');
    assert.equal(await page.locator('#region-list tbody tr.selected .order').textContent(), '1');
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('#region-list tbody tr.selected').count(), 0);
    assert.deepEqual(errors, []);
  });

  it('pages through a PDF with thumbnails and keys', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(`${server.url}/`);
    await openDocument(page, { name: 'two.pdf', mimeType: 'application/pdf', buffer: await twoPagePdf() });
    assert.equal(await page.locator('.thumb').count(), 2);
    assert.equal(await page.locator('.thumb.current').getAttribute('data-page'), '1');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('.thumb.current')?.getAttribute('data-page') === '2', undefined, { timeout: 60_000 });
    assert.equal(await page.locator('#page-input').inputValue(), '2');
    await page.locator('.thumb[data-page="1"]').click();
    await page.waitForFunction(() => (document.getElementById('page-input') as HTMLInputElement).value === '1', undefined, { timeout: 60_000 });
    // pdf.js drew the thumbnails in the browser.
    await page.waitForSelector('.thumb canvas', { timeout: 30_000 });
    assert.deepEqual(errors, []);
  });

  it('a failed upload keeps the previous document and names the bad file', async () => {
    const { page } = await watchedPage(browser.context);
    await page.goto(`${server.url}/`);
    await openDocument(page, await upload());
    const rows = await page.locator('#region-list tbody tr').count();
    const meta = await page.locator('#file-meta').textContent();
    await page.setInputFiles('#file-input', { name: 'junk.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image at all') });
    await page.waitForSelector('#error-banner.show', { timeout: 30_000 });
    assert.match((await page.locator('#error-text').textContent()) ?? '', /^junk\.txt: /);
    assert.match((await page.locator('#error-code').textContent()) ?? '', /LAYOUT_ERR_/);
    assert.equal(await page.locator('#file-name').textContent(), 'layout.jpg');
    assert.equal(await page.locator('#file-meta').textContent(), meta);
    assert.equal(await page.locator('#region-list tbody tr').count(), rows);
    assert.ok(await page.locator('#pager').isHidden(), 'no pager for an image');
  });

  it('downloads every output of a PDF page and of the whole PDF under one naming scheme', async () => {
    const { page, errors } = await watchedPage(browser.context);
    await page.goto(`${server.url}/`);
    await openDocument(page, { name: 'multi4.pdf', mimeType: 'application/pdf', buffer: await twoPagePdf() });
    await page.keyboard.press('PageDown');
    await page.waitForFunction(() => (document.getElementById('page-input') as HTMLInputElement).value === '2' && !(document.getElementById('download-json') as HTMLButtonElement).disabled, undefined, { timeout: 60_000 });
    const fetchDownload = async (button: string) => {
      const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.locator(button).click()]);
      return { name: download.suggestedFilename(), bytes: fs.readFileSync((await download.path())!) };
    };
    const names: Record<string, string> = {};
    for (const id of ['download-json', 'download-page', 'download-alto', 'download-coco', 'download-crops', 'download-png', 'download-image', 'doc-json', 'doc-page', 'doc-alto', 'doc-coco', 'doc-crops']) {
      const file = await fetchDownload(`#${id}`);
      names[id] = file.name;
      if (id === 'download-page') assert.match(file.bytes.toString('utf8'), /<PcGts xmlns="http:\/\/schema\.primaresearch\.org\/PAGE\/gts\/pagecontent\/2019-07-15"[\s\S]*imageFilename="multi4-p0002\.jpg"/);
      if (id === 'doc-coco') {
        const entries = unzipSync(new Uint8Array(file.bytes));
        const coco = JSON.parse(Buffer.from(entries['coco.json']!).toString('utf8')) as { images: Array<{ file_name: string }> };
        assert.deepEqual(coco.images.map((i) => i.file_name), ['images/multi4-p0001.jpg', 'images/multi4-p0002.jpg']);
        for (const image of coco.images) assert.ok(entries[image.file_name]!.length > 100, `${image.file_name} is in the dataset`);
      }
      if (id === 'doc-page') assert.deepEqual(Object.keys(unzipSync(new Uint8Array(file.bytes))).sort(), ['multi4-p0001.page.xml', 'multi4-p0002.page.xml']);
    }
    assert.deepEqual(names, {
      'download-json': 'multi4-p0002.json',
      'download-page': 'multi4-p0002.page.xml',
      'download-alto': 'multi4-p0002.alto.xml',
      'download-coco': 'multi4-p0002.coco.zip',
      'download-crops': 'multi4-p0002.crops.zip',
      'download-png': 'multi4-p0002.overlay.png',
      'download-image': 'multi4-p0002.jpg',
      'doc-json': 'multi4.json',
      'doc-page': 'multi4.page.zip',
      'doc-alto': 'multi4.alto.xml',
      'doc-coco': 'multi4.coco.zip',
      'doc-crops': 'multi4.crops.zip',
    });
    assert.deepEqual(errors, []);
  });

  it('queues a PDF on /jobs, shows its progress from the event stream and then its results, and again after a reload', async () => {
    const { page, errors } = await watchedPage(browser.context);
    // Every count the row shows, as it shows it: the event stream moves it one page at a time.
    await page.addInitScript(() => {
      const seen: string[] = [];
      (window as unknown as { counts: string[] }).counts = seen;
      new MutationObserver(() => {
        const text = document.querySelector('#jobs-table tbody tr .count')?.textContent;
        if (text && seen.at(-1) !== text) seen.push(text);
      }).observe(document, { subtree: true, childList: true, characterData: true });
    });
    const requests: string[] = [];
    page.on('request', (request) => requests.push(`${request.method()} ${new URL(request.url()).pathname}`));
    await page.goto(`${server.url}/jobs`);
    await page.setInputFiles('#job-file', { name: 'two.pdf', mimeType: 'application/pdf', buffer: await twoPagePdf() });
    await page.waitForSelector('#jobs-table tbody tr[data-state="completed"]', { timeout: 60_000 });
    const row = page.locator('#jobs-table tbody tr').first();
    const id = await row.getAttribute('data-id');
    assert.ok(id);
    assert.equal(await row.locator('.count').textContent(), '2/2');
    assert.match((await row.locator('.regions').textContent()) ?? '', /^\d+$/);
    assert.equal(await row.locator('.bar i').evaluate((el) => (el as HTMLElement).style.width), '100%');
    assert.equal(await row.locator('.actions a').getAttribute('download'), 'two.json');
    // Each page appeared as its event came, with the intermediate count before the final one.
    assert.deepEqual(await row.locator('.marks i').evaluateAll((marks) => marks.map((m) => `${m.className}:${(m as HTMLElement).dataset.page}`)), ['ok:1', 'ok:2']);
    const counts = await page.evaluate(() => (window as unknown as { counts: string[] }).counts);
    assert.ok(counts.includes('1/2') || counts.includes('1/?'), `counts ${JSON.stringify(counts)}`);
    assert.equal(counts.at(-1), '2/2');
    // Followed through the event stream, not by polling: the job's status is read once, at the end.
    assert.equal(requests.filter((r) => r === `GET /v1/jobs/${id}/events`).length, 1, requests.join('\n'));
    assert.equal(requests.filter((r) => r === `GET /v1/jobs/${id}`).length, 1, requests.join('\n'));
    // A reload shows the job again (its id is kept in this browser), finished, with its results.
    await page.reload();
    await page.waitForSelector(`#jobs-table tbody tr[data-id="${id}"][data-state="completed"] .actions a`, { timeout: 30_000 });
    const again = page.locator(`#jobs-table tbody tr[data-id="${id}"]`);
    assert.equal(await again.locator('td').first().textContent(), 'two.pdf');
    assert.equal(await again.locator('.count').textContent(), '2/2');
    assert.equal(await again.locator('.marks i').count(), 2);
    assert.ok(await page.locator('#jobs-empty').isHidden());
    // The row with its page marks keeps the page within the window (the table scrolls in its panel).
    for (const width of [360, 2560]) {
      await page.setViewportSize({ width, height: 900 });
      const { scrollWidth, innerWidth } = await page.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth }));
      assert.ok(scrollWidth <= innerWidth, `the jobs page scrolls sideways at ${width} px: ${scrollWidth} > ${innerWidth}`);
    }
    assert.deepEqual(errors, []);
  });

  it('follows the jobs this browser submitted after a reload and forgets the ones the server no longer has', async () => {
    const { page, errors } = await watchedPage(browser.context);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(pdfBytes!)], { type: 'application/pdf' }), 'later.pdf');
    const submitted = await fetch(`${server.url}/v1/jobs`, { method: 'POST', body: form });
    assert.equal(submitted.status, 202);
    const { id } = (await submitted.json()) as { id: string };
    await page.goto(`${server.url}/jobs`);
    await page.evaluate((jobId) => localStorage.setItem('doclayout.jobs', JSON.stringify([{ id: jobId, name: 'later.pdf' }, { id: 'job-that-is-gone', name: 'gone.pdf' }])), id);
    await page.reload();
    await page.waitForSelector(`#jobs-table tbody tr[data-id="${id}"][data-state="completed"] .actions a`, { timeout: 60_000 });
    assert.equal(await page.locator(`#jobs-table tbody tr[data-id="${id}"] .count`).textContent(), '2/2');
    // A job the server no longer knows is dropped from the list.
    await page.waitForFunction(() => !localStorage.getItem('doclayout.jobs')?.includes('job-that-is-gone'));
    assert.equal(await page.locator('#jobs-table tbody tr').count(), 1);
    // The browser logs the gone job's 404; nothing else went wrong.
    assert.deepEqual(errors.filter((e) => !/404/.test(e)), []);
  });

  it('shows the dashboard with the pool devices', async () => {
    const { page } = await watchedPage(browser.context);
    await page.goto(`${server.url}/dashboard`);
    await page.waitForSelector('.device', { timeout: 30_000 });
    assert.equal(await page.locator('.device .device-head b').first().textContent(), 'cpu:0');
    await page.waitForFunction(() => document.getElementById('completed')?.textContent !== '–');
  });
});
