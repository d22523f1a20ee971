/**
 * The web UI's pdf.js (for PDF thumbnails) comes from the server's own pdfjs-dist, and only its
 * browser files; its naming scheme is the server's own module (export/names.ts, compiled).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EXTENSIONS, outputName } from '../../src/export/index.js';
import { startServer, type TestServer } from './helpers.js';

describe('GET /ui/vendor/pdfjs/', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());

  it('serves the pdf.js module, its worker and fonts, same origin only', async () => {
    for (const file of ['build/pdf.min.mjs', 'build/pdf.worker.min.mjs']) {
      const res = await server.app.inject({ method: 'GET', url: `/ui/vendor/pdfjs/${file}` });
      assert.equal(res.statusCode, 200, file);
      assert.match(String(res.headers['content-type']), /javascript/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    }
  });

  it('serves nothing else of the package', async () => {
    for (const file of ['package.json', 'build/pdf.mjs.map', 'legacy/build/pdf.mjs', '../../package.json']) {
      const res = await server.app.inject({ method: 'GET', url: `/ui/vendor/pdfjs/${file}` });
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${file}: ${res.statusCode}`);
      assert.doesNotMatch(res.body, /"name": "pdfjs-dist"|sourceMappingURL|\bexport\b/);
    }
  });
});

describe('GET /ui/js/names.js', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer();
  });
  after(() => server?.close());

  it("is the server's naming module, as an ES module the browser can import", async () => {
    const res = await server.app.inject({ method: 'GET', url: '/ui/js/names.js' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /javascript/);
    assert.match(String(res.headers['content-security-policy']), /default-src 'self'/);
    assert.doesNotMatch(res.body, /^import /m, 'a browser module with nothing to resolve');
    const browser = (await import(`data:text/javascript;base64,${Buffer.from(res.body).toString('base64')}`)) as { outputName: typeof outputName; EXTENSIONS: typeof EXTENSIONS };
    assert.deepEqual(browser.EXTENSIONS, EXTENSIONS);
    assert.equal(browser.outputName('scan.v2.pdf', true, 'page', 2), outputName('scan.v2.pdf', true, 'page', 2));
    assert.equal(browser.outputName('scan.v2.pdf', true, 'page', 2), 'scan.v2-p0002.page.xml');
  });
});
