/**
 * COCO output: checked against the COCO detection format (a schema of its fields and the links
 * between them), round-tripped back to doclayout's boxes and polygons, and — where Python's
 * pycocotools is installed — loaded by the real consumer, whose areas and masks must agree.
 * (Debian 12 has no python3-pycocotools package, so CI relies on the schema check.)
 */
import { unzipSync } from 'fflate';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { exportDocument, toCoco, type CocoDataset, type ExportDocument } from '../../src/export/index.js';
import { HOSTILE_LABEL, page, region, richPage } from './sample-results.js';

const cocoSchema = z.object({
  info: z.object({ description: z.string(), version: z.string(), date_created: z.string(), contributor: z.string() }),
  licenses: z.array(z.unknown()),
  images: z.array(z.object({ id: z.number().int().positive(), file_name: z.string().min(1), width: z.number().int().positive(), height: z.number().int().positive() })),
  annotations: z.array(z.object({
    id: z.number().int().positive(),
    image_id: z.number().int().positive(),
    category_id: z.number().int().positive(),
    bbox: z.tuple([z.number().min(0), z.number().min(0), z.number().min(0), z.number().min(0)]),
    area: z.number().min(0),
    segmentation: z.array(z.array(z.number().min(0)).min(6).refine((xs) => xs.length % 2 === 0, 'x,y pairs')).min(1),
    iscrowd: z.literal(0),
    score: z.number().min(0).max(1),
  })),
  categories: z.array(z.object({ id: z.number().int().positive(), name: z.string(), supercategory: z.string() })),
});

/** The format's rules beyond field types: unique ids, references resolve, boxes inside images. */
function assertConsistent(dataset: CocoDataset): void {
  cocoSchema.parse(dataset);
  const images = new Map(dataset.images.map((im) => [im.id, im]));
  assert.equal(images.size, dataset.images.length, 'image ids unique');
  assert.equal(new Set(dataset.annotations.map((a) => a.id)).size, dataset.annotations.length, 'annotation ids unique');
  const categories = new Set(dataset.categories.map((c) => c.id));
  assert.equal(categories.size, dataset.categories.length, 'category ids unique');
  for (const a of dataset.annotations) {
    const im = images.get(a.image_id);
    assert.ok(im, `annotation ${a.id} points at image ${a.image_id}`);
    assert.ok(categories.has(a.category_id), `annotation ${a.id} has a known category`);
    assert.ok(a.bbox[0] + a.bbox[2] <= im.width && a.bbox[1] + a.bbox[3] <= im.height, 'box inside its image');
  }
}

const labels = ['abstract', 'algorithm', 'aside_text', 'chart', 'content', 'display_formula', 'doc_title', 'figure_title', 'footer', 'footer_image', 'footnote', 'formula_number', 'header', 'header_image', 'image', 'inline_formula', 'number', 'paragraph_title', 'reference', 'reference_content', 'seal', 'table', 'text', 'vertical_text', 'vision_footnote'];

