import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { decodeImage, openSession, type LayoutSession } from '../../src/model/index.js';
import { BatchPipeline, InlineStages, loadModel, SessionDevice, type LayoutModel, type PipelineOutcome, type PipelineTask } from '../../src/pipeline/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';

const page = (width: number, height: number, value: number, format: 'png' | 'jpeg' = 'png') =>
  sharp({ create: { width, height, channels: 3, background: { r: value, g: value, b: value } } })[format]().toBuffer();

describe('loadModel: the page pipeline in process, on the fixture model (real onnxruntime session)', () => {
  let model: LayoutModel;
  before(async () => {
    model = await loadModel(writeFixtureModel({ variant: 'v3' }));
  });
  after(() => model.release());

  it('returns the result JSON shape with regions in reading order', async () => {
    const result = await model.analyze(await page(800, 800, 255), {}, { name: 'white.png' });
    assert.equal(result.model, 'fixture-v3');
    assert.deepEqual(result.input, { name: 'white.png', page: 1, width: 800, height: 800 });
    for (const key of ['decodeMs', 'preprocessMs', 'inferMs', 'postprocessMs'] as const) assert.ok(result.timing[key] >= 0);
    const labels = result.regions.map((r) => r.label);
    // Row 6 (duplicate) falls to NMS, row 8 (score 0.3) to the threshold.
    assert.equal(result.regions.length, 7);
    assert.deepEqual(result.regions.filter((r) => r.order !== null).map((r) => [r.label, r.order]), [
      ['doc_title', 1], ['text', 2], ['paragraph_title', 3], ['text', 4],
    ]);
    for (const label of ['header', 'table', 'image']) {
      assert.ok(labels.includes(label), label);
      assert.equal(result.regions.find((r) => r.label === label)!.order, null);
    }
    const title = result.regions.find((r) => r.label === 'doc_title')!;
    assert.deepEqual(title.bbox, [100, 40, 700, 90]);
    assert.equal(title.labelId, 6);
    assert.ok(Math.abs(title.score - 0.95) < 1e-6);
    assert.ok(title.polygon && title.polygon.length >= 4);
  });

  it('maps boxes back to original pixels on a non-square page', async () => {
    const result = await model.analyze(await page(1600, 400, 255), {}, { name: 'wide.png' });
    assert.equal(result.input.width, 1600);
    assert.equal(result.input.height, 400);
    const title = result.regions.find((r) => r.label === 'doc_title')!;
    // x scaled by 1600/800, y by 400/800.
    assert.deepEqual(title.bbox, [200, 20, 1400, 45]);
    for (const r of result.regions) {
      assert.ok(r.bbox[0] >= 0 && r.bbox[2] <= 1600 && r.bbox[1] >= 0 && r.bbox[3] <= 400, JSON.stringify(r.bbox));
    }
  });

  it('applies EXIF orientation before measuring the page', async () => {
    // Stored 400×800, orientation 6 (rotate 90° clockwise) → displayed 800×400.
    const stored = await sharp({ create: { width: 400, height: 800, channels: 3, background: '#ffffff' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const result = await model.analyze(stored, {}, { name: 'rotated.jpg' });
    assert.equal(result.input.width, 800);
    assert.equal(result.input.height, 400);
    assert.deepEqual(result.regions.find((r) => r.label === 'doc_title')!.bbox, [100, 20, 700, 45]);
  });

  it('feeds the real pixels through the graph (the brightness-scored region follows the page)', async () => {
    const white = await model.analyze(await page(800, 800, 255));
    const black = await model.analyze(await page(800, 800, 0));
    assert.ok(white.regions.some((r) => r.label === 'image'));
    assert.ok(!black.regions.some((r) => r.label === 'image'));
  });

  it('honours per-request parameters', async () => {
    const bytes = await page(800, 800, 255);
    // On a white page the brightness-scored image row scores 1.0 and survives too.
    const strict = await model.analyze(bytes, { threshold: 0.89 });
    assert.deepEqual(strict.regions.map((r) => r.label).sort(), ['doc_title', 'image', 'text']);
    const perClass = await model.analyze(bytes, { threshold: { doc_title: 0.99, text: 0.95 } });
    assert.ok(!perClass.regions.some((r) => r.label === 'doc_title' || r.label === 'text'));
    assert.ok(perClass.regions.some((r) => r.label === 'table'));
    const noNms = await model.analyze(bytes, { layoutNms: false, threshold: 0.5 });
    assert.ok(noNms.regions.length >= 7);
    const rect = await model.analyze(bytes, { shapeMode: 'rect' });
    const text = rect.regions.find((r) => r.label === 'text')!;
    assert.equal(text.polygon!.length, 4);
  });

  it('rejects bad bytes with the error code a worker would send', async () => {
    await assert.rejects(model.analyze(new TextEncoder().encode('definitely not an image'), {}, { name: 'bad.png' }), { code: 'LAYOUT_ERR_UNSUPPORTED_MEDIA' });
  });

  it('takes pixels decoded by the caller and gives the regions of the same page as bytes', async () => {
    const bytes = await page(800, 600, 255);
    const fromBytes = await model.analyze(bytes);
    const fromPixels = await model.analyze(await decodeImage(bytes));
    assert.deepEqual(fromPixels.regions, fromBytes.regions);
    assert.deepEqual(fromPixels.input, fromBytes.input);
  });

  it('makes the images a page asks for, encoded, from its decoded pixels', async () => {
    const result = await model.analyzePage({
      source: { kind: 'image', bytes: await page(800, 800, 255) },
      name: 'white.png',
      outputs: { overlay: 'png', pageImage: true, crops: { format: 'jpeg', labels: ['doc_title'] } },
    });
    assert.ok(result.images, 'images came back');
    const overlay = await sharp(result.images.overlay!).metadata();
    assert.deepEqual([overlay.format, overlay.width, overlay.height], ['png', 800, 800]);
    const jpeg = await sharp(result.images.pageJpeg!).metadata();
    assert.deepEqual([jpeg.format, jpeg.width, jpeg.height], ['jpeg', 800, 800]);
    assert.equal(result.images.crops!.length, 1);
    assert.equal(result.images.crops![0]!.label, 'doc_title');
    assert.equal((await sharp(result.images.crops![0]!.data).metadata()).width, 600);
    // Nothing asked, nothing made.
    assert.equal((await model.analyzePage({ source: { kind: 'image', bytes: await page(80, 80, 255) }, name: 'plain.png' })).images, undefined);
  });
});

describe('BatchPipeline inline over a session (one run per batch)', () => {
  let session: LayoutSession;
  before(async () => {
    session = await openSession(writeFixtureModel({ variant: 'v3' }));
  });
  after(() => session.release());

  /** One batch through the pipeline, run inline on this thread. */
  function runBatch(tasks: PipelineTask[]): Promise<{ outcomes: PipelineOutcome[]; runs: number }> {
    let runs = 0;
    const device = new SessionDevice(session);
    return new Promise((resolve) => {
      const pipeline = new BatchPipeline({
        stages: new InlineStages(),
        inference: { info: device.info, run: (pixels, geometries) => { runs += 1; return device.run(pixels, geometries); }, current: () => device.current() },
        maxPixels: 100_000_000,
        overlap: false,
        onResult: (_batchId, outcomes) => resolve({ outcomes, runs }),
      });
      pipeline.submit(1, tasks);
    });
  }
  const task = (taskId: string, bytes: Uint8Array, params = {}): PipelineTask => ({ taskId, source: { kind: 'image', bytes }, name: `${taskId}.png`, params });

  it('fails a bad item alone and answers the rest of the batch', async () => {
    const { outcomes, runs } = await runBatch([
      task('good-1', await page(800, 800, 255)),
      task('bad', new TextEncoder().encode('definitely not an image')),
      task('good-2', await page(640, 480, 255, 'jpeg'), { threshold: 0.89 }),
    ]);
    assert.equal(runs, 1, 'the good pages share one run');
    assert.deepEqual(outcomes.map((o) => [o.taskId, o.ok]), [['good-1', true], ['bad', false], ['good-2', true]]);
    if (!outcomes[1]!.ok) assert.equal(outcomes[1]!.code, 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    if (outcomes[2]!.ok) {
      assert.equal(outcomes[2]!.result.input.width, 640);
      assert.equal(outcomes[2]!.result.regions.length, 3);
    }
  });

  it('gives the same regions batched as one by one', async () => {
    const a = await page(800, 600, 255);
    const b = await page(500, 900, 255);
    const single = [(await runBatch([task('a', a)])).outcomes[0]!, (await runBatch([task('b', b)])).outcomes[0]!];
    const { outcomes, runs } = await runBatch([task('a', a), task('b', b)]);
    assert.equal(runs, 1);
    outcomes.forEach((outcome, i) => {
      const one = single[i]!;
      assert.ok(outcome.ok && one.ok);
      if (outcome.ok && one.ok) assert.deepEqual(outcome.result.regions, one.result.regions);
    });
  });
});
