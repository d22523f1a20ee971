/**
 * POST /v1/export/{kind}: one upload in, one file out for every selected page, named by the
 * scheme of export/names.ts — the files the web UI's "Whole PDF" and "This page" downloads save.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { json, multipart, startServer, twoPagePdf, whitePage, type TestServer } from './helpers.js';
import { assertOfficialXml } from '../helpers/xml-schemas.js';

const disposition = (headers: Record<string, unknown>): string => /filename="([^"]+)"/.exec(String(headers['content-disposition']))?.[1] ?? '';

describe('POST /v1/export/{kind} (CPU worker, fixture model)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let pdf: Buffer;
  before(async () => {
    server = await startServer();
    pdf = await twoPagePdf();
  });
  after(() => server?.close());

  const post = (url: string, name: string, bytes: Buffer) => server.app.inject({ method: 'POST', url, ...multipart([{ name, bytes }]) });

  it('answers every page of a PDF as one PAGE zip, one ALTO file, one COCO dataset with its images, one crops zip', async () => {
    const page = await post('/v1/export/page', 'multi4.pdf', pdf);
    assert.equal(page.statusCode, 200, page.body);
    assert.equal(disposition(page.headers), 'multi4.page.zip');
    assert.deepEqual(Object.keys(unzipSync(page.rawPayload)).sort(), ['multi4-p0001.page.xml', 'multi4-p0002.page.xml']);
    for (const bytes of Object.values(unzipSync(page.rawPayload))) assertOfficialXml(new TextDecoder().decode(bytes), 'page');

    const alto = await post('/v1/export/alto', 'multi4.pdf', pdf);
    assert.equal(disposition(alto.headers), 'multi4.alto.xml');
    assert.equal((alto.body.match(/<Page /g) ?? []).length, 2);
    assertOfficialXml(alto.body, 'alto');

    const coco = await post('/v1/export/coco', 'multi4.pdf', pdf);
    assert.equal(disposition(coco.headers), 'multi4.coco.zip');
    const entries = unzipSync(coco.rawPayload);
    const dataset = json<{ images: Array<{ file_name: string; width: number; height: number }> }>(new TextDecoder().decode(entries['coco.json']));
    assert.deepEqual(dataset.images.map((i) => i.file_name), ['images/multi4-p0001.jpg', 'images/multi4-p0002.jpg']);
    for (const image of dataset.images) {
      const meta = await sharp(Buffer.from(entries[image.file_name]!)).metadata();
      assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', image.width, image.height]);
    }

    const crops = await post('/v1/export/crops', 'multi4.pdf', pdf);
    assert.equal(disposition(crops.headers), 'multi4.crops.zip');
    const names = Object.keys(unzipSync(crops.rawPayload));
    assert.ok(names.includes('multi4.json'), names.join(', '));
    assert.ok(names.some((n) => /^crops\/multi4-p0001-r001-\w+\.png$/.test(n)) && names.some((n) => /^crops\/multi4-p0002-r001-\w+\.png$/.test(n)), names.join(', '));
  });

  it('one PDF page carries its page number; the clean page image is the one the formats name', async () => {
    const page = await post('/v1/export/page?pages=2', 'multi4.pdf', pdf);
    assert.equal(disposition(page.headers), 'multi4-p0002.page.xml');
    assert.match(page.body, /imageFilename="multi4-p0002\.jpg"/);
    assertOfficialXml(page.body, 'page');
    const image = await post('/v1/export/image?pages=2', 'multi4.pdf', pdf);
    assert.equal(image.statusCode, 200, image.body);
    assert.equal(disposition(image.headers), 'multi4-p0002.jpg');
    assert.equal(image.headers['content-type'], 'image/jpeg');
    const both = await post('/v1/export/image', 'multi4.pdf', pdf);
    assert.deepEqual(Object.keys(unzipSync(both.rawPayload)).sort(), ['multi4-p0001.jpg', 'multi4-p0002.jpg']);
  });

  it('an image is its own page image; a bad kind is a 400 before any work', async () => {
    const png = await whitePage(400, 300);
    const image = await post('/v1/export/image', 'scan.v2.png', png);
    assert.equal(disposition(image.headers), 'scan.v2.png');
    assert.equal(image.headers['content-type'], 'image/png');
    assert.deepEqual(image.rawPayload, png);
    const alto = await post('/v1/export/alto', 'scan.v2.png', png);
    assert.equal(disposition(alto.headers), 'scan.v2.alto.xml');
    const bad = await post('/v1/export/docx', 'scan.png', png);
    assert.equal(bad.statusCode, 400);
    assert.equal(json<{ error: { code: string } }>(bad.body).error.code, 'LAYOUT_ERR_INVALID_PARAM');
  });

  it('answers garbage with a 4xx JSON error and a code: empty, not an image, a truncated PDF, a bad page selection', async () => {
    const cases: Array<[string, string, Buffer]> = [
      ['/v1/export/page', 'empty.pdf', Buffer.alloc(0)],
      ['/v1/export/alto', 'junk.txt', Buffer.from('not an image at all')],
      ['/v1/export/coco', 'cut.pdf', pdf.subarray(0, Math.floor(pdf.length / 3))],
      ['/v1/export/page?pages=9', 'two.pdf', pdf],
    ];
    for (const [url, name, bytes] of cases) {
      const res = await post(url, name, bytes);
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} ${name}: ${res.statusCode} ${res.body}`);
      assert.match(json<{ error: { code: string } }>(res.body).error.code, /^LAYOUT_ERR_/, `${url} ${name}`);
    }
  });
});
