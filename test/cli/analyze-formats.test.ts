/**
 * `doclayout analyze --format`: PAGE-XML per page (a folder for a PDF), ALTO per document, one
 * COCO dataset for the run with the model's labels as categories, JSON only when asked; bad
 * combinations are usage errors (exit 2).
 */
import { readingNumbers } from '../../src/export/index.js';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { XMLParser } from 'fast-xml-parser';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { doclayout } from '../helpers/run-cli.js';
import { assertOfficialXml } from '../helpers/xml-schemas.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });


describe('doclayout analyze --format', { timeout: 240_000 }, () => {
  let model: string;
  let inputs: string;
  before(async () => {
    model = writeFixtureModel({ variant: 'v3' });
    inputs = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-fmt-'));
    await sharp({ create: { width: 800, height: 1000, channels: 3, background: '#fff' } }).jpeg().toFile(path.join(inputs, 'a & <b>.jpg'));
    const pdf = await PDFDocument.create();
    pdf.addPage([300, 400]);
    pdf.addPage([400, 300]);
    fs.writeFileSync(path.join(inputs, 'doc.pdf'), await pdf.save());
  });

  it('writes PAGE, ALTO and one COCO dataset, and no JSON unless asked', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-fmt-out-'));
    const result = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--format', 'page,alto,coco']);
    assert.equal(result.code, 0, result.stderr);
    assert.ok(!fs.existsSync(path.join(out, 'doc.json')));
    const image = parser.parse(fs.readFileSync(path.join(out, 'a & _b_.page.xml'), 'utf8'));
    assert.equal(image.PcGts.Page.imageFilename, 'a & <b>.jpg');
    assert.deepEqual(fs.readdirSync(path.join(out, 'doc.page')).sort(), ['doc-p0001.page.xml', 'doc-p0002.page.xml']);
    assertOfficialXml(fs.readFileSync(path.join(out, 'a & _b_.page.xml'), 'utf8'), 'page');
    for (const file of ['doc-p0001.page.xml', 'doc-p0002.page.xml']) assertOfficialXml(fs.readFileSync(path.join(out, 'doc.page', file), 'utf8'), 'page');
    assertOfficialXml(fs.readFileSync(path.join(out, 'doc.alto.xml'), 'utf8'), 'alto');
    const alto = parser.parse(fs.readFileSync(path.join(out, 'doc.alto.xml'), 'utf8'));
    assert.deepEqual(alto.alto.Layout.Page.map((p: { PHYSICAL_IMG_NR: string }) => p.PHYSICAL_IMG_NR), ['1', '2']);
    const coco = JSON.parse(fs.readFileSync(path.join(out, 'coco.json'), 'utf8'));
    // Relative to the dataset's root (the --out folder), and every image it names is there.
    assert.deepEqual(coco.images.map((i: { file_name: string }) => i.file_name).sort(), ['images/a & _b_.jpg', 'images/doc-p0001.jpg', 'images/doc-p0002.jpg']);
    for (const i of coco.images as Array<{ file_name: string; width: number }>) assert.equal((await sharp(path.join(out, i.file_name)).metadata()).width, i.width, i.file_name);
    // Categories are the model's labels (the fixture model has V3's 25), not only those seen.
    assert.equal(coco.categories.length, 25);
    assert.ok(coco.annotations.length > 0);
  });

  it('--resume skips inputs whose files in every asked format exist', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-fmt-out-'));
    assert.equal((await doclayout(['analyze', inputs, '--out', out, '--model', model, '--format', 'page'])).code, 0);
    const again = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--format', 'page', '--resume']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /0 ok, 0 failed, 2 skipped/);
    const json = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--format', 'page,json', '--resume']);
    assert.match(json.stderr, /2 ok, 0 failed, 0 skipped/);
  });

  it('--crops DIR writes the selected regions of every page, named after page, region and label', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-fmt-out-'));
    const cropsDir = path.join(out, 'crops');
    const result = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--crops', cropsDir, '--crop-labels', 'doc_title,text', '--crop-format', 'jpeg']);
    assert.equal(result.code, 0, result.stderr);
    const image = JSON.parse(fs.readFileSync(path.join(out, 'a & _b_.json'), 'utf8')) as { regions: Array<{ label: string; bbox: number[]; order: number | null }> };
    const numbers = readingNumbers(image.regions);
    const expected = image.regions.flatMap((r, i) => (['doc_title', 'text'].includes(r.label) ? [`a & _b_-r${String(numbers[i]).padStart(3, '0')}-${r.label}.jpg`] : []));
    assert.ok(expected.length > 0);
    const files = fs.readdirSync(cropsDir).sort();
    for (const name of expected) assert.ok(files.includes(name), `${name} in ${files.join(', ')}`);
    assert.ok(files.some((f) => /^doc-p0002-r\d{3}-(doc_title|text)\.jpg$/.test(f)), files.join(', '));
    assert.ok(files.every((f) => /-(doc_title|text)\.jpg$/.test(f)));
    const first = image.regions.findIndex((r) => r.label === 'doc_title');
    const meta = await sharp(path.join(cropsDir, `a & _b_-r${String(numbers[first]).padStart(3, '0')}-doc_title.jpg`)).metadata();
    const box = image.regions[first]!.bbox;
    assert.deepEqual([meta.format, meta.width], ['jpeg', Math.ceil(box[2]!) - Math.floor(box[0]!)]);
  });

  it('refuses an unknown format, --format without --out, and coco with --resume (exit 2)', async () => {
    const bad = await doclayout(['analyze', inputs, '--out', os.tmpdir(), '--model', model, '--format', 'page,docx']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /--format.*docx/);
    assert.equal((await doclayout(['analyze', inputs, '--jsonl', '-', '--model', model, '--format', 'page'])).code, 2);
    assert.equal((await doclayout(['analyze', inputs, '--out', os.tmpdir(), '--model', model, '--format', 'coco', '--resume'])).code, 2);
    assert.equal((await doclayout(['analyze', inputs, '--out', os.tmpdir(), '--model', model, '--crop-labels', 'table'])).code, 2);
    assert.equal((await doclayout(['analyze', inputs, '--out', os.tmpdir(), '--model', model, '--crops', os.tmpdir(), '--crop-format', 'gif'])).code, 2);
  });
});
