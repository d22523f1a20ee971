/**
 * The SQLite job store and the embedded jobs over it, in process: a page is stored once; TTL
 * expiry removes rows and files; uploads no job owns are removed at open; one store per
 * directory; a callback that failed before a restart is delivered after it, with the same
 * Idempotency-Key; and a full disk (a small tmpfs, where this test may mount one) answers 507
 * LAYOUT_ERR_STORAGE_FULL, loses nothing accepted, and serves again once space returns.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteJobStore } from '../../src/jobs/index.js';
import { exportDocument } from '../../src/export/index.js';
import { richPage } from '../export/sample-results.js';
import { json, multipart, startServer, tempDataDir, twoPagePdf, whitePage, type TestServer } from '../server/helpers.js';
import { taggedPdf, waitUntil } from './serve-process.js';
import { fillToLastByte, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';
import { longestHoldMs, threadCpuMs } from '../helpers/loop-hold.js';

const options = { params: {}, pdfDpi: 144, maxPdfPages: 0 };
const result = (page: number) => ({ regions: [], input: { name: 'a.png', page, width: 10, height: 10 } }) as never;

describe('SQLite job store', () => {
  it('stores a page once, expires finished jobs with their files, removes orphan uploads, and holds its directory', async () => {
    const dir = tempDataDir();
    const store = await SqliteJobStore.open(dir);
    await store.accept({ id: 'job-a', name: 'a.png', sha256: 'x', options, createdAt: 1 }, new Uint8Array([1, 2, 3]));
    assert.deepEqual([...(await store.upload('job-a'))], [1, 2, 3]);
    assert.equal(await store.start('job-a'), true);
    assert.equal(await store.storePage('job-a', { page: 1, ok: true, result: result(1) }), true);
    assert.equal(await store.storePage('job-a', { page: 1, ok: true, result: result(1) }), false, 'a page is stored once');
    assert.deepEqual([...(await store.donePages('job-a'))], [1]);
    // A second store on the same directory is refused while this one is open.
    await assert.rejects(SqliteJobStore.open(dir), (err: Error & { code?: string }) => err.code === 'LAYOUT_ERR_DATA_DIR_IN_USE' && err.message.includes(dir));
    assert.equal(await store.finish('job-a', 'completed'), true);
    assert.equal(await store.finish('job-a', 'failed'), false, 'a final state is final');
    assert.equal(fs.existsSync(path.join(dir, 'uploads', 'job-a')), false, 'the upload goes once the job is finished');
    assert.equal(await store.expire(Date.now(), 60_000), 0, 'not yet past its TTL');
    assert.equal(await store.expire(Date.now() + 120_000, 60_000), 1);
    assert.equal(await store.job('job-a'), undefined);
    assert.deepEqual(await store.pages('job-a'), []);
    await store.close();

    // A crash between spooling and recording leaves an upload no job owns: removed at the next open.
    fs.writeFileSync(path.join(dir, 'uploads', 'job-orphan'), 'x');
    const reopened = await SqliteJobStore.open(dir);
    assert.equal(fs.existsSync(path.join(dir, 'uploads', 'job-orphan')), false);
    await reopened.close();
  });
});

/** A callback receiver on loopback that answers `status()` and records each request's key and body. */
async function receiver(status: () => number): Promise<{ url: string; hits: Array<{ key: string | undefined; body: { state?: string } }>; close: () => Promise<void> }> {
  const hits: Array<{ key: string | undefined; body: { state?: string } }> = [];
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      hits.push({ key: req.headers['idempotency-key'] as string | undefined, body: JSON.parse(data) as { state?: string } });
      res.statusCode = status();
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hook`, hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('embedded jobs across a restart', { timeout: 120_000 }, () => {
  it('a callback not delivered before the server stopped is delivered after it, with the same Idempotency-Key', async () => {
    const dir = tempDataDir();
    let answer = 503;
    const hook = await receiver(() => answer);
    let server: TestServer | undefined;
    try {
      server = await startServer({ config: { dataDir: dir, callbackAllow: '127.0.0.1/32' } });
      const res = await server.app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'cb.png', bytes: await whitePage(320, 200) }], { callbackUrl: hook.url }) });
      assert.equal(res.statusCode, 202, res.body);
      const id = json<{ id: string }>(res.body).id;
      await waitUntil(() => hook.hits.length >= 1, 'a first callback attempt', 60_000);
      await server.close();
      answer = 200;
      server = await startServer({ config: { dataDir: dir, callbackAllow: '127.0.0.1/32' } });
      await waitUntil(() => hook.hits.length >= 2, 'the callback delivered after the restart', 60_000);
      assert.equal(hook.hits.at(-1)!.body.state, 'completed');
      assert.deepEqual(new Set(hook.hits.map((h) => h.key)), new Set([`${id}:completed`]), 'one key on every attempt');
      const after = json<{ state: string }>((await server.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body);
      assert.equal(after.state, 'completed', 'the job outlived the restart');
    } finally {
      await server?.close();
      await hook.close();
    }
  });
});

describe('a large finished job', { timeout: 120_000 }, () => {
  it('exports 1,000 pages as PAGE, ALTO and COCO without holding the event loop', async (t) => {
    const dir = tempDataDir();
    const store = await SqliteJobStore.open(dir);
    await store.accept({ id: 'job-big', name: 'big.pdf', sha256: 'x', options, createdAt: Date.now() }, new Uint8Array([1]));
    await store.start('job-big');
    await store.opened('job-big', 1000, true);
    const rich = richPage();
    const pages = Array.from({ length: 1000 }, (_, i) => ({ ...rich, input: { ...rich.input, name: 'big.pdf', page: i + 1 } }));
    for (const [i, result] of pages.entries()) await store.storePage('job-big', { page: i + 1, ok: true, result });
    await store.finish('job-big', 'completed');
    await store.close();
    const server = await startServer({ config: { dataDir: dir } });
    try {
      // A first read (as JSON) warms what every format's request does first: parse 1,000 stored rows.
      assert.equal((await server.app.inject({ method: 'GET', url: '/v1/jobs/job-big' })).statusCode, 200);
      const heldMs = await longestHoldMs(async () => {
        for (const format of ['page', 'alto', 'coco']) {
          const res = await server.app.inject({ method: 'GET', url: `/v1/jobs/job-big?format=${format}` });
          assert.equal(res.statusCode, 200, res.body.slice(0, 200));
          // A 1,000-page document in each format (COCO may come zipped): far from empty.
          assert.ok(res.rawPayload.byteLength > 10_000, `${format}: ${res.rawPayload.byteLength} bytes`);
        }
      });
      // What holding the loop costs: the costliest format written on it, by this thread for the first
      // time (when the route exported on the loop, it is no longer the first: cheaper, a lower bar).
      const started = threadCpuMs();
      exportDocument('page', { name: 'big.pdf', isPdf: true, pages });
      const onLoopMs = threadCpuMs() - started;
      t.diagnostic(`loop held at most ${heldMs.toFixed(0)} ms of CPU; PAGE-XML on the loop costs ${onLoopMs.toFixed(0)} ms`);
      // Measured in CPU time on both sides, so a loaded machine stretches neither: an export on the
      // loop holds it for all of onLoopMs; off it, the loop only reads rows and hands them over.
      assert.ok(heldMs < onLoopMs / 2, `the event loop was held ${heldMs.toFixed(0)} ms (the export on it: ${onLoopMs.toFixed(0)} ms)`);
    } finally {
      await server.close();
    }
  });
});

const tmpfs = mountTmpfs(8 * 1024);

describe('a full disk under the data directory', { skip: tmpfs.skip, timeout: 180_000 }, () => {
  const mountDir = tmpfs.dir;
  after(() => unmountTmpfs(tmpfs));

  it('answers 507 with Retry-After, loses nothing accepted, and serves again once space returns', async () => {
    const server = await startServer({ config: { dataDir: mountDir } });
    try {
      const submit = async (bytes: Buffer, name: string) => server.app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: bytes.toString('base64'), name } });
      // Accepted before the disk fills: its pages are stored while the disk is full, or after.
      const before = await submit(await taggedPdf('before', 6), 'before.pdf');
      assert.equal(before.statusCode, 202, before.body);
      const beforeId = json<{ id: string }>(before.body).id;
      const filler = fillToLastByte(mountDir);

      const refused = await submit(await twoPagePdf(), 'full.pdf');
      assert.equal(refused.statusCode, 507, refused.body);
      assert.equal(json<{ error: { code: string } }>(refused.body).error.code, 'LAYOUT_ERR_STORAGE_FULL');
      assert.ok(Number(refused.headers['retry-after']) >= 1);

      fs.rmSync(filler);
      const afterRes = await submit(await twoPagePdf(), 'after.pdf');
      assert.equal(afterRes.statusCode, 202, afterRes.body);
      for (const id of [beforeId, json<{ id: string }>(afterRes.body).id]) {
        await waitUntil(async () => json<{ state: string }>((await server.app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body).state === 'completed', `job ${id} completed`, 120_000);
      }
      const done = json<{ pages: Array<{ page: number }> }>((await server.app.inject({ method: 'GET', url: `/v1/jobs/${beforeId}` })).body);
      assert.deepEqual(done.pages.map((p) => p.page), [1, 2, 3, 4, 5, 6], 'every page of the job accepted before the disk filled, once');
    } finally {
      await server.close();
    }
  });
});
