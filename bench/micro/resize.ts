/**
 * `npm run bench:resize`: the preprocessing resize, two ways — libvips cubic through
 * sharp (Catmull-Rom, anti-aliased when shrinking) and the OpenCV-exact INTER_CUBIC of
 * src/model/image/resize-cubic.ts (what PaddleX feeds the model). Over the sample pages and a synthetic
 * 2480×3508 scan (A4 at 300 dpi) it reports the time of each and how far apart their pixels are;
 * the exact resize fused with the model's input conversion (resizeCubicToChw) is also timed against
 * its previous plain-TypeScript implementation (test/fixtures/resize-cubic-reference.ts), the two
 * back to back in each round (order alternating), the speed-up taken per round (paired, see
 * bench/common/stats.ts), and their outputs compared;
 * with a model at hand (real, else the stand-in) it also runs both inputs through the session and
 * post-processing and reports how far the boxes move. No target: it informs the choice of resize.
 */
import { performance } from 'node:perf_hooks';
import sharp from 'sharp';
import { decodeImage, type DecodedImage } from '../../src/model/image/decode.js';
import { postprocess } from '../../src/model/postprocess/postprocess.js';
import { preprocessDecoded } from '../../src/model/image/preprocess.js';
import { resizeCubicOpenCv, resizeCubicToChw } from '../../src/model/image/resize-cubic.js';
import { createSession } from '../../src/model/runtime/session.js';
import type { Region } from '../../src/model/types.js';
import { resizeCubicToChwReference } from '../../test/fixtures/resize-cubic-reference.js';
import { intOption } from '../common/options.js';
import { benchModels, samplePages, writeResults } from '../common/results.js';
import { formatStats, median, ratioStats, round, roundOrder } from '../common/stats.js';

/** Timings per figure; the median is reported. --quick: 2 (a smoke run). */
const rounds = intOption('rounds', 'BENCH_ROUNDS', 9, 2);
const SIZE = 800;
/** PP-DocLayoutV3's input values (mean 0, std 1): bytes × float32(1/255); as tables for the old implementation. */
const MODEL_VALUES = { scale: Math.fround(1 / 255), mean: [0, 0, 0], std: [1, 1, 1] };
const IDENTITY_TABLES = [0, 1, 2].map(() => Float32Array.from({ length: 256 }, (_, v) => Math.fround(v * Math.fround(1 / 255)))) as unknown as [Float32Array, Float32Array, Float32Array];

/** A page-like synthetic scan: white paper, dark text-like strokes, a grey figure, a colour band. */
function syntheticPage(width: number, height: number): DecodedImage {
  const data = Buffer.alloc(width * height * 3, 250);
  let seed = 7;
  const random = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  for (let y = 200; y < height - 200; y += 48) {
    for (let x = 200; x < width - 200; x += 14 + Math.floor(random() * 20)) {
      const w = 4 + Math.floor(random() * 12);
      for (let dy = 0; dy < 28; dy++) for (let dx = 0; dx < w; dx++) data.fill(20 + Math.floor(random() * 40), ((y + dy) * width + x + dx) * 3, ((y + dy) * width + x + dx) * 3 + 3);
    }
    if (y > height / 2 && y < height / 2 + 600) y += 600; // leave room for the figure
  }
  for (let y = Math.floor(height / 2); y < height / 2 + 600; y++) {
    for (let x = 300; x < width - 300; x++) {
      const i = (y * width + x) * 3;
      data[i] = (x * 255) / width;
      data[i + 1] = 128;
      data[i + 2] = (y * 7) & 255;
    }
  }
  return { data, width, height, format: 'raw' };
}

function timeMs(fn: () => unknown): number[] {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    fn();
    times.push(performance.now() - start);
  }
  return times;
}

async function timeMsAsync(fn: () => Promise<unknown>): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    await fn();
    times.push(performance.now() - start);
  }
  return times;
}

/**
 * Old and new exact resize to the model input, alternating each round; wall and CPU time (the
 * latter leaves out time spent waiting for a core on a shared machine). Fails if they differ.
 * Alongside, the floor both share: allocating and writing a fresh 3×800×800 float32 tensor (on a
 * VM, the page faults of fresh memory can cost more than the resize itself).
 */
