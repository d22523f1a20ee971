/**
 * A PDF page past its render budget fails alone (issue #8): its document's other pages go on, and
 * each route says so the way its format can — /v1/layout lists the page as { page, error } with
 * failedPages, /analyze answers "partial" with failed_pages, PaddleX's /layout-parsing (whose
 * per-page results cannot hold an error) fails the request with the page's error.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pdfWithSlowPage } from '../fixtures/slow-page-pdf.js';
import { json, multipart, startServer, type TestServer } from './helpers.js';

interface PageEntry {
  page?: number;
  input?: { page: number };
  regions?: unknown[];
  error?: { code: string; message: string };
}

describe('a PDF page past pdfPageTimeoutMs', { timeout: 120_000 }, () => {
  let server: TestServer;
  let pdf: Buffer;
  before(async () => {
    pdf = await pdfWithSlowPage(3, 2);
    server = await startServer({ config: { pdfPageTimeoutMs: 10_000 } });
  });
  after(() => server.close());

  const upload = (url: string, bytes: Buffer) => {
    const body = multipart([{ name: 'slow-middle.pdf', bytes }]);
    return server.app.inject({ method: 'POST', url, headers: body.headers, payload: body.payload });
  };

  const assertNoRestarts = (): void => {
    for (const device of server.pool.snapshot().devices) assert.equal(device.restarts, 0, `${device.id} restarted: ${device.lastError?.message}`);
  };

  it('POST /v1/layout: pages 1 and 3 have regions, page 2 is { page, error: LAYOUT_ERR_PDF } in its place, failedPages 1', async () => {
    const res = await upload('/v1/layout', pdf);
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ input: { pageCount: number }; pages: PageEntry[]; failedPages?: number }>(res.body);
    assert.equal(body.input.pageCount, 3);
    assert.equal(body.pages.length, 3);
    const [first, second, third] = body.pages as [PageEntry, PageEntry, PageEntry];
    assert.equal(first.input?.page, 1);
    assert.ok(first.regions && first.regions.length > 0);
    assert.equal(third.input?.page, 3);
    assert.ok(third.regions && third.regions.length > 0);
    assert.deepEqual(Object.keys(second).sort(), ['error', 'page']);
    assert.equal(second.page, 2);
    assert.equal(second.error?.code, 'LAYOUT_ERR_PDF');
    assert.match(second.error!.message, /page 2 took longer than 10000 ms to render/);
    assert.equal(body.failedPages, 1);
    assertNoRestarts();
  });

  it('POST /v1/layout: when every selected page fails, the request fails with the page error (400)', async () => {
    const res = await upload('/v1/layout?pages=2', pdf);
    assert.equal(res.statusCode, 400, res.body);
    const error = json<{ error: { code: string; message: string } }>(res.body).error;
    assert.equal(error.code, 'LAYOUT_ERR_PDF');
    assert.match(error.message, /page 2 took longer than 10000 ms/);
    assertNoRestarts();
  });

  it('POST /analyze answers status "partial" with the other pages\' regions and failed_pages', async () => {
    const res = await upload('/analyze', pdf);
    assert.equal(res.statusCode, 200, res.body);
    const body = json<{ status: string; regions: Array<{ page: number }>; regions_count: number; pages_count: number; failed_pages?: PageEntry[] }>(res.body);
    assert.equal(body.status, 'partial');
    assert.equal(body.pages_count, 3);
    assert.ok(body.regions.length > 0);
    assert.deepEqual([...new Set(body.regions.map((r) => r.page))], [1, 3]);
    assert.equal(body.failed_pages?.length, 1);
    assert.equal(body.failed_pages![0]!.page, 2);
    assert.equal(body.failed_pages![0]!.error?.code, 'LAYOUT_ERR_PDF');
    assertNoRestarts();
  });

  it('POST /layout-parsing fails the request in the PaddleX envelope with the page error', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/layout-parsing', payload: { file: pdf.toString('base64'), fileType: 0, visualize: false } });
    assert.equal(res.statusCode, 400, res.body);
    const body = json<{ errorCode: number; errorMsg: string; result?: unknown }>(res.body);
    assert.equal(body.errorCode, 400);
    assert.match(body.errorMsg, /page 2 took longer than 10000 ms to render/);
    assert.equal(body.result, undefined);
    assertNoRestarts();
  });
});
