/**
 * A worker's open PDFs (OpenDocuments) on real documents, spooled and counted by the document
 * layer: jobs of one document share one open, bounds evict idle entries, entries close when idle,
 * finished or on close() — and every spool file they made is gone afterwards.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { openDocument, type DocumentCounters, type DocumentPages } from '../../src/document/index.js';
import { OpenDocuments } from '../../src/jobs/index.js';

/** Spool folders live here (os.tmpdir() reads TMPDIR), so the test can see every one it made. */
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-opendocs-'));
const spools = (): string[] => fs.readdirSync(tmp).filter((f) => f.startsWith('doclayout-pdf-'));
const limits = { maxPixels: 100_000_000, pdfDpi: 72, maxPdfPages: 0 };

async function pdf(pages: number): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < pages; i++) doc.addPage([200 + i * 10, 260]);
  return doc.save();
}

async function spoolPath(document: DocumentPages, page: number): Promise<string> {
  const source = document.source(page);
  assert.equal(source.kind, 'pdf', 'a PDF page goes out by reference');
  return source.kind === 'pdf' ? source.path : '';
}

describe('open documents', () => {
  const saved = process.env.TMPDIR;
  let counters: DocumentCounters;
  let bytes: Uint8Array[];
  const opener = (i: number) => () => openDocument({ bytes: bytes[i]!, name: `d${i}.pdf` }, undefined, limits, counters);

  before(async () => {
    process.env.TMPDIR = tmp;
    bytes = await Promise.all([pdf(3), pdf(4), pdf(5)]);
  });
  after(() => {
    process.env.TMPDIR = saved;
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('shares one open between concurrent users of a document and keeps it for the next', async () => {
    counters = { spools: 0, pageTreeParses: 0 };
    const docs = new OpenDocuments();
    const [a, b] = await Promise.all([docs.acquire('k0', 'doc-a', 100, opener(0)), docs.acquire('k0', 'doc-b', 100, opener(0))]);
    assert.deepEqual(counters, { spools: 1, pageTreeParses: 1 });
    assert.equal(a.pageCount, 3);
    assert.equal(await spoolPath(a, 2), await spoolPath(b, 3));
    await a.close();
    await a.close();
    await b.close();
    const c = await docs.acquire('k0', 'doc-c', 100, opener(0));
    assert.equal(counters.spools, 1, 'kept open after its users let go');
    await c.close();
    assert.equal(spools().length, 1);
    await docs.close();
    assert.deepEqual(spools(), []);
  });

  it('evicts the least recently used idle document past its count or bytes, never one in use', async () => {
    counters = { spools: 0, pageTreeParses: 0 };
    const docs = new OpenDocuments({ maxDocuments: 2, maxBytes: 250 });
    const closed: string[] = [];
    const waiters: Array<[number, () => void]> = [];
    docs.on('close', (e: { key: string; reason: string }) => {
      closed.push(`${e.key}:${e.reason}`);
      for (const [n, wake] of waiters) if (closed.length >= n) wake();
    });
    /** Resolves once `n` entries have closed in all. */
    const closes = (n: number): Promise<void> => new Promise((wake) => (closed.length >= n ? wake() : waiters.push([n, wake])));

    const held = await docs.acquire('k0', 'd0', 100, opener(0));
    await (await docs.acquire('k1', 'd1', 100, opener(1))).close();
    // Three held, over the count: k1 is the only idle one.
    const k2 = await docs.acquire('k2', 'd2', 10, opener(2));
    await closes(1);
    assert.deepEqual(closed, ['k1:evicted']);
    assert.equal(await held.intact(), true, 'in use: not evicted');
    await held.close();
    await k2.close();
    assert.equal(docs.size, 2, '110 bytes in 2 documents: within bounds');
    // Over the count: k0 goes (let go before k2); 150 bytes in 2 documents then: nothing more.
    const big = await docs.acquire('k1', 'd1', 140, opener(1));
    await closes(2);
    assert.deepEqual(closed, ['k1:evicted', 'k0:evicted']);
    // Over the count: k2 goes; 340 bytes then, over the bytes, but both documents are in use.
    const huge = await docs.acquire('k3', 'd3', 200, opener(0));
    await closes(3);
    assert.equal(docs.size, 2);
    // Let go, k1 is idle and over the bytes: it goes.
    await big.close();
    await closes(4);
    assert.deepEqual(closed.slice(2), ['k2:evicted', 'k1:evicted']);
    assert.equal(counters.spools, 5);
    assert.equal(docs.size, 1);
    await huge.close();
    await docs.close();
    assert.deepEqual(spools(), []);
  });

  it('closes a document idle past its time, and a finished one once its last user lets go', async () => {
    counters = { spools: 0, pageTreeParses: 0 };
    const docs = new OpenDocuments({ idleMs: 20 });
    await (await docs.acquire('k0', 'd0', 100, opener(0))).close();
    // The idle timer does not hold a process open (a worker's queue connections do): this does, meanwhile.
    const keepAlive = setInterval(() => undefined, 1_000);
    const [idle] = await once(docs, 'close').finally(() => clearInterval(keepAlive));
    assert.deepEqual(idle, { key: 'k0', reason: 'idle' });
    assert.deepEqual(spools(), []);

    const slow = new OpenDocuments();
    const inUse = await slow.acquire('k1', 'd1', 100, opener(1));
    const path1 = await spoolPath(inUse, 1);
    slow.finish('d1');
    assert.equal(slow.size, 0, 'no new page gets it');
    assert.ok(fs.existsSync(path1), 'its page still renders from it');
    const closing = once(slow, 'close');
    await inUse.close();
    assert.deepEqual((await closing)[0], { key: 'k1', reason: 'finished' });
    assert.equal(fs.existsSync(path1), false);
    await slow.close();
  });

  it('opens again when the kept spool file is gone, and keeps no failed open', async () => {
    counters = { spools: 0, pageTreeParses: 0 };
    const docs = new OpenDocuments();
    const first = await docs.acquire('k0', 'd0', 100, opener(0));
    const gone = await spoolPath(first, 1);
    await first.close();
    fs.rmSync(path.dirname(gone), { recursive: true });
    assert.equal(await first.intact(), false);
    const again = await docs.acquire('k0', 'd0', 100, opener(0));
    assert.equal(counters.spools, 2);
    const fresh = await spoolPath(again, 1);
    assert.notEqual(fresh, gone);
    assert.ok(fs.existsSync(fresh));
    await again.close();

    let opens = 0;
    const broken = () => {
      opens += 1;
      return openDocument({ bytes: new Uint8Array([0x25, 0x50, 0x44, 0x46, 0x2d, 1, 2, 3]), name: 'broken.pdf' }, undefined, limits, counters);
    };
    await assert.rejects(docs.acquire('kb', 'db', 8, broken), /pdf/i);
    await assert.rejects(docs.acquire('kb', 'db', 8, broken), /pdf/i);
    assert.equal(opens, 2, 'a failed open is not kept');
    await docs.close();
    assert.deepEqual(spools(), [], 'no temp file left behind, broken ones included');
    await assert.rejects(docs.acquire('k0', 'd0', 100, opener(0)), /closed/);
  });
});
