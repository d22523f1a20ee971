/**
 * Closing the server must not wait for connections that carry no request — such as the ones
 * clients and load balancers open ahead of time — while a request in progress still finishes.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { multipart, startServer, whitePage } from './helpers.js';

describe('shutdown and open connections', () => {
  // Node would hold such a socket for its 60 s headers timeout; 20 s means the server closed it.
  it('closes a connection that never sent a request, and finishes the one in progress', { timeout: 20_000 }, async () => {
    const server = await startServer({ listen: true, faults: { 0: { delayMsPerPage: 500 } } });
    const { port } = new URL(server.url!);
    const idle = net.connect(Number(port), '127.0.0.1');
    await new Promise((r) => idle.once('connect', r));
    const idleClosed = new Promise((r) => idle.once('close', r));

    const body = multipart([{ name: 'p.png', bytes: await whitePage(200, 200) }]);
    const inflight = request(`${server.url}/v1/layout`, { method: 'POST', headers: body.headers, body: body.payload });
    let answered = false;
    void inflight.then(() => { answered = true; }, () => { answered = true; });
    while (server.pool.snapshot().accepted < 1) {
      // Answered without reaching the pool (refused): fail now instead of waiting for the timeout.
      if (answered) assert.fail(`the request was answered before the pool accepted it: ${(await inflight).statusCode}`);
      await new Promise((r) => setTimeout(r, 5));
    }

    await server.close();
    await idleClosed;
    const res = await inflight;
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.connection, 'close');
    await res.body.text();
  });
});
