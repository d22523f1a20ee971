/**
 * The `analyze` command's file loop on a real pool of CPU workers (fixture model): pages in
 * flight over all files stay within one window, and a page that fails in a worker fails its
 * file alone — its other pages cancelled, no rejection left unobserved.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { analyzeFiles } from '../../src/cli/analyze-files.js';
import type { InputFile } from '../../src/cli/input-files.js';
import { poolAnalyzer, type DocumentLimits, type PageAnalyzer } from '../../src/document/index.js';
import { createPool, type LayoutPool, type PoolResult } from '../../src/pool/index.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';
import { faultyWorkers } from '../fixtures/faulty-workers.js';

const limits: DocumentLimits = { maxPixels: 100_000_000, pdfDpi: 36, maxPdfPages: 0 };

async function writePdf(dir: string, name: string, pages: number): Promise<InputFile> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([300, 400]);
  const file = path.join(dir, name);
  fs.writeFileSync(file, await doc.save());
  return { path: file, relative: name };
}

/**
 * The real pool analyzer, counting pages in flight; `bad` names a file whose page 2 arrives
 * truncated; pages of the file named by `hold` wait until `hold.until` settles.
 */
function instrumented(inner: PageAnalyzer<PoolResult>, bad?: { name: string; bytes: Buffer }, hold?: { name: string; until: Promise<unknown> }) {
  const stats = { inFlight: 0, peak: 0, started: new Map<string, number>() };
  const analyzer: PageAnalyzer<PoolResult> = {
    modelName: inner.modelName,
    capacity: () => inner.capacity(),
    async analyze(page, params, options) {
      stats.inFlight++;
      stats.peak = Math.max(stats.peak, stats.inFlight);
      stats.started.set(page.name, (stats.started.get(page.name) ?? 0) + 1);
      try {
        if (hold && page.name === hold.name) await hold.until;
        const source = bad && page.name === bad.name && page.page === 2 ? { kind: 'image' as const, bytes: bad.bytes } : page.source;
        return await inner.analyze({ ...page, source }, params, options);
      } finally {
        stats.inFlight--;
      }
    },
    close: () => inner.close(),
  };
  return { analyzer, stats };
}

describe('analyzeFiles on a pool', { timeout: 120_000 }, () => {
  let pool: LayoutPool;
  let dir: string;
  before(async () => {
    // One CPU worker, batch 1, slow pages: capacity 1, so the page window is 2.
    pool = await createPool({ config: poolConfig({ maxBatch: 1, maxRetries: 0 }), modelPath: fixtureModel(), workerEntry: faultyWorkers({ 0: { delayMsPerPage: 60 } }) });
    await pool.ready();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-files-'));
  });
  after(() => pool.close());

  it('keeps pages in flight over all files within one window (files in flight do not multiply it)', async () => {
    const files = await Promise.all(['a', 'b', 'c', 'd'].map((n) => writePdf(dir, `${n}.pdf`, 3)));
    const { analyzer, stats } = instrumented(poolAnalyzer(pool));
    const outcomes = await analyzeFiles(files, { analyzer, limits, params: {} });
    assert.deepEqual(outcomes.map((o) => o.error), [undefined, undefined, undefined, undefined]);
    assert.equal(outcomes.reduce((n, o) => n + o.pages.length, 0), 12);
    assert.ok(stats.peak >= 2, `the window was used: peak ${stats.peak}`);
    assert.ok(stats.peak <= 2, `at most 2 pages in flight, saw ${stats.peak}`);
  });

  it('a page failing in a worker fails its file alone, cancels its other pages, leaves nothing unhandled', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: '#808080' } }).png().toBuffer();
      const files = [await writePdf(dir, 'bad.pdf', 10), await writePdf(dir, 'good.pdf', 3)];
      const { analyzer, stats } = instrumented(poolAnalyzer(pool), { name: 'bad.pdf', bytes: png.subarray(0, 40) });
      const before = pool.snapshot();
      const [bad, good] = await analyzeFiles(files, { analyzer, limits, params: {} });
      assert.match(bad!.error ?? '', /LAYOUT_ERR_IMAGE_CORRUPT/);
      assert.equal(good!.error, undefined);
      assert.equal(good!.pages.length, 3);
      assert.ok((stats.started.get('bad.pdf') ?? 0) < 10, `bad.pdf's later pages were never started (${stats.started.get('bad.pdf')} were)`);
      const after = pool.snapshot();
      const settled = (s: typeof after): number => s.completed + s.failed + s.aborted;
      assert.equal(settled(after) - settled(before), (stats.started.get('bad.pdf') ?? 0) + 3, 'every page sent settled');
      // Every page's promise has settled (counted above); an unhandled rejection is reported
      // once the microtasks drain, so one turn of the event loop is enough to see it.
      await new Promise((resolve) => setImmediate(resolve));
      assert.deepEqual(unhandled, []);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('returns outcomes in input order while files finish in any order', async () => {
    // One page each, so the held file takes one slot of the window of 2 and the other file the other.
    const long = await writePdf(dir, 'long.pdf', 1);
    const short = await writePdf(dir, 'short.pdf', 1);
    // long.pdf's page waits until short.pdf is done, so the files surely finish out of order.
    let shortDone!: () => void;
    const until = new Promise<void>((resolve) => { shortDone = resolve; });
    const { analyzer } = instrumented(poolAnalyzer(pool), undefined, { name: 'long.pdf', until });
    const finished: string[] = [];
    const outcomes = await analyzeFiles([long, short], {
      analyzer, limits, params: {},
      onFile: async (outcome) => {
        finished.push(outcome.file.relative);
        if (outcome.file.relative === 'short.pdf') shortDone();
      },
    });
    assert.deepEqual(finished, ['short.pdf', 'long.pdf']);
    assert.deepEqual(outcomes.map((o) => o.file.relative), ['long.pdf', 'short.pdf']);
    assert.deepEqual(outcomes.map((o) => [o.error, o.pages.length]), [[undefined, 1], [undefined, 1]]);
  });
});
