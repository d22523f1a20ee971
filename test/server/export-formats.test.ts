/**
 * `format=page|alto|coco` on /v1/layout: the same regions as the JSON answer, as a download with
 * its media type and name; a multi-page PDF as a zip of PAGE files or one ALTO file; a bad format
 * refused before any device time is spent.
 */
import { readingNumbers } from '../../src/export/index.js';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { unzipSync } from 'fflate';
import sharp from 'sharp';
import { missingDependency } from '../helpers/require-dep.js';
import { assertOfficialXml, xmllint, xmllintProblem } from '../helpers/xml-schemas.js';
import { json, multipart, startServer, twoPagePdf, whitePage, type TestServer } from './helpers.js';

type Node = Record<string, unknown>;
const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Page', 'TextRegion', 'TableRegion', 'ImageRegion', 'ChartRegion', 'MathsRegion', 'GraphicRegion', 'TextBlock', 'Illustration', 'ComposedBlock'].includes(name) });
const noXmllint = missingDependency('xmllint', xmllintProblem());

function countRegions(pageNode: Node): number {
  return ['TextRegion', 'TableRegion', 'ImageRegion', 'ChartRegion', 'MathsRegion', 'GraphicRegion', 'UnknownRegion'].reduce((n, k) => n + ((pageNode[k] as unknown[] | undefined)?.length ?? 0), 0);
}