describe('COCO writer', () => {
  const docs: ExportDocument[] = [
    { name: 'page.jpg', isPdf: false, pages: [richPage()] },
    { name: 'report.pdf', isPdf: true, pages: [page([], { page: 1 }), page(richPage().regions.slice(0, 3), { page: 2 })] },
  ];

  test('one dataset for a run: an image per page, categories from the model labels, valid and consistent', () => {
    const dataset = toCoco(docs, { labels });
    assertConsistent(dataset);
    assert.deepEqual(dataset.images.map((im) => im.file_name), ['images/page.jpg', 'images/report-p0001.jpg', 'images/report-p0002.jpg']);
    assert.equal(dataset.annotations.length, richPage().regions.length + 3);
    assert.deepEqual(dataset.categories.slice(0, 25).map((c) => c.name), labels);
    assert.deepEqual(dataset.categories.slice(0, 25).map((c) => c.id), labels.map((_, i) => i + 1));
    // A label outside the model's list (labelId 99) still gets a category.
    assert.equal(dataset.categories.find((c) => c.id === 100)?.name, HOSTILE_LABEL);
  });

  test('boxes and polygons round-trip to the result they came from', () => {
    const dataset = toCoco(docs, { labels });
    const results = docs.flatMap((d) => d.pages);
    const names = new Map(dataset.categories.map((c) => [c.id, c.name]));
    dataset.images.forEach((im, i) => {
      const back = dataset.annotations.filter((a) => a.image_id === im.id).map((a) => {
        const [x, y, w, h] = a.bbox;
        const flat = a.segmentation[0]!;
        const polygon = Array.from({ length: flat.length / 2 }, (_, k) => [flat[2 * k]!, flat[2 * k + 1]!]);
        return { label: names.get(a.category_id), labelId: a.category_id - 1, bbox: [x, y, x + w, y + h], polygon, order: a.order, score: a.score };
      });
      const original = results[i]!.regions.map((r) => ({
        label: r.label, labelId: r.labelId, bbox: [...r.bbox], order: r.order, score: r.score,
        polygon: r.polygon ? r.polygon.map(([px, py]) => [px, py]) : [[r.bbox[0], r.bbox[1]], [r.bbox[2], r.bbox[1]], [r.bbox[2], r.bbox[3]], [r.bbox[0], r.bbox[3]]],
      }));
      assert.deepEqual(back, original);
    });
  });

  test('area is the polygon area for masks, the box area otherwise', () => {
    const dataset = toCoco([{ name: 'a.png', isPdf: false, pages: [page([
      region('text', 22, [0, 0, 10, 10], 1, [[0, 0], [10, 0], [0, 10]]),
      region('table', 21, [0, 0, 20, 5], null),
    ])] }]);
    assert.deepEqual(dataset.annotations.map((a) => a.area), [50, 100]);
  });

  test('zero regions and huge pages stay valid; the dataset zip holds coco.json and the page images it names', () => {
    const images = new Map([[1, new Uint8Array([1, 2, 3])], [2, new Uint8Array([4, 5])]]);
    const file = exportDocument('coco', { name: 'scans/x.pdf', isPdf: true, pages: [page([], { page: 1 }), page([region('text', 22, [0, 0, 99_999, 149_999], 1)], { width: 100_000, height: 150_000, page: 2 })], pageImages: images });
    assert.equal(file.contentType, 'application/zip');
    assert.equal(file.fileName, 'x.coco.zip');
    const entries = unzipSync(file.body as Uint8Array);
    const dataset = JSON.parse(new TextDecoder().decode(entries['coco.json'])) as CocoDataset;
    // Relative to the dataset's root, folders kept, and every named image is in the zip.
    assert.deepEqual(dataset.images.map((i) => i.file_name), ['images/scans/x-p0001.jpg', 'images/scans/x-p0002.jpg']);
    assert.deepEqual(entries['images/scans/x-p0002.jpg'], new Uint8Array([4, 5]));
    assertConsistent(dataset);
    assert.equal(dataset.annotations[0]!.area, 99_999 * 149_999);
  });
});

const cocoPython = ['python3', '/usr/bin/python3'].find((python) => spawnSync(python, ['-c', 'import pycocotools.coco'], { stdio: 'ignore', timeout: 20_000 }).status === 0);

test('pycocotools loads the dataset; its areas and mask sizes agree', { skip: cocoPython ? false : 'pycocotools is not installed (python3-pycocotools, not packaged for Debian 12)' }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-coco-'));
  try {
    const file = path.join(dir, 'coco.json');
    const dataset = toCoco([{ name: 'page.jpg', isPdf: false, pages: [richPage()] }], { labels });
    fs.writeFileSync(file, JSON.stringify(dataset));
    const script = `import json,sys
from pycocotools.coco import COCO
c = COCO(sys.argv[1])
out = [{"id": a, "area": c.anns[a]["area"], "mask": int(c.annToMask(c.anns[a]).sum())} for a in c.getAnnIds()]
print(json.dumps({"images": len(c.getImgIds()), "cats": len(c.getCatIds()), "anns": out}))`;
    const run = spawnSync(cocoPython!, ['-c', script, file], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { images: number; cats: number; anns: Array<{ id: number; area: number; mask: number }> };
    assert.equal(report.images, 1);
    assert.equal(report.cats, dataset.categories.length);
    assert.equal(report.anns.length, dataset.annotations.length);
    // A rasterised polygon covers about its area (pixel-edge effects only).
    for (const a of report.anns) assert.ok(Math.abs(a.mask - a.area) <= 0.05 * a.area + 4 * Math.sqrt(a.area) + 4, `mask ${a.mask} vs area ${a.area}`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
