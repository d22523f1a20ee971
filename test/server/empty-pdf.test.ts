/**
 * A PDF with no pages gets one answer on every route: 400 LAYOUT_ERR_PDF "the document has no
 * pages", in each route's own error envelope (it used to be a 500 on /analyze and an empty 200
 * on /v1/layout).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { json, multipart, startServer, type TestServer } from './helpers.js';

interface ErrorJson {
  error: { code: string; message: string };
}

describe('a PDF with no pages', { timeout: 120_000 }, () => {
  let server: TestServer;
  let empty: Buffer;
  before(async () => {
    server = await startServer();
    // pdf-lib adds a blank page to a document without one unless told not to.
    empty = Buffer.from(await (await PDFDocument.create()).save({ addDefaultPage: false }));
  });
  after(() => server.close());

  const isNoPages = (body: ErrorJson): void => {
    assert.equal(body.error.code, 'LAYOUT_ERR_PDF');
    assert.match(body.error.message, /empty\.pdf: the document has no pages/);
  };

  it('POST /v1/layout → 400', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'empty.pdf', bytes: empty }]) });
    assert.equal(res.statusCode, 400, res.body);
    isNoPages(json<ErrorJson>(res.body));
  });

  it('POST /analyze → 400 in the seed envelope', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/analyze', ...multipart([{ name: 'empty.pdf', bytes: empty }]) });
    assert.equal(res.statusCode, 400, res.body);
    const body = json<ErrorJson & { status: string }>(res.body);
    assert.equal(body.status, 'error');
    isNoPages(body);
  });

  it('POST /layout-parsing → 400 in the PaddleX envelope', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: empty.toString('base64'), fileType: 0 } });
    assert.equal(res.statusCode, 400, res.body);
    const body = json<{ errorCode: number; errorMsg: string }>(res.body);
    assert.equal(body.errorCode, 400);
    assert.match(body.errorMsg, /the document has no pages/);
  });

  it('POST /v1/layout/batch → that item fails with the same error, the others succeed', async () => {
    const page = await (async () => {
      const doc = await PDFDocument.create();
      doc.addPage([200, 200]);
      return Buffer.from(await doc.save());
    })();
    const res = await server.app.inject({
      method: 'POST',
      url: '/v1/layout/batch',
      ...multipart([{ name: 'empty.pdf', bytes: empty }, { name: 'one.pdf', bytes: page }]),
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ results: Array<{ ok: boolean; error?: ErrorJson['error'] }>; failed: number }>(res.body);
    assert.equal(body.failed, 1);
    assert.equal(body.results[0]!.ok, false);
    isNoPages({ error: body.results[0]!.error! });
    assert.equal(body.results[1]!.ok, true);
  });
});
