/**
 * Back-pressure over real sockets: a full queue answers 429 with Retry-After, a missed deadline
 * 504, and a client that hangs up gets its queued page removed from the pool. One CPU worker
 * taking one page at a time, slowed by the pool's test hook, so later requests really wait.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { oneBatchAtATime } from '../fixtures/one-batch-devices.js';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('queue limits, deadlines and disconnects', { timeout: 180_000 }, () => {
  let server: TestServer;
  let big: ReturnType<typeof multipart>;
  let small: ReturnType<typeof multipart>;
  before(async () => {
    server = await startServer({
      listen: true,
      // One batch at a time (stages not overlapped): none queued ahead in the worker's pipeline,
      // so the second page waits in the pool's queue.
      config: { maxQueue: 1, maxBatch: 1 },
      devices: oneBatchAtATime(),
      // Every page holds the only worker for 1.5 s: long enough for the steps below, on any machine.
      faults: { 0: { delayMsPerPage: 1_500 } },
    });
    big = multipart([{ name: 'first.png', bytes: await whitePage(400, 400) }]);
    small = multipart([{ name: 'small.png', bytes: await whitePage(200, 200) }]);
  });
  after(() => server.close());

  const post = (body: ReturnType<typeof multipart>, query = '', signal?: AbortSignal) =>
    request(`${server.url}/v1/layout${query}`, { method: 'POST', headers: body.headers, body: body.payload, signal }).then(async (res) => ({
      status: res.statusCode,
      headers: res.headers,
      body: await res.body.text(),
    }));
  const busy = () => server.pool.snapshot().devices.reduce((n, d) => n + d.inflight, 0) >= 1;

  it('429 with Retry-After when the queue is full; the queued work still completes', async () => {
    const before = server.pool.snapshot();
    const first = post(big);
    await waitFor(busy, 'the worker to be busy');
    const second = post(big);
    await waitFor(() => server.pool.snapshot().queueDepth >= 1, 'a page in the queue');
    const third = await post(small);
    assert.equal(third.status, 429, third.body);
    assert.equal(json<{ error: { code: string } }>(third.body).error.code, 'LAYOUT_ERR_POOL_QUEUE_FULL');
    assert.ok(Number(third.headers['retry-after']) >= 1);
    assert.equal((await first).status, 200);
    assert.equal((await second).status, 200);
    // One running, one queued (maxQueue 1): only the third was refused, and both others ran.
    const after = server.pool.snapshot();
    assert.equal(after.rejected - before.rejected, 1);
    assert.equal(after.accepted - before.accepted, 2);
    assert.equal(after.completed - before.completed, 2);
  });

  it('504 when a request waits past its deadline', async () => {
    const before = server.pool.snapshot();
    const first = post(big);
    await waitFor(busy, 'the worker to be busy');
    const late = await post(small, '?timeoutMs=20');
    assert.equal(late.status, 504, late.body);
    assert.equal(json<{ error: { code: string } }>(late.body).error.code, 'LAYOUT_ERR_DEADLINE_EXCEEDED');
    assert.equal((await first).status, 200);
    const after = server.pool.snapshot();
    assert.equal(after.timedOut - before.timedOut, 1);
    assert.equal(after.completed - before.completed, 1);
  });

  it('a client that disconnects has its queued page removed, not run', async () => {
    const before = server.pool.snapshot();
    const first = post(big);
    await waitFor(busy, 'the worker to be busy');
    const controller = new AbortController();
    const gone = post(small, '', controller.signal).catch((err: unknown) => err);
    await waitFor(() => server.pool.snapshot().queueDepth >= 1, 'the page in the queue');
    controller.abort();
    assert.ok((await gone) instanceof Error, 'the client saw its own abort');
    await waitFor(() => server.pool.snapshot().aborted > before.aborted, 'the pool to count the abort');
    assert.equal(server.pool.snapshot().queueDepth, 0);
    assert.equal((await first).status, 200);
    const after = server.pool.snapshot();
    assert.equal(after.completed - before.completed, 1, 'only the first page ran');
    assert.equal(after.aborted - before.aborted, 1);
  });
});
