/**
 * The Analyze page's layout holds at phone, laptop and desktop widths: with an image and with a
 * PDF open, no control lies outside the window (or the scroll strip that holds it), none covers
 * the page view, and the document never scrolls sideways. Screenshots go to
 * $DOCLAYOUT_SCREENSHOTS when it is set, for a person to look at.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { startServer, twoPagePdf, type TestServer } from '../server/helpers.js';
import { chromiumSkip, generatedPage, launchChromium, watchedPage, type Chromium } from './chromium.js';

// 420, 1280 and 1920 as the issue asks, and the ends of the range the layout promises (360–2560).
const WIDTHS = [360, 420, 1280, 1920, 2560] as const;
const HEIGHT = 900;
const SHOTS = process.env.DOCLAYOUT_SCREENSHOTS;

interface Problem { control: string; problem: string }

/** Every visible control checked against the window, its scroll strip and the page view. */
function layoutProblems(page: Page): Promise<{ problems: Problem[]; scrollWidth: number; innerWidth: number; view: DOMRect | null }> {
  return page.evaluate(() => {
    const describe = (el: Element) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${el.textContent?.trim() ? ` "${el.textContent.trim().slice(0, 20)}"` : ''}`;
    const view = document.getElementById('stage-view')!.getBoundingClientRect();
    const problems: Problem[] = [];
    const overlaps = (a: DOMRect, b: DOMRect) => a.left < b.right - 0.5 && b.left < a.right - 0.5 && a.top < b.bottom - 0.5 && b.top < a.bottom - 0.5;
    const docHeight = document.documentElement.scrollHeight;
    for (const el of Array.from(document.querySelectorAll('button, input, select, a, output, label, .chip'))) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue; // hidden
      if ((el as HTMLInputElement).type === 'file') continue;
      const strip = el.parentElement?.closest('.thumbs, .region-list, .sidebar');
      const scroller = strip && getComputedStyle(strip).overflowX !== 'visible' && getComputedStyle(strip).overflowX !== 'hidden' && strip.classList.contains('thumbs') ? strip : null;
      const bounds = scroller ? scroller.getBoundingClientRect() : null;
      if (!scroller) {
        if (box.left < -0.5 || box.right > window.innerWidth + 0.5) problems.push({ control: describe(el), problem: `x ${Math.round(box.left)}–${Math.round(box.right)} outside 0–${window.innerWidth}` });
        if (box.top + window.scrollY < -0.5 || box.bottom + window.scrollY > docHeight + 0.5) problems.push({ control: describe(el), problem: 'below the end of the page' });
      } else if (bounds && (bounds.left < -0.5 || bounds.right > window.innerWidth + 0.5)) {
        problems.push({ control: describe(scroller), problem: 'scroll strip outside the window' });
      }
      // Clipped by its panel (the old Result panel cut its last buttons off).
      const panel = el.closest('.panel');
      if (panel && !scroller && !el.closest('.region-list')) {
        const p = panel.getBoundingClientRect();
        if (box.left < p.left - 0.5 || box.right > p.right + 0.5) problems.push({ control: describe(el), problem: 'sticks out of its panel' });
      }
      if (!el.closest('#stage-view') && overlaps(box, view)) problems.push({ control: describe(el), problem: 'covers the page view' });
    }
    return { problems, scrollWidth: document.documentElement.scrollWidth, innerWidth: window.innerWidth, view: view.toJSON() as DOMRect };
  });
}

describe('Analyze page layout in Chromium', { skip: chromiumSkip(), timeout: 240_000 }, () => {
  let server: TestServer;
  let browser: Chromium;
  let image: Buffer;
  let pdf: Buffer;
  before(async () => {
    server = await startServer({ listen: true });
    browser = await launchChromium();
    image = await generatedPage();
    pdf = await twoPagePdf();
    if (SHOTS) fs.mkdirSync(SHOTS, { recursive: true });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  for (const width of WIDTHS) {
    for (const kind of ['image', 'pdf'] as const) {
      it(`holds at ${width} px with ${kind === 'pdf' ? 'a PDF' : 'an image'}`, async () => {
        const { page, errors } = await watchedPage(browser.context);
        await page.setViewportSize({ width, height: HEIGHT });
        await page.goto(`${server.url}/`);
        const upload = kind === 'pdf'
          ? { name: 'two-pages.pdf', mimeType: 'application/pdf', buffer: pdf }
          : { name: 'page.jpg', mimeType: 'image/jpeg', buffer: image };
        await page.setInputFiles('#file-input', upload);
        await page.waitForFunction(() => !document.getElementById('page-image')!.hidden && (document.getElementById('page-image') as HTMLImageElement).naturalWidth > 0, undefined, { timeout: 60_000 });
        await page.waitForSelector('#download-json:not([disabled])');
        if (kind === 'pdf') await page.waitForSelector('.thumb');
        await page.waitForTimeout(300); // the view fits the page on the next frame
        const { problems, scrollWidth, innerWidth, view } = await layoutProblems(page);
        if (SHOTS) await page.screenshot({ path: path.join(SHOTS, `analyze-${kind}-${width}.png`), fullPage: true });
        assert.deepEqual(problems, [], `layout problems at ${width} px`);
        assert.ok(scrollWidth <= innerWidth, `the page scrolls sideways: ${scrollWidth} > ${innerWidth}`);
        // The page view is usable: at least 300 px tall and most of the window wide on a phone.
        assert.ok(view!.height >= 300, `view height ${view!.height}`);
        assert.ok(view!.width >= Math.min(width - 40, 600) || width > 900, `view width ${view!.width}`);
        // The whole page is in view after opening (fit to page): the image's box lies inside the view.
        const imageBox = await page.locator('#page-image').boundingBox();
        assert.ok(imageBox && imageBox.y >= view!.top - 1 && imageBox.y + imageBox.height <= view!.bottom + 1, `page cut off: ${JSON.stringify(imageBox)} in ${JSON.stringify(view)}`);
        assert.deepEqual(errors, []);
        await page.close();
      });
    }
  }
});
