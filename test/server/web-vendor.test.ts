/** The web UI's pdf.js (for PDF thumbnails) comes from the server's own pdfjs-dist, and only its browser files. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
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