function oldVersusNew(page: DecodedImage) {
  const runOld = () => resizeCubicToChwReference(page.data, page.width, page.height, SIZE, SIZE, IDENTITY_TABLES);
  const runNew = () => resizeCubicToChw(page.data, page.width, page.height, SIZE, SIZE, MODEL_VALUES);
  const oldOut = runOld();
  const newOut = runNew();
  const identical = oldOut.length === newOut.length && oldOut.every((v, i) => Object.is(v, newOut[i]));
  if (!identical) throw new Error('old and new resizeCubicToChw differ');
  const freshTensor = () => new Float32Array(3 * SIZE * SIZE).fill(0.5);
  const wall = { old: [] as number[], new: [] as number[], freshTensor: [] as number[] };
  const cpu = { old: [] as number[], new: [] as number[], freshTensor: [] as number[] };
  const runs = [['old', runOld], ['new', runNew], ['freshTensor', freshTensor]] as const;
  for (let r = 0; r < rounds; r++) {
    for (const [key, run] of roundOrder(runs, r)) {
      const cpuStart = process.cpuUsage();
      const start = performance.now();
      run();
      wall[key].push(performance.now() - start);
      const used = process.cpuUsage(cpuStart);
      cpu[key].push((used.user + used.system) / 1000);
    }
  }
  /** old ÷ new within each round (both back to back): the speed-up, paired. */
  const speedup = (times: { old: number[]; new: number[] }) => ratioStats(times.old.map((t, r) => t / times.new[r]!));
  return {
    wallMs: { old: round(median(wall.old)), new: round(median(wall.new)), freshTensor: round(median(wall.freshTensor)) },
    cpuMs: { old: round(median(cpu.old)), new: round(median(cpu.new)), freshTensor: round(median(cpu.freshTensor)) },
    wallSpeedup: speedup(wall),
    // CPU time leaves out waiting for a core on a shared machine (1 ms resolution on some systems).
    cpuSpeedup: speedup(cpu),
    identical,
  };
}

const sharpResize = (page: DecodedImage): Promise<Buffer> =>
  sharp(page.data, { raw: { width: page.width, height: page.height, channels: 3 }, limitInputPixels: false })
    .resize(SIZE, SIZE, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();

function pixelDifference(a: Uint8Array, b: Uint8Array): { meanAbs: number; maxAbs: number; fractionDiffering: number } {
  let sum = 0;
  let max = 0;
  let differing = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    sum += d;
    if (d > max) max = d;
    if (d !== 0) differing++;
  }
  return { meanAbs: round(sum / a.length, 3), maxAbs: max, fractionDiffering: round(differing / a.length, 4) };
}

async function measurePage(name: string, page: DecodedImage) {
  await sharpResize(page); // warm-up, both paths
  resizeCubicOpenCv(page.data, page.width, page.height, SIZE, SIZE);
  const sharpMs = median(await timeMsAsync(() => sharpResize(page)));
  const opencvMs = median(timeMs(() => resizeCubicOpenCv(page.data, page.width, page.height, SIZE, SIZE)));
  const fusedMs = median(timeMs(() => resizeCubicToChw(page.data, page.width, page.height, SIZE, SIZE, MODEL_VALUES)));
  // The whole preprocessing step each way (resize + ×1/255 + HWC → CHW), as the pipeline runs it.
  const info = { inputWidth: SIZE, inputHeight: SIZE, mean: [0, 0, 0], std: [1, 1, 1] } as const;
  const preprocessSharpMs = median(await timeMsAsync(() => preprocessDecoded(page, info, { resize: 'sharp' })));
  const preprocessOpencvMs = median(await timeMsAsync(() => preprocessDecoded(page, info, { resize: 'opencv' })));
  const exactOldVsNew = oldVersusNew(page);
  const difference = pixelDifference(await sharpResize(page), resizeCubicOpenCv(page.data, page.width, page.height, SIZE, SIZE));
  return {
    name,
    width: page.width,
    height: page.height,
    medianMs: {
      sharpResize: round(sharpMs),
      opencvResize: round(opencvMs),
      opencvResizeToChw: round(fusedMs),
      preprocessSharp: round(preprocessSharpMs),
      preprocessOpencv: round(preprocessOpencvMs),
    },
    exactResizeToChwOldVsNew: exactOldVsNew,
    sharpVsOpencvPixels: difference,
  };
}

/** Greedy pairing of regions by label and IoU; the largest coordinate move over the pairs. */
function boxDifference(a: readonly Region[], b: readonly Region[]) {
  const iou = (p: Region['bbox'], q: Region['bbox']): number => {
    const w = Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0]));
    const h = Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));
    const inter = w * h;
    const union = (p[2] - p[0]) * (p[3] - p[1]) + (q[2] - q[0]) * (q[3] - q[1]) - inter;
    return union > 0 ? inter / union : 0;
  };
  const used = new Set<number>();
  let maxCoordPx = 0;
  let maxScore = 0;
  let matched = 0;
  for (const r of a) {
    let best = -1;
    let bestIou = 0.5;
    b.forEach((s, j) => {
      if (!used.has(j) && s.label === r.label && iou(r.bbox, s.bbox) > bestIou) {
        best = j;
        bestIou = iou(r.bbox, s.bbox);
      }
    });
    if (best < 0) continue;
    used.add(best);
    matched++;
    const s = b[best]!;
    for (let k = 0; k < 4; k++) maxCoordPx = Math.max(maxCoordPx, Math.abs(r.bbox[k] - s.bbox[k]));
    maxScore = Math.max(maxScore, Math.abs(r.score - s.score));
  }
  return { regionsSharp: a.length, regionsOpencv: b.length, matched, unmatched: a.length + b.length - 2 * matched, maxBoxCoordDiffPx: maxCoordPx, maxScoreDiff: round(maxScore, 5) };
}

