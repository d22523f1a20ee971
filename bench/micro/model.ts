/**
 * `npm run bench:model`: the engine alone, in one process, one session with all cores. Reports
 * raw session.run pages/s and the per-stage split (decode, preprocess, infer, postprocess) over
 * the sample pages, and checks the target: decode + pre + post ≤ 10 % of infer.
 */
import { performance } from 'node:perf_hooks';
import { loadModel } from '../../src/model/pipeline.js';
import type { PageResult } from '../../src/model/types.js';
import { benchModels, median, round, samplePages, writeResults } from '../common/results.js';

const rounds = Number(process.env.BENCH_ROUNDS ?? 3);

async function benchOne(modelPath: string, kind: string) {
  const model = await loadModel(modelPath, { device: 'cpu' });
  const pages = samplePages();
  await model.analyze(pages[0]!.bytes, {}, { name: 'warm-up' });
  const results: PageResult[] = [];
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    for (const page of pages) results.push(await model.analyze(page.bytes, {}, { name: page.name }));
  }
  const wallSeconds = (performance.now() - started) / 1000;
  await model.release();
  const stage = (key: keyof PageResult['timing']) => round(median(results.map((r) => r.timing[key])));
  const split = { decodeMs: stage('decodeMs'), preprocessMs: stage('preprocessMs'), inferMs: stage('inferMs'), postprocessMs: stage('postprocessMs') };
  const overhead = split.decodeMs + split.preprocessMs + split.postprocessMs;
  const perImage = pages.map((p) => {
    const mine = results.filter((r) => r.input.name === p.name);
    return {
      name: p.name,
      width: mine[0]!.input.width,
      height: mine[0]!.input.height,
      regions: mine[0]!.regions.length,
      decodeMs: round(median(mine.map((r) => r.timing.decodeMs))),
      preprocessMs: round(median(mine.map((r) => r.timing.preprocessMs))),
      postprocessMs: round(median(mine.map((r) => r.timing.postprocessMs))),
    };
  });
  return {
    model: modelPath,
    modelKind: kind,
    modelName: model.info.name,
    pages: results.length,
    rawInferPagesPerSec: round(1000 / split.inferMs),
    endToEndPagesPerSec: round(results.length / wallSeconds),
    medianMs: split,
    overheadRatio: round(overhead / split.inferMs, 4),
    targetOverheadRatio: 0.1,
    targetMet: overhead / split.inferMs <= 0.1,
    perImage,
  };
}

const runs = [];
for (const { path, kind } of benchModels()) {
  process.stderr.write(`bench:model — ${kind} model ${path}\n`);
  runs.push(await benchOne(path, kind));
}
for (const run of runs) {
  process.stdout.write(`\n${run.modelKind} ${run.modelName}: ${run.pages} pages\n`);
  process.stdout.write(`  raw session.run     ${run.rawInferPagesPerSec} pages/s\n`);
  process.stdout.write(`  end to end          ${run.endToEndPagesPerSec} pages/s\n`);
  process.stdout.write(`  median ms           decode ${run.medianMs.decodeMs} | preprocess ${run.medianMs.preprocessMs} | infer ${run.medianMs.inferMs} | postprocess ${run.medianMs.postprocessMs}\n`);
  process.stdout.write(`  (decode+pre+post)/infer = ${(run.overheadRatio * 100).toFixed(1)} % (target ≤ 10 %: ${run.targetMet ? 'met' : 'NOT met'})\n`);
}
process.stdout.write(`\nwrote ${writeResults('model', { rounds, runs })}\n`);
