/**
 * Whatever a client sends, the answer is a 4xx in the one JSON shape: malformed multipart bodies,
 * loose layout parameters, impossible page selections, oversized request lines and headers, and a
 * method the route does not take. Real server and pool (CPU worker, fixture model).
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';

interface ErrorJson { error: { code: string; message: string } }

/** A raw HTTP exchange, so the test sees exactly what the server writes (no client retries or limits). */
function rawRequest(url: string, options: { path: string; headers?: Record<string, string> }): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(new URL(options.path, url), { headers: options.headers ?? {} }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * A client that writes its whole request (`first` bytes, then, once the answer is in, the rest in
 * `chunk`-byte pieces) before closing, as curl or a proxy does; what it read and every socket error.
 */
function lateWriter(port: number, request: string, first: number, chunk: number): Promise<{ received: string; errors: string[] }> {
  return new Promise((resolve) => {
    let received = '';
    const errors: string[] = [];
    const socket = net.connect({ port, host: '127.0.0.1', allowHalfOpen: true }, () => {
      socket.write(request.slice(0, first));
      const rest = async (): Promise<void> => {
        while (!received.includes('\r\n\r\n{') && !socket.destroyed) await new Promise((r) => setTimeout(r, 5));
        for (let at = first; at < request.length && !socket.destroyed; at += chunk) {
          socket.write(request.slice(at, at + chunk), (e) => { if (e) errors.push(`write ${(e as NodeJS.ErrnoException).code}`); });
          await new Promise((r) => setTimeout(r, 5));
        }
        socket.end();
      };
      void rest();
    });
    socket.setEncoding('utf8');
    socket.on('data', (text: string) => { received += text; });
    socket.on('error', (e: NodeJS.ErrnoException) => errors.push(String(e.code)));
    socket.on('close', () => resolve({ received, errors }));
  });
}

async function threePagePdf(): Promise<Buffer> {
  const doc = await PDFDocument.create();
  for (let i = 0; i < 3; i++) doc.addPage([300, 400]);
  return Buffer.from(await doc.save());
}

describe('request validation: every client error is a 4xx in the one JSON shape', { timeout: 120_000 }, () => {
  let server: TestServer;
  let png: Buffer;
  before(async () => {
    server = await startServer({ listen: true });
    png = await whitePage(200, 200);
  });
  after(() => server.close());

  for (const url of ['/v1/layout', '/v1/layout/batch', '/analyze']) {
    it(`${url}: multipart without a boundary is a 400 LAYOUT_ERR_MALFORMED_REQUEST`, async () => {
      const res = await server.app.inject({ method: 'POST', url, payload: 'not multipart', headers: { 'content-type': 'multipart/form-data' } });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_MALFORMED_REQUEST');
    });

    it(`${url}: a part cut off before its boundary is a 400 LAYOUT_ERR_MALFORMED_REQUEST`, async () => {
      const body = multipart([{ name: 'page.png', bytes: png }]);
      const res = await server.app.inject({ method: 'POST', url, payload: body.payload.subarray(0, body.payload.length - 60), headers: body.headers });
      assert.equal(res.statusCode, 400, res.body);
      assert.match(json<ErrorJson>(res.body).error.message, /multipart/);
      assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_MALFORMED_REQUEST');
    });
  }

  const loose: Array<[string, RegExp]> = [
    ['threshold=evil:0.3', /threshold\.evil/],
    ['threshold=99:0.5', /threshold\.99/],
    ['unclipRatio=1,2,3', /unclipRatio/],
    ['threshold=text:0.3:0.4', /threshold/],
    ['mergeMode=%7B%22figure%22%3A%22large%22%7D', /mergeMode\.figure/],
  ];
  for (const [query, message] of loose) {
    it(`/v1/layout?${query} is a 400 LAYOUT_ERR_INVALID_PARAM`, async () => {
      const res = await server.app.inject({ method: 'POST', url: `/v1/layout?${query}`, ...multipart([{ name: 'page.png', bytes: png }]) });
      assert.equal(res.statusCode, 400, res.body);
      const { error } = json<ErrorJson>(res.body);
      assert.equal(error.code, 'LAYOUT_ERR_INVALID_PARAM');
      assert.match(error.message, message);
    });
  }

  it('the PaddleX routes refuse the same parameters with their 422, in their envelope', async () => {
    const image = png.toString('base64');
    for (const threshold of [{ evil: 0.3 }, { 99: 0.5 }]) {
      const res = await server.app.inject({ method: 'POST', url: '/object-detection', payload: { image, threshold } });
      assert.equal(res.statusCode, 422, res.body);
      assert.equal(json<{ errorCode: number; error: { code: string } }>(res.body).error.code, 'LAYOUT_ERR_INVALID_PARAM');
    }
  });

  it('pages=-1 on a 3-page PDF is a 400 LAYOUT_ERR_PAGE_RANGE, not page 1', async () => {
    const pdf = await threePagePdf();
    for (const pages of ['-1', '4', '0']) {
      const res = await server.app.inject({ method: 'POST', url: `/v1/layout?pages=${pages}`, ...multipart([{ name: 'doc.pdf', bytes: pdf }]) });
      assert.equal(res.statusCode, 400, `pages=${pages}: ${res.body}`);
      assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_PAGE_RANGE');
    }
  });

  it('GET on a POST route is a 405 naming the allowed methods; an unknown path stays 404', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/layout?x=1' });
    assert.equal(res.statusCode, 405, res.body);
    assert.equal(res.headers.allow, 'POST');
    assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_METHOD_NOT_ALLOWED');
    const post = await server.app.inject({ method: 'POST', url: '/v1/status' });
    assert.equal(post.statusCode, 405);
    assert.match(String(post.headers.allow), /GET/);
    const missing = await server.app.inject({ method: 'GET', url: '/v1/nothing-here' });
    assert.equal(missing.statusCode, 404);
    assert.equal(json<ErrorJson>(missing.body).error.code, 'LAYOUT_ERR_NOT_FOUND');
  });

  it('bytes that are not HTTP get a 400 LAYOUT_ERR_MALFORMED_REQUEST in the JSON shape, then the connection closes', async () => {
    const { port } = new URL(server.url!);
    const text = await new Promise<string>((resolve) => {
      let received = '';
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('GARBAGE\r\n\r\n'));
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => { received += chunk; });
      socket.on('close', () => resolve(received));
    });
    assert.match(text, /^HTTP\/1\.1 400 /);
    assert.equal(json<ErrorJson>(text.slice(text.indexOf('\r\n\r\n') + 4)).error.code, 'LAYOUT_ERR_MALFORMED_REQUEST');
  });

  it('a URL that does not decode is a 400 LAYOUT_ERR_MALFORMED_REQUEST', async () => {
    const res = await server.app.inject({ method: 'GET', url: '/v1/%zz' });
    assert.equal(res.statusCode, 400, res.body);
    assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_MALFORMED_REQUEST');
  });

  it('an oversized query string or header is a 431 with the JSON error body', async () => {
    for (const request of [
      { path: `/v1/status?x=${'a'.repeat(20_000)}` },
      { path: '/v1/status', headers: { 'x-padding': 'a'.repeat(20_000) } },
    ]) {
      const res = await rawRequest(server.url!, request);
      assert.equal(res.status, 431);
      assert.match(String(res.headers['content-type']), /application\/json/);
      assert.equal(json<ErrorJson>(res.body).error.code, 'LAYOUT_ERR_HEADERS_TOO_LARGE');
    }
  });

  it('a client still sending its oversized request gets the whole 431 and a clean close, never a reset or EPIPE', async () => {
    const port = Number(new URL(server.url!).port);
    for (const [request, first, chunk] of [
      [`GET /v1/status?x=${'a'.repeat(50_000)} HTTP/1.1\r\nhost: x\r\n\r\n`, 20_000, 4_096],
      [`GET /v1/status?x=${'a'.repeat(200_000)} HTTP/1.1\r\nhost: x\r\n\r\n`, 20_000, 16_384],
      [`GET /v1/status HTTP/1.1\r\nhost: x\r\nx-padding: ${'a'.repeat(200_000)}\r\n\r\n`, 20_000, 16_384],
      [`GET /${'a'.repeat(1_000_000)} HTTP/1.1\r\nhost: x\r\n\r\n`, 1_000_100, 1],
    ] as const) {
      const { received, errors } = await lateWriter(port, request, first, chunk);
      assert.deepEqual(errors, [], `${request.slice(0, 40)}…: ${errors.join(', ')}`);
      assert.match(received, /^HTTP\/1\.1 431 /);
      assert.equal(json<ErrorJson>(received.slice(received.indexOf('\r\n\r\n') + 4)).error.code, 'LAYOUT_ERR_HEADERS_TOO_LARGE');
    }
  });
});
