/**
 * Callbacks against real loopback receivers: the SSRF guard refuses loopback, link-local, private
 * and reserved addresses unless allowed (IP literals and resolved names alike, and again at
 * connect time); an attempt is bounded as a whole, so a receiver that answers 200 and then
 * trickles its body is cut; every attempt's outcome is reported.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import type { AddressInfo, Socket } from 'node:net';
import { describe, it } from 'node:test';
import { CallbackGuard, notifyCallback, type CallbackAttempt } from '../../src/jobs/index.js';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function receiver(handler: Handler): Promise<{ url: string; sockets: Socket[]; requests: () => number; close: () => Promise<void> }> {
  const sockets: Socket[] = [];
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests += 1;
    handler(req, res);
  });
  server.on('connection', (socket: Socket) => {
    sockets.push(socket);
    // The client cutting a trickling answer resets the connection: expected here.
    socket.on('error', () => undefined);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    sockets,
    requests: () => requests,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('callback SSRF guard', () => {
  it('refuses loopback, link-local, private and reserved addresses by default, allows public ones', () => {
    const guard = new CallbackGuard();
    for (const address of ['127.0.0.1', '127.9.9.9', '10.0.0.5', '172.20.1.1', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd12::1', '::ffff:127.0.0.1', '::ffff:a00:1']) {
      assert.equal(guard.allows(address), false, address);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '2606:4700:4700::1111']) assert.equal(guard.allows(address), true, address);
    assert.equal(guard.allows('not-an-ip'), false);
  });

  it('lets the operator allow exact ranges, and rejects a malformed allow list', () => {
    const guard = new CallbackGuard(' 127.0.0.1/32 , fd00::/8,192.168.7.7');
    assert.equal(guard.allows('127.0.0.1'), true);
    assert.equal(guard.allows('127.0.0.2'), false);
    assert.equal(guard.allows('fd00::9'), true);
    assert.equal(guard.allows('192.168.7.7'), true);
    assert.equal(guard.allows('192.168.7.8'), false);
    for (const bad of ['localhost', '10.0.0.0/33', '10.0.0.0/8/1', '10.0.0.0/x', '::1/129']) {
      assert.throws(() => new CallbackGuard(bad), /--callback-allow/, bad);
    }
  });

  it('checks every address a host name resolves to, and again in the connection\'s lookup', async () => {
    const guard = new CallbackGuard();
    await assert.rejects(guard.check('http://localhost:9/hook'), /localhost \(127\.0\.0\.1\).*--callback-allow/);
    await assert.rejects(guard.check('http://[::ffff:10.0.0.1]/'), /--callback-allow/);
    const lookedUp = await new Promise<{ err: Error | null; address: unknown }>((resolve) => {
      guard.lookup('localhost', { all: true }, (err, address) => resolve({ err, address }));
    });
    assert.match(String(lookedUp.err?.message), /--callback-allow/);
    const allowed = new CallbackGuard('127.0.0.1/32');
    await allowed.check('http://localhost:9/hook');
    const pinned = await new Promise<{ err: Error | null; address: unknown }>((resolve) => {
      allowed.lookup('localhost', { all: true }, (err, address) => resolve({ err, address }));
    });
    assert.equal(pinned.err, null);
    assert.deepEqual(pinned.address, [{ address: '127.0.0.1', family: 4 }]);
  });

  it('a refused callback is never sent, not retried, and its attempt is reported', async () => {
    const r = await receiver((_req, res) => res.end('ok'));
    try {
      const attempts: CallbackAttempt[] = [];
      const outcome = await notifyCallback(r.url, { id: 'j' }, { attempts: 3, backoffMs: 1, onAttempt: (a) => attempts.push(a) });
      assert.equal(outcome.delivered, false);
      assert.equal(outcome.attempts, 1);
      assert.match(String(outcome.lastError), /--callback-allow/);
      assert.equal(r.sockets.length, 0, 'no connection was made');
      assert.deepEqual(attempts.map((a) => a.outcome), ['refused']);
    } finally {
      await r.close();
    }
  });
});

describe('callback attempts are bounded', () => {
  const guard = new CallbackGuard('127.0.0.1/32');

  it('a receiver that answers 200 then trickles its body is cut when the attempt\'s time is up', { timeout: 30_000 }, async () => {
    let ticker: NodeJS.Timeout | undefined;
    const r = await receiver((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        // One byte now and then: never silent long enough for a body (idle) timeout to fire.
        ticker = setInterval(() => res.writable && res.write('.'), 20);
        res.on('close', () => clearInterval(ticker));
      });
    });
    try {
      const attempts: CallbackAttempt[] = [];
      const outcome = await notifyCallback(r.url, { id: 'j' }, { guard, timeoutMs: 300, onAttempt: (a) => attempts.push(a) });
      assert.equal(outcome.delivered, true, 'the 200 counts: the body is only read to be discarded');
      assert.deepEqual(attempts.map((a) => [a.outcome, a.status]), [['delivered', 200]]);
      // The socket to the receiver is closed, not held open by the trickle.
      const socket = r.sockets[0]!;
      // (not events.once: it would reject on the reset the cut causes)
      if (!socket.destroyed) await new Promise((resolve) => socket.once('close', resolve));
      assert.equal(socket.destroyed, true);
    } finally {
      clearInterval(ticker);
      await r.close();
    }
  });

  it('a receiver that never answers fails each attempt within its time, and is retried', { timeout: 30_000 }, async () => {
    const r = await receiver((req) => req.resume());
    try {
      const attempts: CallbackAttempt[] = [];
      const outcome = await notifyCallback(r.url, { id: 'j' }, { guard, attempts: 2, backoffMs: 1, timeoutMs: 200, onAttempt: (a) => attempts.push(a) });
      assert.equal(outcome.delivered, false);
      assert.equal(r.requests(), 2);
      assert.deepEqual(attempts.map((a) => a.outcome), ['failed', 'failed']);
      assert.match(String(attempts[0]!.error), /no answer within 200 ms/);
    } finally {
      await r.close();
    }
  });

  it('a 4xx is a refusal (not retried), a 5xx is retried, and each is reported with its status', async () => {
    let hits = 0;
    const r = await receiver((req, res) => {
      req.resume();
      hits += 1;
      res.statusCode = hits === 1 ? 503 : 404;
      res.end('no');
    });
    try {
      const attempts: CallbackAttempt[] = [];
      const outcome = await notifyCallback(r.url, { id: 'j' }, { guard, attempts: 5, backoffMs: 1, onAttempt: (a) => attempts.push(a) });
      assert.deepEqual([outcome.delivered, outcome.attempts, outcome.lastStatus], [false, 2, 404]);
      assert.deepEqual(attempts.map((a) => [a.outcome, a.status]), [['failed', 503], ['refused', 404]]);
    } finally {
      await r.close();
    }
  });
});
