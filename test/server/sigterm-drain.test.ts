/**
 * `doclayout serve` as a real child process: SIGTERM while requests are in flight must stop new
 * work (readiness 503 / connection refused), let every in-flight request finish with 200, and
 * exit 0. An upload still arriving at SIGTERM is not accepted work: it is answered 503
 * LAYOUT_ERR_POOL_CLOSED with `connection: close` at once (and logged so) instead of holding
 * shutdown until the drain timeout.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { request } from 'undici';
import { multipart, tempDataDir, whitePage } from './helpers.js';
import { repoRoot } from '../fixtures/paths.js';
import { startServe, waitFor } from '../helpers/serve-child.js';

const cli = path.join(repoRoot, 'dist/src/cli/index.js');

/** A server whose drain waits up to `drainTimeoutMs`, in a data directory of its own. */
const startDrainingServe = (drainTimeoutMs = 60_000) => startServe({}, ['--drain-timeout-ms', String(drainTimeoutMs), '--data-dir', tempDataDir()]);

describe('SIGTERM drain', { timeout: 180_000 }, () => {
  let child: ChildProcess | undefined;
  after(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('finishes every in-flight request with 200, refuses new work, exits 0', async () => {
    const started = await startDrainingServe();
    child = started.child;
    const { url } = started;
    await waitFor(async () => (await request(`${url}/readyz`)).statusCode === 200, 'readiness');

    // Big pages keep the single one-thread CPU worker busy for a few seconds.
    const body = multipart([{ name: 'big.png', bytes: await whitePage(6000, 6000) }]);
    const inflight = Array.from({ length: 6 }, () =>
      request(`${url}/v1/layout`, { method: 'POST', headers: body.headers, body: body.payload }).then(async (res) => ({ status: res.statusCode, body: await res.body.text() })),
    );
    await waitFor(async () => {
      const status = (await (await request(`${url}/v1/status`)).body.json()) as { accepted: number; completed: number };
      return status.accepted >= 2 && status.completed < status.accepted;
    }, 'work in flight');

    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    // New work is refused from now on: 503, or the connection is not accepted at all.
    await waitFor(async () => {
      const res = await request(`${url}/readyz`).catch(() => undefined);
      if (!res) return true;
      await res.body.text();
      return res.statusCode === 503;
    }, 'readiness to fail after SIGTERM', 10_000);

    const results = await Promise.all(inflight);
    for (const r of results) {
      assert.equal(r.status, 200, r.body);
      assert.equal((JSON.parse(r.body) as { input: { width: number } }).input.width, 6000);
    }
    assert.equal(await exited, 0, started.output());
    const log = started.output();
    assert.match(log, /"msg":"draining"/);
    assert.match(log, /"msg":"stopped"/);
    // Work really was in flight at SIGTERM: answers went out after draining began.
    const afterDrain = log.slice(log.indexOf('"msg":"draining"'));
    assert.match(afterDrain, /"statusCode":200[^\n]*"msg":"request completed"/);
    assert.match(log, /"reqId":/, 'request logs carry a request id');
    assert.ok(fs.existsSync(cli));
  });

  it('cuts an upload still arriving, answers the accepted request and exits 0 long before the drain timeout', async () => {
    const drainTimeoutMs = 30_000;
    const started = await startDrainingServe(drainTimeoutMs);
    child = started.child;
    const { url } = started;
    await waitFor(async () => (await request(`${url}/readyz`)).statusCode === 200, 'readiness');

    // Accepted work: a whole request, in the queue or on the worker at SIGTERM.
    const whole = multipart([{ name: 'whole.png', bytes: await whitePage(6000, 6000) }]);
    const accepted = request(`${url}/v1/layout`, { method: 'POST', headers: whole.headers, body: whole.payload })
      .then(async (res) => ({ status: res.statusCode, body: await res.body.text() }));
    // Not accepted: headers and the first bytes of a body that then trickles in at 10 B/s.
    const slowBody = multipart([{ name: 'slow.png', bytes: await whitePage(400, 400) }]);
    const { port } = new URL(url);
    const slow = net.connect(Number(port), '127.0.0.1');
    slow.on('error', () => { /* the cut may arrive as a reset */ });
    let slowAnswer = '';
    slow.on('data', (chunk: Buffer) => (slowAnswer += chunk.toString()));
    const slowClosed = new Promise<number>((resolve) => slow.once('close', () => resolve(Date.now())));
    slow.write(`POST /v1/layout HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${slowBody.headers['content-type']}\r\nContent-Length: ${slowBody.payload.length}\r\n\r\n`);
    slow.write(slowBody.payload.subarray(0, 200));
    let sent = 200;
    const trickle = setInterval(() => {
      if (!slow.destroyed) slow.write(slowBody.payload.subarray(sent, (sent += 1)));
    }, 100);
    try {
      // Both requests have reached the server.
      await waitFor(async () => (started.output().match(/"url":"\/v1\/layout"[^\n]*"msg":"incoming request"/g) ?? []).length >= 2, 'both requests to arrive', 20_000);
      await waitFor(async () => {
        const status = (await (await request(`${url}/v1/status`)).body.json()) as { accepted: number; completed: number };
        return status.accepted >= 1 && status.completed < status.accepted;
      }, 'the whole request in flight');

      const exited = new Promise<{ code: number | null; at: number }>((resolve) => child!.once('exit', (code) => resolve({ code, at: Date.now() })));
      const signalledAt = Date.now();
      child.kill('SIGTERM');
      const slowClosedAt = await slowClosed;
      assert.ok(slowClosedAt - signalledAt < 2_000, `the slow upload was closed ${slowClosedAt - signalledAt} ms after SIGTERM`);
      // It was told why, and the log says what happened (not a 400 "aborted").
      assert.match(slowAnswer, /^HTTP\/1\.1 503 /, slowAnswer);
      assert.match(slowAnswer, /connection: close/i);
      assert.match(slowAnswer, /LAYOUT_ERR_POOL_CLOSED/);
      const answer = await accepted;
      assert.equal(answer.status, 200, answer.body);
      const { code, at } = await exited;
      assert.equal(code, 0, started.output());
      assert.ok(at - signalledAt < drainTimeoutMs / 2, `exited ${at - signalledAt} ms after SIGTERM`);
      assert.doesNotMatch(started.output(), /drain timeout/);
      assert.match(started.output(), /"code":"LAYOUT_ERR_POOL_CLOSED","status":503[^\n]*"msg":"request refused"/);
      assert.doesNotMatch(started.output(), /"code":"LAYOUT_ERR_INVALID_PARAM"[^\n]*aborted/);
    } finally {
      clearInterval(trickle);
      slow.destroy();
    }
  });
});
