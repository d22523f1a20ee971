/** Region crops: the box's pixels, selected labels only, bounded size, degenerate boxes skipped. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { MAX_CROP_SIDE_PX, renderCrops } from '../../src/visualize/crops.js';
import type { Region } from '../../src/model/index.js';

const region = (label: string, bbox: [number, number, number, number]): Region => ({ label, labelId: 0, score: 0.9, bbox, order: null });

/** A raw RGB page: left half red, right half blue. */
function page(width: number, height: number) {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (x < width / 2) data[o] = 255;
      else data[o + 2] = 255;
    }
  }
  return { data, width, height, format: 'raw' as const };
}

test('each crop is its box cut from the page, in region order, PNG by default', async () => {
  const crops = await renderCrops(page(200, 100), [region('text', [10, 10, 60, 50]), region('table', [120, 20, 190, 90])]);
  assert.deepEqual(crops.map((c) => [c.index, c.label, c.format]), [[0, 'text', 'png'], [1, 'table', 'png']]);
  const first = await sharp(crops[0]!.data).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([first.info.width, first.info.height, first.info.format], [50, 40, 'raw']);
  assert.deepEqual([...first.data.subarray(0, 3)], [255, 0, 0]);
  const second = await sharp(crops[1]!.data).raw().toBuffer();
  assert.deepEqual([...second.subarray(0, 3)], [0, 0, 255]);
});

test('labels select regions; JPEG when asked; boxes outside the page are clamped or skipped', async () => {
  const regions = [region('text', [0, 0, 10, 10]), region('table', [150, 50, 400, 400]), region('table', [300, 300, 400, 400]), region('image', [5, 5, 5, 50])];
  const crops = await renderCrops(page(200, 100), regions, { labels: ['table', 'image'], format: 'jpeg' });
  // The second table lies wholly outside the page and the image has no width: no crop for them.
  assert.deepEqual(crops.map((c) => c.index), [1]);
  const meta = await sharp(crops[0]!.data).metadata();
  assert.deepEqual([meta.format, meta.width, meta.height], ['jpeg', 50, 50]);
});

test(`a crop's longer side is bounded to ${MAX_CROP_SIDE_PX} px, keeping its aspect`, async () => {
  const crops = await renderCrops(page(MAX_CROP_SIDE_PX * 2, 40), [region('text', [0, 0, MAX_CROP_SIDE_PX * 2, 40])]);
  const meta = await sharp(crops[0]!.data).metadata();
  assert.deepEqual([meta.width, meta.height], [MAX_CROP_SIDE_PX, 20]);
});

test('no regions, or none selected: no crops and no decode', async () => {
  assert.deepEqual(await renderCrops(Buffer.from('not an image'), []), []);
  assert.deepEqual(await renderCrops(Buffer.from('not an image'), [region('text', [0, 0, 1, 1])], { labels: ['table'] }), []);
});
