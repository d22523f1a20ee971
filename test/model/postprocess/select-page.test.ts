import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { openSession, postprocess, preprocess, selectPageOutputs, type LayoutSession, type PageGeometry } from '../../../src/model/index.js';
import { writeFixtureModel } from '../../fixtures/fixture-model.js';

describe('selectPageOutputs: one page of a batch, cut to the rows its threshold can keep', () => {
  let session: LayoutSession;
  before(async () => {
    session = await openSession(writeFixtureModel({ variant: 'v3' }));
  });
  after(() => session.release());

  async function batchOfTwo(): Promise<{ raw: Awaited<ReturnType<LayoutSession['run']>>; geometries: PageGeometry[] }> {
    const pages = await Promise.all([
      sharp({ create: { width: 800, height: 800, channels: 3, background: '#ffffff' } }).png().toBuffer(),
      sharp({ create: { width: 1200, height: 600, channels: 3, background: '#000000' } }).png().toBuffer(),
    ].map(async (bytes) => preprocess(await bytes, session.info)));
    const length = pages[0]!.pixels.length;
    const pixels = new Float32Array(2 * length);
    pages.forEach((p, i) => pixels.set(p.pixels, i * length));
    const geometries = pages.map((p) => p.geometry);
    return { raw: await session.run(pixels, geometries), geometries };
  }

  it('gives the same regions as post-processing the whole batch, for every threshold form', async () => {
    const { raw, geometries } = await batchOfTwo();
    const thresholds = [undefined, 0.5, 0.25, 0.89, { text: 0.2, table: 0.95 }, { doc_title: 0.99 }] as const;
    for (const threshold of thresholds) {
      for (const imageIndex of [0, 1]) {
        const params = threshold === undefined ? {} : { threshold };
        const whole = postprocess(raw, imageIndex, geometries[imageIndex]!, session.info, params);
        const selected = selectPageOutputs(raw, imageIndex, threshold);
        assert.deepEqual(postprocess(selected, 0, geometries[imageIndex]!, session.info, params), whole, `${JSON.stringify(threshold)} image ${imageIndex}`);
      }
    }
  });

  it('keeps only rows above the lowest threshold, with their masks', async () => {
    const { raw } = await batchOfTwo();
    const cells = raw.maskWidth * raw.maskHeight;
    const all = raw.rowsPerImage[0]!;
    const selected = selectPageOutputs(raw, 0, 0.5);
    const kept = selected.rowsPerImage[0]!;
    assert.ok(kept > 0 && kept < all, `kept ${kept} of ${all}`);
    assert.equal(selected.detections.length, kept * raw.rowWidth);
    assert.equal(selected.masks!.length, kept * cells);
    for (let k = 0; k < kept; k++) assert.ok(selected.detections[k * raw.rowWidth + 1]! > Math.fround(0.5));
    // A mask travels with its row: the first kept row's mask is the source row's mask.
    const firstRow = Array.from({ length: all }, (_, r) => r).find((r) => raw.detections[r * raw.rowWidth + 1]! > Math.fround(0.5))!;
    assert.deepEqual(selected.masks!.subarray(0, cells), raw.masks!.subarray(firstRow * cells, (firstRow + 1) * cells));
  });
});
