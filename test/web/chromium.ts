/**
 * Debian's Chromium for the web UI tests (playwright-core, no downloaded browser): a fresh,
 * empty profile per run, and the page's errors collected so a test can assert there were none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import sharp from 'sharp';
import { missingDependency } from '../helpers/require-dep.js';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export const chromiumSkip = (): string | false => missingDependency('chromium', fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} is missing (apt-get install chromium)`);

export interface Chromium {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(viewport = { width: 1280, height: 900 }): Promise<Chromium> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: CHROMIUM_ARGS, viewport, acceptDownloads: true });
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** A new page whose uncaught errors and console errors land in the returned list. */
export async function watchedPage(context: BrowserContext): Promise<{ page: Page; errors: string[] }> {
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  return { page, errors };
}

/** A generated page: white with a dark title bar, a blue block and a grey block. */
export async function generatedPage(width = 900, height = 1200): Promise<Buffer> {
  const block = (left: number, top: number, w: number, h: number, background: string) => ({ input: { create: { width: w, height: h, channels: 3 as const, background } }, left, top });
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([block(80, 80, width - 160, 60, '#202020'), block(80, 200, width - 160, 400, '#3060c0'), block(80, 660, width - 160, 300, '#c0c0c0')])
    .jpeg({ quality: 90 })
    .toBuffer();
}
