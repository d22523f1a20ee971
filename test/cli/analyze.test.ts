import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { doclayout } from '../helpers/run-cli.js';
import { pdfWithSlowPage } from '../fixtures/slow-page-pdf.js';



describe('doclayout analyze', { timeout: 240_000 }, () => {
  let model: string;
  let inputs: string;
  before(async () => {
    model = writeFixtureModel({ variant: 'v3' });
    inputs = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-cli-'));
    fs.mkdirSync(path.join(inputs, 'sub'));
    const white = (w: number, h: number) => sharp({ create: { width: w, height: h, channels: 3, background: '#fff' } });
    await white(800, 1000).jpeg().toFile(path.join(inputs, 'page.jpg'));
    await white(600, 800).png().toFile(path.join(inputs, 'sub', 'nested.png'));
    fs.writeFileSync(path.join(inputs, 'broken.png'), 'this is text, not a PNG');
    const pdf = await PDFDocument.create();
    pdf.addPage([300, 400]);
    pdf.addPage([400, 300]);
    fs.writeFileSync(path.join(inputs, 'doc.pdf'), await pdf.save());
  });

  it('analyzes a folder recursively, skips the bad file with a message and exits 1', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-'));
    const result = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--visualize']);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /broken\.png/);
    assert.match(result.stderr, /3 ok, 1 failed/);
    const page = JSON.parse(fs.readFileSync(path.join(out, 'page.json'), 'utf8'));
    assert.equal(page.input.width, 800);
    assert.equal(page.input.height, 1000);
    assert.ok(page.regions.length > 0);
    assert.ok(fs.existsSync(path.join(out, 'sub', 'nested.json')));
    const doc = JSON.parse(fs.readFileSync(path.join(out, 'doc.json'), 'utf8'));
    assert.equal(doc.input.pageCount, 2);
    assert.deepEqual(doc.pages.map((p: { input: { page: number; width: number } }) => [p.input.page, p.input.width]), [[1, 600], [2, 800]]);
    assert.ok(!fs.existsSync(path.join(out, 'broken.json')));
    // Overlays: one per PDF page, at the rasterized size; one per image, mirrored into sub-folders.
    assert.equal((await sharp(path.join(out, 'doc-p0002.overlay.png')).metadata()).width, 800);
    assert.ok(fs.existsSync(path.join(out, 'sub', 'nested.overlay.png')));
  });

  it('sniffs every file of a folder: images under any name are analyzed, the rest counted and listed with --verbose', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-names-'));
    fs.mkdirSync(path.join(dir, 'deep'));
    await sharp({ create: { width: 300, height: 200, channels: 3, background: '#fff' } }).png().toFile(path.join(dir, 'scan.bin'));
    await sharp({ create: { width: 200, height: 300, channels: 3, background: '#fff' } }).jpeg().toFile(path.join(dir, 'deep', 'page'));
    fs.copyFileSync(path.join(inputs, 'doc.pdf'), path.join(dir, 'report.txt'));
    fs.writeFileSync(path.join(dir, 'notes.txt'), 'plain text');
    fs.writeFileSync(path.join(dir, 'deep', 'blob.bin'), Buffer.alloc(4096, 7));
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-')), 'names.jsonl');

    const result = await doclayout(['analyze', dir, '--jsonl', out, '--model', model]);
    assert.equal(result.code, 0, result.stderr);
    const names = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { input: { name: string } }).input.name);
    assert.deepEqual([...new Set(names)].sort(), ['deep/page', 'report.txt', 'scan.bin']);
    assert.match(result.stderr, /3 ok, 0 failed/);
    assert.match(result.stderr, /2 files ignored: not images or PDFs by their bytes \(--verbose lists them\)/);
    assert.doesNotMatch(result.stderr, /notes\.txt/);

    const verbose = await doclayout(['analyze', dir, '--jsonl', `${out}.2`, '--model', model, '--verbose']);
    assert.equal(verbose.code, 0, verbose.stderr);
    assert.match(verbose.stderr, /ignored: \S*deep\/blob\.bin/);
    assert.match(verbose.stderr, /ignored: \S*notes\.txt/);
  });

  it('writes JSONL, honours --pages and --threshold, and exits 0 when all inputs succeed', async () => {
    const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-')), 'all.jsonl');
    const result = await doclayout(['analyze', path.join(inputs, 'doc.pdf'), path.join(inputs, 'page.jpg'), '--jsonl', out, '--model', model, '--pages', '2', '--threshold', '0.89']);
    assert.equal(result.code, 0, result.stderr);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    const pdfPage = lines.find((l) => l.input.name === 'doc.pdf');
    assert.equal(pdfPage.input.page, 2);
    for (const line of lines) assert.deepEqual(line.regions.map((r: { label: string }) => r.label).sort(), ['doc_title', 'image', 'text']);
  });

  it('--resume skips inputs whose output exists, --visualize writes overlays', async () => {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-'));
    const first = await doclayout(['analyze', path.join(inputs, 'page.jpg'), '--out', out, '--model', model, '--visualize']);
    assert.equal(first.code, 0, first.stderr);
    const overlay = await sharp(path.join(out, 'page.overlay.png')).metadata();
    assert.equal(overlay.width, 800);
    const before = fs.statSync(path.join(out, 'page.json')).mtimeMs;
    const second = await doclayout(['analyze', path.join(inputs, 'page.jpg'), '--out', out, '--model', model, '--resume']);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /1 skipped/);
    assert.equal(fs.statSync(path.join(out, 'page.json')).mtimeMs, before);
  });

  it('--devices --visualize --crops: the pool draws them where it decoded the page, the same files as in process', async () => {
    const files = [path.join(inputs, 'page.jpg'), path.join(inputs, 'doc.pdf')];
    const flags = ['--model', model, '--visualize', '--cpu-threads', '1'];
    const local = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-local-'));
    const pooled = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pool-'));
    const inProcess = await doclayout(['analyze', ...files, '--out', local, '--crops', path.join(local, 'crops'), ...flags]);
    assert.equal(inProcess.code, 0, inProcess.stderr);
    const viaPool = await doclayout(['analyze', ...files, '--out', pooled, '--crops', path.join(pooled, 'crops'), '--devices', 'cpu', ...flags]);
    assert.equal(viaPool.code, 0, viaPool.stderr);
    for (const overlay of ['page.overlay.png', 'doc-p0001.overlay.png', 'doc-p0002.overlay.png']) {
      const meta = await sharp(path.join(pooled, overlay)).metadata();
      assert.equal(meta.format, 'png', overlay);
      // One pipeline on both paths: the same pixels, the same regions, the same encoder.
      assert.ok(fs.readFileSync(path.join(pooled, overlay)).equals(fs.readFileSync(path.join(local, overlay))), `${overlay} differs between the pool and in process`);
    }
    const crops = fs.readdirSync(path.join(pooled, 'crops')).sort();
    assert.ok(crops.length > 0);
    assert.deepEqual(crops, fs.readdirSync(path.join(local, 'crops')).sort());
  });

  it('refuses two inputs that would write the same file (a.jpg and a.png → a.json) before any work', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-stems-'));
    await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } }).jpeg().toFile(path.join(dir, 'a.jpg'));
    await sharp({ create: { width: 100, height: 100, channels: 3, background: '#fff' } }).png().toFile(path.join(dir, 'a.png'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-'));
    const result = await doclayout(['analyze', dir, '--out', out, '--model', model]);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /a\.jpg and a\.png would both write a\.json/);
    assert.deepEqual(fs.readdirSync(out), []);
  });

  it('reports a PDF with no pages as a failed input (LAYOUT_ERR_PDF), like the server', async () => {
    const empty = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-empty-')), 'empty.pdf');
    // pdf-lib adds a blank page to a document without one unless told not to.
    fs.writeFileSync(empty, await (await PDFDocument.create()).save({ addDefaultPage: false }));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-'));
    const result = await doclayout(['analyze', empty, '--out', out, '--model', model]);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /0 ok, 1 failed/);
    assert.match(result.stderr, /empty\.pdf: the document has no pages \[LAYOUT_ERR_PDF\]/);
    assert.ok(!fs.existsSync(path.join(out, 'empty.json')));
  });

  for (const [how, deviceArgs] of [
    // Through the pool: its device workers render pages under the time budget.
    ['through the pool', ['--device', 'cpu']],
    // The model in process: pages render on the CLI's PDF threads, under the same budget.
    ['in process', []],
  ] as const) {
    it(`${how}: writes the other pages of a PDF whose page 2 is past --pdf-page-timeout-ms, reports that page and exits 1`, async () => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-slow-'));
      fs.writeFileSync(path.join(dir, 'slow-middle.pdf'), await pdfWithSlowPage(3, 2));
      const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-out-'));
      const result = await doclayout(['analyze', dir, '--out', out, '--model', model, ...deviceArgs, '--cpu-threads', '1', '--pdf-page-timeout-ms', '10000']);
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /0 ok, 1 partial, 0 failed, 0 skipped; 2 pages \(1 failed\)/);
      assert.match(result.stderr, /failed: slow-middle\.pdf page 2: .*took longer than 10000 ms to render.* \[LAYOUT_ERR_PDF\]/);
      const doc = JSON.parse(fs.readFileSync(path.join(out, 'slow-middle.json'), 'utf8'));
      assert.equal(doc.input.pageCount, 3);
      assert.equal(doc.failedPages, 1);
      assert.equal(doc.pages.length, 3);
      assert.equal(doc.pages[0].input.page, 1);
      assert.ok(doc.pages[0].regions.length > 0);
      assert.deepEqual(Object.keys(doc.pages[1]).sort(), ['error', 'page']);
      assert.equal(doc.pages[1].page, 2);
      assert.equal(doc.pages[1].error.code, 'LAYOUT_ERR_PDF');
      assert.equal(doc.pages[2].input.page, 3);
      assert.ok(doc.pages[2].regions.length > 0);
    });
  }

  it('says how to get a model when none is configured, and exits non-zero', async () => {
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-models-'));
    const result = await doclayout(['analyze', path.join(inputs, 'page.jpg'), '--out', empty], { DOCLAYOUT_MODEL_DIR: empty, DOCLAYOUT_MODEL: '' });
    assert.notEqual(result.code, 0);
    assert.match(result.stderr, /doclayout models pull pp-doclayoutv3/);
    assert.match(result.stderr, /LAYOUT_ERR_MODEL_NOT_FOUND/);
  });

  it('needs somewhere to write, and says so with exit code 2', async () => {
    const result = await doclayout(['analyze', path.join(inputs, 'page.jpg'), '--model', model]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--out DIR or --jsonl FILE/);
  });

  it('rejects a bad parameter with exit code 2', async () => {
    const result = await doclayout(['analyze', path.join(inputs, 'page.jpg'), '--jsonl', '-', '--model', model, '--threshold', '7']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /threshold/);
  });

  it('lists known models and resolves paths', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-models-'));
    const list = await doclayout(['models', 'list', '--json', '--model-dir', dir]);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout);
    assert.ok(rows.some((r: { name: string; default: boolean }) => r.name === 'pp-doclayoutv3' && r.default));
    const resolved = await doclayout(['models', 'path', model]);
    assert.equal(resolved.stdout.trim(), model);
    const info = await doclayout(['models', 'info', model]);
    assert.equal(JSON.parse(info.stdout).variant, 'pp-doclayoutv3');
  });
});
