/**
 * A body over the upload limit is answered 413 while the client is still sending it; the server
 * then reads and discards the rest (within a bound) instead of closing under the client's writes,
 * so a client that writes its whole body before reading sees the 413, not EPIPE, and its
 * connection stays usable. A client sending far past the bound is still cut.
 */
import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { multipart, startServer, type TestServer } from './helpers.js';

const LIMIT_MB = 1;
const OVER = 2 * 1024 * 1024;

interface Response { status: number; headers: string; body: string }

/** Reads one HTTP response (content-length framed) from the socket. */
function readResponse(socket: net.Socket): Promise<Response> {
  return new Promise((resolve, reject) => {
    let buffered = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = buffered.subarray(0, end).toString();
      const length = Number(/content-length: (\d+)/i.exec(headers)?.[1] ?? 0);
      if (buffered.length < end + 4 + length) return;
      cleanup();
      resolve({ status: Number(headers.split(' ')[1]), headers, body: buffered.subarray(end + 4, end + 4 + length).toString() });
    };
    const onClose = (): void => {
      cleanup();
      reject(new Error(`closed before a whole response; got ${JSON.stringify(buffered.toString().slice(0, 200))}`));
    };
    const cleanup = (): void => {
      socket.off('data', onData);
      socket.off('close', onClose);
    };
    socket.on('data', onData);
    socket.on('close', onClose);
  });
}

/** Writes the whole request, resolving once every byte went out (rejects on EPIPE/ECONNRESET). */
function writeAll(socket: net.Socket, head: string, body: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.write(head);
    socket.write(body, (err) => (err ? reject(err) : resolve()));
  });
}

function connect(url: string): Promise<net.Socket> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => resolve(socket));
    socket.once('error', reject);
  });
}

describe('over-limit bodies get their 413, not EPIPE', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    // The shedder is off: this loaded test machine must not turn a 413 into a 503.
    server = await startServer({ listen: true, config: { maxUploadMb: LIMIT_MB, eventLoopLagMs: 0 } });
  });
  after(() => server.close());

  const json = Buffer.from(JSON.stringify({ image: Buffer.alloc(OVER, 7).toString('base64') }));
  const form = multipart([{ name: 'big.png', bytes: Buffer.alloc(OVER, 7) }]);
  const cases: Array<{ name: string; path: string; type: string; body: Buffer }> = [
    { name: 'a raw body', path: '/v1/layout', type: 'application/octet-stream', body: Buffer.alloc(OVER, 7) },
    { name: 'a base64 JSON body', path: '/layout-parsing', type: 'application/json', body: json },
    { name: 'a multipart body', path: '/v1/layout', type: form.headers['content-type']!, body: form.payload },
  ];

  for (const c of cases) {
    it(`${c.name}: a client that writes everything before reading gets 413, and the connection serves the next request`, async () => {
      const socket = await connect(server.url!);
      try {
        const response = readResponse(socket);
        await writeAll(socket, `POST ${c.path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: ${c.type}\r\nContent-Length: ${c.body.length}\r\n\r\n`, c.body);
        const refused = await response;
        assert.equal(refused.status, 413, refused.body);
        assert.match(refused.body, /LAYOUT_ERR_UPLOAD_TOO_LARGE/);
        assert.doesNotMatch(refused.headers, /connection: close/i);
        const next = readResponse(socket);
        socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n');
        assert.equal((await next).status, 200);
      } finally {
        socket.destroy();
      }
    });
  }

  it('a chunked raw body over the limit: 413 after the whole body, no EPIPE', async () => {
    const socket = await connect(server.url!);
    try {
      const response = readResponse(socket);
      const chunk = Buffer.alloc(256 * 1024, 1);
      const pieces: Buffer[] = [];
      for (let sent = 0; sent < OVER; sent += chunk.length) pieces.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
      pieces.push(Buffer.from('0\r\n\r\n'));
      await writeAll(socket, 'POST /v1/layout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/pdf\r\nTransfer-Encoding: chunked\r\n\r\n', Buffer.concat(pieces));
      assert.equal((await response).status, 413);
    } finally {
      socket.destroy();
    }
  });

  it('a client sending far more than the discard bound is cut after its 413', async () => {
    const socket = await connect(server.url!);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    // Its 413 was sent first, but the reset that cuts it may discard it on the client's side.
    void readResponse(socket).catch(() => undefined);
    const huge = 64 * 1024 * 1024;
    socket.write(`POST /v1/layout HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/octet-stream\r\nContent-Length: ${huge}\r\n\r\n`);
    let written = 0;
    const block = Buffer.alloc(1024 * 1024, 1);
    const pump = (): void => {
      while (written < huge && !socket.destroyed) {
        written += block.length;
        if (!socket.write(block)) return void socket.once('drain', pump);
      }
    };
    pump();
    await closed;
    assert.ok(written < huge, `the server read all ${written} bytes`);
  });
});
