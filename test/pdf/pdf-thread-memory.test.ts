/**
 * Issue 21, the server's own memory after PDF bombs: counting a PDF with 300,000 objects and no
 * xref leaves its PDF thread with a heap of ~100 MiB (an ordinary PDF: ~30). That thread is let go as soon as no PDF
 * task runs (before the caller hears back), instead of being kept 30 s for the next PDF; an
 * ordinary PDF keeps its warm thread. Read from the process's OS thread count (/proc) and the
 * PDF layer's own figures.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { countPdfPages, pdfThreadStats } from '../../src/pdf/index.js';
import { noXrefPdf } from '../fixtures/pdf-bombs.js';
import { twoPagePdf } from '../server/helpers.js';

function osThreads(): number {
  const line = fs.readFileSync('/proc/self/status', 'utf8').split('\n').find((l) => l.startsWith('Threads:'))!;
  return Number(line.split(/\s+/)[1]);
}

describe('PDF threads after a PDF bomb', { timeout: 180_000 }, () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pdf-memory-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  const spool = async (name: string, bytes: Buffer): Promise<string> => {
    const file = path.join(dir, name);
    await fs.promises.writeFile(file, bytes);
    return file;
  };
  const count = (file: string): Promise<number> => countPdfPages({ path: file, name: path.basename(file), maxPixels: 100_000_000, timeoutMs: 120_000 });

  it('an ordinary PDF keeps its warm thread; the bomb\'s bloated thread is gone when its count returns', async () => {
    const threadsBefore = osThreads();
    assert.equal(pdfThreadStats().live, 0);

    assert.equal(await count(await spool('ordinary.pdf', await twoPagePdf())), 2);
    assert.equal(pdfThreadStats().live, 1, 'the thread stays warm for the next PDF');
    assert.equal(pdfThreadStats().heapRecycles, 0, 'an ordinary PDF does not trip the heap limit');
    assert.ok(osThreads() > threadsBefore, 'a warm PDF thread adds OS threads');

    assert.equal(await count(await spool('bomb.pdf', noXrefPdf(300_000))), 1);
    assert.equal(pdfThreadStats().heapRecycles, 1);
    assert.equal(pdfThreadStats().live, 0, 'the bloated thread was let go');
    assert.equal(osThreads(), threadsBefore, 'its OS thread has ended');

    // The next PDF gets a fresh thread and is counted as before.
    assert.equal(await count(await spool('after.pdf', await twoPagePdf())), 2);
    assert.equal(pdfThreadStats().live, 1);
  });
});