describe('/v1/layout?format= on a real pool (CPU worker, fixture model)', { timeout: 120_000 }, () => {
  let server: TestServer;
  let page: Buffer;
  let regionsInJson: number;
  before(async () => {
    server = await startServer();
    page = await whitePage(800, 600);
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'white.png', bytes: page }]) });
    regionsInJson = json<{ regions: unknown[] }>(res.body).regions.length;
  });
  after(() => server.close());

  it('format=page answers one PAGE-XML file with the regions of the JSON answer', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?format=page', ...multipart([{ name: 'sc<an> & co.png', bytes: page }]) });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/vnd\.prima\.page\+xml/);
    assert.equal(res.headers['content-disposition'], `attachment; filename="sc_an_ & co.page.xml"; filename*=UTF-8''sc_an_%20%26%20co.page.xml`);
    const pcGts = parser.parse(res.body).PcGts as Node;
    const pageNode = (pcGts.Page as Node[])[0]!;
    assert.equal(pageNode.imageFilename, 'sc<an> & co.png');
    assert.equal(countRegions(pageNode), regionsInJson);
    assert.ok(regionsInJson > 0);
    if (!noXmllint) assert.ok(xmllint(res.body).ok);
    assertOfficialXml(res.body, 'page');
  });

  it('format=alto on a 2-page PDF answers one ALTO file with both pages', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?format=alto', ...multipart([{ name: 'two.pdf', bytes: await twoPagePdf() }]) });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-type']), /^application\/alto\+xml/);
    const pages = ((parser.parse(res.body).alto as Node).Layout as Node).Page as Node[];
    assert.deepEqual(pages.map((p) => p.PHYSICAL_IMG_NR), ['1', '2']);
    if (!noXmllint) assert.ok(xmllint(res.body).ok);
    assertOfficialXml(res.body, 'alto');
  });

  it('format=page on a 2-page PDF answers a zip of one PAGE file per page', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?format=page', ...multipart([{ name: 'two.pdf', bytes: await twoPagePdf() }]) });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/zip');
    const entries = unzipSync(res.rawPayload);
    assert.deepEqual(Object.keys(entries).sort(), ['two-p0001.page.xml', 'two-p0002.page.xml']);
    const first = ((parser.parse(new TextDecoder().decode(entries['two-p0001.page.xml'])).PcGts as Node).Page as Node[])[0]!;
    assert.equal(first.imageFilename, 'two-p0001.jpg');
    for (const bytes of Object.values(entries)) assertOfficialXml(new TextDecoder().decode(bytes), 'page');
  });

  it('format=coco answers a COCO dataset zip with the page image it names (JSON body, base64 upload)', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?format=coco', payload: { image: page.toString('base64'), name: 'j.png' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(String(res.headers['content-disposition']), /filename="j\.coco\.zip"/);
    const entries = unzipSync(res.rawPayload);
    const dataset = json<{ images: Array<{ file_name: string; width: number }>; annotations: unknown[]; categories: unknown[] }>(new TextDecoder().decode(entries['coco.json']));
    assert.deepEqual(dataset.images.map((i) => [i.file_name, i.width]), [['images/j.png', 800]]);
    assert.deepEqual(Buffer.from(entries['images/j.png']!), page);
    assert.equal(dataset.annotations.length, regionsInJson);
    assert.ok(dataset.categories.length > 0);
  });

  it('the batch route: a zip of PAGE files (a folder per multi-page PDF), COCO as one dataset; a bad file is named in a header', async () => {
    const files = [{ name: 'a.png', bytes: page }, { name: 'two.pdf', bytes: await twoPagePdf() }, { name: 'bad.png', bytes: Buffer.from('not an image at all') }];
    const zip = await server.app.inject({ method: 'POST', url: '/v1/layout/batch?format=page', ...multipart(files) });
    assert.equal(zip.statusCode, 200, zip.body);
    assert.equal(zip.headers['content-type'], 'application/zip');
    assert.equal(zip.headers['x-doclayout-failed-files'], 'bad.png');
    assert.deepEqual(Object.keys(unzipSync(zip.rawPayload)).sort(), ['a.page.xml', 'two.page/two-p0001.page.xml', 'two.page/two-p0002.page.xml']);
    const coco = await server.app.inject({ method: 'POST', url: '/v1/layout/batch?format=coco', ...multipart(files.slice(0, 2)) });
    const entries = unzipSync(coco.rawPayload);
    const dataset = json<{ images: Array<{ id: number; file_name: string }>; annotations: Array<{ image_id: number }> }>(new TextDecoder().decode(entries['coco.json']));
    assert.deepEqual(dataset.images.map((i) => i.file_name), ['images/a.png', 'images/two-p0001.jpg', 'images/two-p0002.jpg']);
    // One dataset with every image it names.
    assert.deepEqual(Object.keys(entries).sort(), ['coco.json', 'images/a.png', 'images/two-p0001.jpg', 'images/two-p0002.jpg']);
    assert.deepEqual([...new Set(dataset.annotations.map((a) => a.image_id))].sort(), [1, 2, 3]);
  });

  it('crops=true answers a zip of the result and every region cut from the decoded page', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?crops=true', ...multipart([{ name: 'white.png', bytes: page }]) });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.headers['content-type'], 'application/zip');
    const entries = unzipSync(res.rawPayload);
    const result = json<{ regions: Array<{ label: string; bbox: number[]; order: number | null }> }>(new TextDecoder().decode(entries['white.json']));
    const crops = Object.keys(entries).filter((n) => n.startsWith('crops/')).sort();
    assert.equal(crops.length, result.regions.length);
    // Numbered by reading order, the regions outside the text flow after (as the UI lists them).
    const numbers = readingNumbers(result.regions);
    for (const [i, r] of result.regions.entries()) {
      if (r.order !== null) assert.equal(numbers[i], r.order);
      const name = `crops/white-r${String(numbers[i]).padStart(3, '0')}-${r.label}.png`;
      assert.ok(entries[name], `${name} in ${crops.join(', ')}`);
      const meta = await sharp(Buffer.from(entries[name]!)).metadata();
      assert.deepEqual([meta.width, meta.height], [Math.ceil(r.bbox[2]!) - Math.floor(r.bbox[0]!), Math.ceil(r.bbox[3]!) - Math.floor(r.bbox[1]!)]);
    }
  });

  it('crops=<labels>&cropFormat=jpeg&format=page on a PDF: PAGE files per page and JPEG crops of those labels only', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?crops=doc_title,image&cropFormat=jpeg&format=page', ...multipart([{ name: 'two.pdf', bytes: await twoPagePdf() }]) });
    assert.equal(res.statusCode, 200, res.body);
    const names = Object.keys(unzipSync(res.rawPayload)).sort();
    assert.ok(names.includes('two-p0001.page.xml') && names.includes('two-p0002.page.xml'), names.join(', '));
    const crops = names.filter((n) => n.startsWith('crops/'));
    assert.ok(crops.length > 0);
    for (const name of crops) assert.match(name, /^crops\/two-p000[12]-r\d{3}-(doc_title|image)\.jpg$/);
    const bad = await server.app.inject({ method: 'POST', url: '/v1/layout?crops=true&cropFormat=gif', ...multipart([{ name: 'white.png', bytes: page }]) });
    assert.equal(bad.statusCode, 400);
  });

  it('an unknown format is a 400 naming the parameter, before anything is analysed', async () => {
    const before = server.pool.snapshot().accepted;
    const res = await server.app.inject({ method: 'POST', url: '/v1/layout?format=docx', ...multipart([{ name: 'white.png', bytes: page }]) });
    assert.equal(res.statusCode, 400);
    const body = json<{ error: { code: string; message: string } }>(res.body);
    assert.equal(body.error.code, 'LAYOUT_ERR_INVALID_PARAM');
    assert.match(body.error.message, /format/);
    assert.equal(server.pool.snapshot().accepted, before);
  });
});
