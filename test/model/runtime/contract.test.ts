import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadModel } from '../../../src/pipeline/index.js';
import { DOCLAYOUT_L_LABELS, DOCLAYOUT_V3_LABELS, labelsFromMetadata } from '../../../src/model/labels.js';
import { readOnnxFacts } from '../../../src/model/runtime/onnx-file.js';
import { makeFixtureModel, writeFixtureModel } from '../../fixtures/fixture-model.js';

describe('model contract detection', () => {
  it('detects PP-DocLayoutV3 from a 7-column output with masks', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'v3' }));
    try {
      assert.equal(model.info.variant, 'pp-doclayoutv3');
      assert.equal(model.info.contract, 'paddle');
      assert.equal(model.info.rowWidth, 7);
      assert.equal(model.info.hasMasks, true);
      assert.equal(model.info.hasOrder, true);
      assert.equal(model.info.inputWidth, 800);
      assert.equal(model.info.inputHeight, 800);
      assert.deepEqual(model.info.mean, [0, 0, 0]);
      assert.deepEqual(model.info.std, [1, 1, 1]);
      assert.deepEqual([...model.info.labels], [...DOCLAYOUT_V3_LABELS]);
      assert.equal(model.info.boxesInOriginalPixels, true);
      assert.equal(model.info.dynamicBatch, true);
    } finally {
      await model.release();
    }
  });

  it('detects PP-DocLayoutV2 from 8 columns and no masks', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'v2' }));
    try {
      assert.equal(model.info.variant, 'pp-doclayoutv2');
      assert.equal(model.info.rowWidth, 8);
      assert.equal(model.info.hasMasks, false);
    } finally {
      await model.release();
    }
  });

  it('detects a 6-column PP-DocLayout-L export with its own input size and labels', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'l' }));
    try {
      assert.equal(model.info.variant, 'pp-doclayout');
      assert.equal(model.info.inputWidth, 640);
      assert.equal(model.info.hasOrder, false);
      assert.deepEqual([...model.info.labels], [...DOCLAYOUT_L_LABELS]);
    } finally {
      await model.release();
    }
  });

  it('reads a transformers-style export: sigmoid scores, normalised boxes, pairwise order', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'transformers' }));
    try {
      assert.equal(model.info.contract, 'transformers');
      assert.equal(model.info.variant, 'pp-doclayoutv3');
      assert.equal(model.info.hasMasks, false);
      const sharp = (await import('sharp')).default;
      const page = await sharp({ create: { width: 1600, height: 400, channels: 3, background: '#fff' } }).png().toBuffer();
      const result = await model.analyze(page);
      const title = result.regions.find((r) => r.label === 'doc_title')!;
      assert.deepEqual(title.bbox, [200, 20, 1400, 45]);
      assert.ok(Math.abs(title.score - 0.95) < 1e-4);
      assert.deepEqual(result.regions.filter((r) => r.order !== null).map((r) => [r.label, r.order]), [
        ['doc_title', 1], ['text', 2], ['paragraph_title', 3], ['text', 4],
      ]);
    } finally {
      await model.release();
    }
  });

  it('prefers the label list stored in the model metadata', async () => {
    const labels = DOCLAYOUT_V3_LABELS.map((l) => `custom_${l}`);
    const model = await loadModel(writeFixtureModel({ variant: 'v3', metadataLabels: labels }));
    try {
      assert.equal(model.info.labels[0], 'custom_abstract');
      assert.equal(model.info.labels.length, 25);
    } finally {
      await model.release();
    }
  });

  it('reports a fixed batch dimension and refuses batch probes on it', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'v3', fixedBatch: true }));
    try {
      assert.equal(model.info.dynamicBatch, false);
      assert.equal(await model.probeBatch(2), false);
      assert.equal(await model.probeBatch(1), true);
    } finally {
      await model.release();
    }
  });

  it('accepts batch > 1 on a dynamic-batch export', async () => {
    const model = await loadModel(writeFixtureModel({ variant: 'v3' }));
    try {
      assert.equal(await model.probeBatch(3), true);
    } finally {
      await model.release();
    }
  });
});

describe('ONNX file facts', () => {
  it('reads metadata and the names graph nodes consume without onnxruntime', () => {
    const facts = readOnnxFacts(makeFixtureModel({ variant: 'v3', metadataLabels: ['a', 'b'] }));
    assert.equal(facts.metadata.model_name, 'fixture-v3');
    assert.equal(facts.metadata.character, '["a","b"]');
    assert.ok(facts.consumedNames.has('scale_factor'));
    assert.ok(facts.consumedNames.has('image'));
    assert.equal(facts.producerName, 'doclayout-test-fixture');
  });

  it('rejects truncated bytes with an error instead of reading past the end', () => {
    const bytes = makeFixtureModel({ variant: 'v3' });
    assert.throws(() => readOnnxFacts(bytes.subarray(0, 1000)), /truncated/);
  });

  it('parses the label list forms exporters use', () => {
    assert.deepEqual(labelsFromMetadata({ labels: '["x","y"]' }), ['x', 'y']);
    assert.deepEqual(labelsFromMetadata({ character: "['x', 'y']" }), ['x', 'y']);
    assert.deepEqual(labelsFromMetadata({ names: '{"1": "y", "0": "x"}' }), ['x', 'y']);
    assert.deepEqual(labelsFromMetadata({ label_list: 'x\ny\n' }), ['x', 'y']);
    assert.equal(labelsFromMetadata({ other: 'x' }), undefined);
  });
});

describe('model load failures', () => {
  it('names the file and the reason when the model is not ONNX', async () => {
    const fs = await import('node:fs');
    const path = writeFixtureModel({ variant: 'v3' });
    fs.writeFileSync(path, 'not a model');
    await assert.rejects(loadModel(path), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LAYOUT_ERR_MODEL_LOAD');
      assert.match(err.message, new RegExp(path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
      return true;
    });
  });

  it('explains the CUDA fix when the CUDA provider cannot load', async () => {
    await assert.rejects(loadModel(writeFixtureModel({ variant: 'v3' }), { device: 'cuda:0' }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LAYOUT_ERR_MODEL_LOAD');
      assert.match(err.message, /ONNXRUNTIME_NODE_INSTALL=cuda12/);
      return true;
    });
  });

  it('rejects an unknown device name', async () => {
    await assert.rejects(loadModel(writeFixtureModel({ variant: 'v3' }), { device: 'tpu:0' }), { code: 'LAYOUT_ERR_INVALID_PARAM' });
  });
});
