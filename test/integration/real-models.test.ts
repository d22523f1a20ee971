/**
 * Runs every real model placed in ../shared/models/ over the real sample pages. There is no
 * ground truth: checks are for sanity (regions inside the page, known labels, plausible counts,
 * identical results on a second run). When no model is there it is reported as skipped, with the
 * reason (never as a pass): real weights are optional, most machines cannot download them.
 * DOCLAYOUT_REAL_MODELS_DIR points it at another folder than ../shared/models.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it, test } from 'node:test';
import { loadModel } from '../../src/pipeline/index.js';
import { samplesDir, sharedModelsDir } from '../fixtures/paths.js';
import { missingDependency, sharedSamplesProblem } from '../helpers/require-dep.js';

const modelDir = process.env.DOCLAYOUT_REAL_MODELS_DIR || sharedModelsDir;
const sampleDir = samplesDir;
const models = fs.existsSync(modelDir) ? fs.readdirSync(modelDir).filter((f) => f.endsWith('.onnx')).sort() : [];
const samples = fs.existsSync(sampleDir) ? fs.readdirSync(sampleDir).filter((f) => /\.(jpe?g|png)$/i.test(f)).sort() : [];

// Sample pages are part of ../shared (DOCLAYOUT_REQUIRE=shared fails without them); real
// weights are optional.
const noSamples = missingDependency('shared', sharedSamplesProblem());
const skip = noSamples || (models.length === 0 ? `no *.onnx in ${modelDir} (real weights are optional)` : false);

// A test of its own, not an empty suite: the runner counts it as skipped and prints the reason.
if (skip) test('real models on real pages', { skip });
else describe('real models on real pages', { timeout: 600_000 }, () => {
  for (const file of models) {
    it(`${file}: sane, stable regions on every sample page`, async () => {
      console.log(`# real model: ${path.join(modelDir, file)}`);
      const model = await loadModel(path.join(modelDir, file));
      try {
        let total = 0;
        for (const sample of samples) {
          const bytes = fs.readFileSync(path.join(sampleDir, sample));
          const first = await model.analyze(bytes, {}, { name: sample });
          const second = await model.analyze(bytes, {}, { name: sample });
          assert.deepEqual(second.regions, first.regions, `${sample}: results differ between runs`);
          for (const region of first.regions) {
            const [x1, y1, x2, y2] = region.bbox;
            assert.ok(x1 >= 0 && y1 >= 0 && x2 <= first.input.width && y2 <= first.input.height && x2 > x1 && y2 > y1, `${sample}: ${JSON.stringify(region)}`);
            assert.ok(model.info.labels.includes(region.label), region.label);
            assert.ok(region.score > 0 && region.score <= 1);
          }
          const ordered = first.regions.filter((r) => r.order !== null).map((r) => r.order);
          assert.deepEqual(ordered, ordered.map((_, i) => i + 1), `${sample}: order must be 1..n`);
          assert.ok(first.regions.length < 300, `${sample}: implausible region count ${first.regions.length}`);
          total += first.regions.length;
          console.log(`#   ${sample}: ${first.regions.length} regions (${[...new Set(first.regions.map((r) => r.label))].join(', ')})`);
        }
        assert.ok(total > samples.length, 'a layout model should find regions on real document pages');
      } finally {
        await model.release();
      }
    });
  }
});
