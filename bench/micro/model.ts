/**
 * `npm run bench:model`: the engine alone, in one process, one session with all cores. Reports
 * raw session.run pages/s and the per-stage split (decode, preprocess, infer, postprocess) over
 * the sample pages, and checks the target: decode + pre + post ≤ 10 % of infer. A round is one
 * pass over the sample pages; the overhead ratio is taken per round (both sides from the same
 * pages, moments apart) and the target is met only when the upper bound of the confidence
 * interval for its median is ≤ 10 % (bench/common/stats.ts).
 * Options: --rounds R (default 7; env BENCH_ROUNDS), --quick (2 rounds, results to the temp folder).
 */
import { performance } from 'node:perf_hooks';
import { loadModel } from '../../src/pipeline/index.js';
import type { PageResult } from '../../src/model/types.js';
import { intOption } from '../common/options.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatRatio, median, round, summarizeRatios } from '../common/stats.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 7, 2);
const TARGET_OVERHEAD_RATIO = 0.1;

async function benchOne(modelPath: string, kind: string) {
  const model = await loadModel(modelPath, { device: 'cpu' });
  const pages = samplePages();
  await model.analyze(pages[0]!.bytes, {}, { name: 'warm-up' });
  const results: PageResult[] = [];
  /** (decode + pre + post) ÷ infer of each round, over that round's pages. */
  const overheadRatios: number[] = [];
  const started = performance.now();
  for (let r = 0; r < rounds; r++) {
    let overheadMs = 0;
    let inferMs = 0;
    for (const page of pages) {
      const result = await model.analyze(page.bytes, {}, { name: page.name });
      results.push(result);
      overheadMs += result.timing.decodeMs + result.timing.preprocessMs + result.timing.postprocessMs;
      inferMs += result.timing.inferMs;
    }
    overheadRatios.push(overheadMs / inferMs);
  }
  const wallSeconds = (performance.now() - started) / 1000;
  await model.release();
  const stage = (key: keyof PageResult['timing']) => round(median(results.map((r) => r.timing[key])));
  const split = { decodeMs: stage('decodeMs'), preprocessMs: stage('preprocessMs'), inferMs: stage('inferMs'), postprocessMs: stage('postprocessMs') };
  const overhead = summarizeRatios(overheadRatios, TARGET_OVERHEAD_RATIO, 'atMost');
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
    // (decode + pre + post) ÷ infer: per round, median, interval, target (≤ 0.1) and verdict.
    overhead,
    targetMet: overhead.targetMet,
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
  process.stdout.write(`  (decode+pre+post) ÷ infer per round = ${formatRatio(run.overhead)}\n`);
}
process.stdout.write(`\nwrote ${writeResults('model', { rounds, runs })}\n`);