async function compareModelOutputs(pages: ReadonlyArray<{ name: string; page: DecodedImage }>) {
  let models;
  try {
    models = benchModels();
  } catch (err) {
    process.stderr.write(`bench:resize — no model, skipping box comparison (${(err as Error).message})\n`);
    return [];
  }
  const out = [];
  for (const { path: modelPath, kind } of models) {
    const session = await createSession(modelPath, { device: 'cpu' });
    try {
      const perPage = [];
      for (const { name, page } of pages) {
        const regions: Region[][] = [];
        let maxRawDiff = 0;
        let previous: Float32Array | undefined;
        for (const resize of ['sharp', 'opencv'] as const) {
          const { pixels, geometry } = await preprocessDecoded(page, session.info, { resize });
          const raw = await session.run(pixels, [geometry]);
          if (previous) for (let i = 0; i < raw.detections.length; i++) maxRawDiff = Math.max(maxRawDiff, Math.abs(raw.detections[i] - previous[i]));
          previous = raw.detections.slice();
          regions.push(postprocess(raw, 0, geometry, session.info));
        }
        perPage.push({ name, ...boxDifference(regions[0]!, regions[1]!), maxRawOutputDiff: round(maxRawDiff, 5) });
      }
      out.push({ model: modelPath, modelKind: kind, perPage });
    } finally {
      await session.release();
    }
  }
  return out;
}

const pages: Array<{ name: string; page: DecodedImage }> = [];
for (const { name, bytes } of samplePages()) pages.push({ name, page: await decodeImage(bytes, { name }) });
pages.push({ name: 'synthetic-2480x3508', page: syntheticPage(2480, 3508) });

const perImage = [];
for (const { name, page } of pages) {
  process.stderr.write(`bench:resize — ${name} (${page.width}×${page.height})\n`);
  perImage.push(await measurePage(name, page));
}
const models = await compareModelOutputs(pages);

process.stdout.write(`\n${'page'.padEnd(22)} ${'size'.padEnd(10)} sharp ms  opencv ms  fused ms  pre sharp  pre opencv  |Δpx| mean  max  differing\n`);
for (const r of perImage) {
  const m = r.medianMs;
  const d = r.sharpVsOpencvPixels;
  process.stdout.write(`${r.name.padEnd(22)} ${`${r.width}×${r.height}`.padEnd(10)} ${String(m.sharpResize).padStart(8)}  ${String(m.opencvResize).padStart(9)}  ${String(m.opencvResizeToChw).padStart(8)}  ${String(m.preprocessSharp).padStart(9)}  ${String(m.preprocessOpencv).padStart(10)}  ${String(d.meanAbs).padStart(10)}  ${String(d.maxAbs).padStart(3)}  ${String(d.fractionDiffering).padStart(9)}\n`);
}
process.stdout.write(`\nexact resize → CHW, old (TS) vs new (WASM SIMD), alternating order, medians of ${rounds}; speed-up old ÷ new per round: median [interval]; outputs bit-identical\n${'page'.padEnd(22)} ${'size'.padEnd(10)} wall old  wall new  cpu old  cpu new  fresh tensor  | wall speed-up | cpu speed-up\n`);
for (const r of perImage) {
  const { wallMs: w, cpuMs: c, wallSpeedup, cpuSpeedup } = r.exactResizeToChwOldVsNew;
  process.stdout.write(`${r.name.padEnd(22)} ${`${r.width}×${r.height}`.padEnd(10)} ${String(w.old).padStart(8)}  ${String(w.new).padStart(8)}  ${String(c.old).padStart(7)}  ${String(c.new).padStart(7)}  ${String(w.freshTensor).padStart(12)}  | ${formatStats(wallSpeedup)} | ${formatStats(cpuSpeedup)}\n`);
}
for (const m of models) {
  process.stdout.write(`\n${m.modelKind} model ${m.model}: sharp vs opencv resize\n`);
  for (const p of m.perPage) {
    process.stdout.write(`  ${p.name.padEnd(22)} regions ${p.regionsSharp}/${p.regionsOpencv}, unmatched ${p.unmatched}, max box move ${p.maxBoxCoordDiffPx} px, max score Δ ${p.maxScoreDiff}, max raw output Δ ${p.maxRawOutputDiff}\n`);
  }
}
process.stdout.write(`\nwrote ${writeResults('resize', { rounds, outputSize: SIZE, perImage, models })}\n`);
