/**
 * Slow clients cannot hold connections open: headers must arrive within headersTimeoutMs and the
 * whole request within uploadTimeoutMs, after which the server answers 408 in the JSON error
 * shape and closes the connection. Small configured timeouts keep the test fast; the defaults are
 * sized for large uploads on slow links (README, configuration).
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { multipart, startServer, whitePage, type TestServer } from './helpers.js';

const HEADERS_MS = 300;
const UPLOAD_MS = 1_200;

interface Exchange { readonly text: string; readonly closedAfterMs: number }

/** Opens a raw connection, lets `feed` write to it, and collects everything until the server closes it. */
function exchange(url: string, feed: (socket: net.Socket) => void, giveUpMs = 10_000): Promise<Exchange> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const socket = net.connect(Number(port), hostname);
    let text = '';
    const guard = setTimeout(() => { socket.destroy(); reject(new Error(`still open after ${giveUpMs} ms; got ${JSON.stringify(text)}`)); }, giveUpMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => { text += chunk; });
    socket.on('error', () => { /* a reset after the answer is fine: 'close' follows */ });
    socket.on('close', () => { clearTimeout(guard); resolve({ text, closedAfterMs: Date.now() - started }); });
    socket.on('connect', () => feed(socket));
  });
}

/**
 * Posts `body` to /v1/layout over a raw connection: the headers at once, then `chunkBytes` every
 * `everyMs` (a slow or trickling client), and collects the answer until the server closes.
 */
function trickleUpload(url: string, body: { headers: Record<string, string>; payload: Buffer }, chunkBytes: number, everyMs: number, giveUpMs?: number, extraHeaders = ''): Promise<Exchange> {
  let timer: NodeJS.Timeout | undefined;
  return exchange(url, (socket) => {
    socket.write(`POST /v1/layout HTTP/1.1\r\nHost: localhost\r\n${extraHeaders}Content-Type: ${body.headers['content-type']}\r\nContent-Length: ${body.payload.length}\r\n\r\n`);
    let sent = 0;
    timer = setInterval(() => {
      if (socket.destroyed || sent >= body.payload.length) return clearInterval(timer);
      socket.write(body.payload.subarray(sent, sent + chunkBytes));
      sent += chunkBytes;
    }, everyMs);
  }, giveUpMs).finally(() => clearInterval(timer));
}

function errorCodeOf(response: string): string {
  const body = response.slice(response.indexOf('\r\n\r\n') + 4);
  return (JSON.parse(body) as { error: { code: string } }).error.code;
}

describe('slow clients are bounded', { timeout: 60_000 }, () => {
  let server: TestServer;
  let png: Buffer;
  before(async () => {
    server = await startServer({ listen: true, config: { headersTimeoutMs: HEADERS_MS, uploadTimeoutMs: UPLOAD_MS } });
    png = await whitePage(200, 200);
  });
  after(() => server.close());

  it('half a header gets 408 LAYOUT_ERR_REQUEST_TIMEOUT soon after headersTimeoutMs, and the connection closes', async () => {
    const res = await exchange(server.url!, (socket) => socket.write('POST /v1/layout HTTP/1.1\r\nHost: localhost\r\nX-Slow: '));
    assert.match(res.text, /^HTTP\/1\.1 408 /);
    assert.equal(errorCodeOf(res.text), 'LAYOUT_ERR_REQUEST_TIMEOUT');
    assert.ok(res.closedAfterMs >= HEADERS_MS && res.closedAfterMs < HEADERS_MS + 2_000, `closed after ${res.closedAfterMs} ms`);
  });

  it('a body dribbling at 10 B/s is cut at uploadTimeoutMs with a 408', async () => {
    const body = multipart([{ name: 'page.png', bytes: png }]);
    const res = await trickleUpload(server.url!, body, 1, 100);
    assert.match(res.text, /^HTTP\/1\.1 408 /);
    assert.equal(errorCodeOf(res.text), 'LAYOUT_ERR_REQUEST_TIMEOUT');
    assert.ok(res.closedAfterMs >= UPLOAD_MS && res.closedAfterMs < UPLOAD_MS + 2_000, `closed after ${res.closedAfterMs} ms`);
  });

  it('several slow clients at once are all disconnected, and a normal request still succeeds', async () => {
    const slow = Array.from({ length: 3 }, () => exchange(server.url!, (socket) => socket.write('GET /v1/status HTTP/1.1\r\nHost: l')));
    const ok = await fetch(`${server.url}/v1/status`);
    assert.equal(ok.status, 200);
    for (const res of await Promise.all(slow)) assert.match(res.text, /^HTTP\/1\.1 408 /);
  });
});

describe('a minimum upload rate cuts tricklers, not slow honest links', { timeout: 60_000 }, () => {
  let server: TestServer;
  let png: Buffer;
  before(async () => {
    // The upload timeout is far away: only the rate rule can cut these clients in time.
    server = await startServer({ listen: true, config: { uploadTimeoutMs: 120_000, minUploadBytesPerS: 1_000, uploadRateWindowMs: 1_000, eventLoopLagMs: 0 } });
    png = await whitePage(200, 200);
  });
  after(() => server.close());

  it('a body trickling a byte every 50 ms (20 B/s) gets 408 naming the rate, long before the upload timeout', async () => {
    const body = multipart([{ name: 'page.png', bytes: png }]);
    const res = await trickleUpload(server.url!, body, 1, 50, 30_000);
    assert.match(res.text, /^HTTP\/1\.1 408 /);
    assert.equal(errorCodeOf(res.text), 'LAYOUT_ERR_REQUEST_TIMEOUT');
    assert.match(res.text, /B\/s over 1000 ms, below the minimum of 1000 B\/s/);
  });

  it('a slow but steady upload (20 KB/s, 20× the floor) is analysed', async () => {
    const body = multipart([{ name: 'page.png', bytes: png }], { note: 'x'.repeat(40_000) });
    const res = await trickleUpload(server.url!, body, 1_000, 50, 30_000, 'Connection: close\r\n');
    assert.match(res.text, /^HTTP\/1\.1 200 /, res.text.slice(0, 300));
  });
});
