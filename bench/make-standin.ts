/**
 * Generates bench/models/pp-doclayoutv3-standin.onnx: a STAND-IN, not PP-DocLayoutV3.
 * `--fast` writes bench/models/pp-doclayoutv3-standin-fast.onnx instead: the same contract and
 * outputs over a much thinner backbone, so one CPU thread runs it in about the time the CPU
 * stages of a page take (decode + resize + post-process, ~50 ms) — what a GPU looks like to the
 * rest of the pipeline (PP-DocLayoutV3 ≈ 24 ms/page on an A100), for bench:pipeline. It has the
 * exact V3 ONNX contract (im_shape/image/scale_factor → fetch_name_0 [N,7], fetch_name_1 [B],
 * fetch_name_2 int32 [N,200,200]) and a compute cost of the same order on CPU — a strided conv
 * backbone over the 800×800 input, an attention block, 300 queries, 300 full-size masks — with
 * random fixed weights (seeded, deterministic). Its detections are a page-like template whose
 * scores depend on the image through the network, so post-processing sees realistic volumes.
 * Used only by benchmarks; real models in ../shared/models/ take precedence there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataType, GraphBuilder } from '../scripts/onnx/graph-builder.js';
import { seededRandom } from './common/random.js';

const QUERIES = 300;
const MASK = 200;
const SIZE = 800;


interface Stage { readonly channels: number; readonly blocks: number }

/** ~110 GFLOPs per page (each 3×3 block ≈ 3 GFLOPs): the order of RT-DETR-L-class detectors at 800×800. */
const FULL_STAGES: readonly Stage[] = [
  { channels: 32, blocks: 0 },
  { channels: 64, blocks: 12 },
  { channels: 128, blocks: 12 },
  { channels: 256, blocks: 6 },
  { channels: 512, blocks: 4 },
];

/**
 * A thin backbone (~0.1 GFLOP per page, no residual blocks): most of the fast stand-in's time is
 * then its head and its 300 full-size masks, which it computes exactly as the full one does.
 */
const FAST_STAGES: readonly Stage[] = [
  { channels: 4, blocks: 0 },
  { channels: 8, blocks: 0 },
  { channels: 16, blocks: 0 },
  { channels: 32, blocks: 0 },
  { channels: 64, blocks: 0 },
];

export function makeStandinModel(options: { fast?: boolean } = {}): Uint8Array {
  const STAGES = options.fast ? FAST_STAGES : FULL_STAGES;
  const rand = seededRandom(20251125);
  const g = new GraphBuilder();
  const batch = 'batch';
  const imShape = g.input('im_shape', DataType.FLOAT, [batch, 2]);
  const image = g.input('image', DataType.FLOAT, [batch, 3, SIZE, SIZE]);
  const scaleFactor = g.input('scale_factor', DataType.FLOAT, [batch, 2]);

  const conv = (x: string, cin: number, cout: number, stride: number): string => {
    const fan = cin * 9;
    const limit = Math.sqrt(6 / fan); // He-uniform keeps activations in range through ReLUs
    const w = Float32Array.from({ length: cout * fan }, () => (rand() * 2 - 1) * limit);
    const y = g.node('Conv', [x, g.constant([cout, cin, 3, 3], DataType.FLOAT, w), g.constant([cout], DataType.FLOAT, new Float32Array(cout))], {
      kernel_shape: [3, 3], strides: [stride, stride], pads: [1, 1, 1, 1],
    });
    return g.node('Relu', [y]);
  };

  let x = image;
  let cin = 3;
  for (const stage of STAGES) {
    x = conv(x, cin, stage.channels, 2);
    cin = stage.channels;
    for (let i = 0; i < stage.blocks; i++) x = g.node('Add', [x, conv(x, cin, cin, 1)]);
  }
  // Attention over the 25×25 tokens of the last stage, as the transformer encoder does.
  const tokens = g.node('Transpose', [g.node('Reshape', [x, g.constant([3], DataType.INT64, [0, cin, -1])])], { perm: [0, 2, 1] });
  const proj = (t: string): string => g.node('MatMul', [t, g.constant([cin, cin], DataType.FLOAT, Float32Array.from({ length: cin * cin }, () => (rand() * 2 - 1) / Math.sqrt(cin)))]);
  const scores = g.node('Softmax', [g.node('Div', [g.node('MatMul', [proj(tokens), g.node('Transpose', [proj(tokens)], { perm: [0, 2, 1] })]), g.constant([], DataType.FLOAT, [Math.sqrt(cin)])])], { axis: -1 });
  const attended = g.node('MatMul', [scores, proj(tokens)]);
  const pooled = g.node('ReduceMean', [attended], { axes: [1], keepdims: 0 }); // [B, cin]
  const pooledNorm = g.node('Div', [pooled, g.node('Add', [g.node('ReduceMax', [g.node('Abs', [pooled])], { axes: [1], keepdims: 1 }), g.constant([], DataType.FLOAT, [1e-6])])]);

  // Page template: a title, two text columns of paragraphs, a table, a figure, header/footer.
  const template = pageTemplate(rand);
  const logits = g.node('Add', [
    g.node('MatMul', [pooledNorm, g.constant([cin, QUERIES], DataType.FLOAT, Float32Array.from({ length: cin * QUERIES }, () => (rand() * 2 - 1) * 0.5))]),
    g.constant([QUERIES], DataType.FLOAT, template.map((q) => q.bias)),
  ]);
  const score = g.node('Unsqueeze', [g.node('Sigmoid', [logits]), g.constant([1], DataType.INT64, [2])]); // [B,Q,1]
  const onesB = g.node('Add', [g.node('Mul', [g.node('ReduceMean', [score], { axes: [1, 2], keepdims: 1 }), g.constant([], DataType.FLOAT, [0])]), g.constant([], DataType.FLOAT, [1])]);
  const imShapeZero = g.node('Mul', [g.node('Unsqueeze', [g.node('ReduceMean', [imShape], { axes: [1], keepdims: 1 }), g.constant([1], DataType.INT64, [2])]), g.constant([], DataType.FLOAT, [0])]);
  const ones = g.node('Add', [onesB, imShapeZero]); // [B,1,1]

  const cls = g.node('Mul', [ones, g.constant([1, QUERIES, 1], DataType.FLOAT, template.map((q) => q.classId))]);
  const divisor = g.node('Unsqueeze', [g.node('Gather', [scaleFactor, g.constant([4], DataType.INT64, [1, 0, 1, 0])], { axis: 1 }), g.constant([1], DataType.INT64, [1])]);
  const boxes = g.node('Div', [g.constant([1, QUERIES, 4], DataType.FLOAT, template.flatMap((q) => q.box)), divisor]);
  const rank = g.node('Mul', [ones, g.constant([1, QUERIES, 1], DataType.FLOAT, template.map((_, i) => i))]);
  const detections = g.node('Concat', [cls, score, boxes, rank], { axis: 2 });
  g.node('Reshape', [detections, g.constant([2], DataType.INT64, [-1, 7])], {}, ['fetch_name_0']);
  g.output('fetch_name_0', DataType.FLOAT, ['rows', 7]);
  const counts = g.node('Mul', [g.node('Reshape', [ones, g.constant([1], DataType.INT64, [-1])]), g.constant([], DataType.FLOAT, [QUERIES])]);
  g.node('Cast', [counts], { to: DataType.INT32 }, ['fetch_name_1']);
  g.output('fetch_name_1', DataType.INT32, [batch]);

  // Masks: each query's box rasterised on the 200×200 grid, computed in-graph per run.
  const grid = Float32Array.from({ length: MASK }, (_, i) => i + 0.5);
  const col = (i: number) => g.constant([QUERIES, 1, 1], DataType.FLOAT, template.map((q) => (q.box[i]! / SIZE) * MASK));
  const xs = g.constant([1, 1, MASK], DataType.FLOAT, grid);
  const ys = g.constant([1, MASK, 1], DataType.FLOAT, grid);
  const inX = g.node('And', [g.node('Greater', [xs, col(0)]), g.node('Less', [xs, col(2)])]);
  const inY = g.node('And', [g.node('Greater', [ys, col(1)]), g.node('Less', [ys, col(3)])]);
  const mask = g.node('Cast', [g.node('And', [inX, inY])], { to: DataType.INT32 }); // [Q,200,200]
  const onesInt = g.node('Cast', [g.node('Reshape', [ones, g.constant([4], DataType.INT64, [-1, 1, 1, 1])])], { to: DataType.INT32 });
  const masks = g.node('Mul', [g.node('Unsqueeze', [mask, g.constant([1], DataType.INT64, [0])]), onesInt]);
  g.node('Reshape', [masks, g.constant([3], DataType.INT64, [-1, MASK, MASK])], {}, ['fetch_name_2']);
  g.output('fetch_name_2', DataType.INT32, ['rows', MASK, MASK]);

  const name = options.fast ? 'pp-doclayoutv3-standin-fast' : 'pp-doclayoutv3-standin';
  return g.build({ metadata: { model_name: name, note: 'benchmark stand-in with random weights; not PP-DocLayoutV3' }, producer: 'doclayout-standin' });
}

interface TemplateQuery { classId: number; bias: number; box: [number, number, number, number] }

/** 300 queries: ~24 confident page elements, the rest background with low scores. */
function pageTemplate(rand: () => number): TemplateQuery[] {
  const q: TemplateQuery[] = [];
  const add = (classId: number, box: [number, number, number, number], bias: number) => q.push({ classId, bias, box });
  add(12, [60, 20, 740, 40], 3); // header
  add(6, [120, 60, 680, 110], 4); // doc_title
  add(0, [60, 130, 740, 200], 3); // abstract
  for (let column = 0; column < 2; column++) {
    const x1 = column === 0 ? 60 : 410;
    let y = 220;
    for (let p = 0; p < 7; p++) {
      const h = 40 + Math.round(rand() * 40);
      add(p % 3 === 0 ? 17 : 22, [x1, y, x1 + 330, y + (p % 3 === 0 ? 20 : h)], 3);
      y += (p % 3 === 0 ? 20 : h) + 12;
    }
  }
  add(21, [60, 600, 390, 720], 3); // table
  add(14, [410, 600, 740, 720], 3); // image
  add(7, [410, 725, 740, 740], 2); // figure_title
  add(8, [60, 770, 740, 790], 3); // footer
  while (q.length < QUERIES) {
    const x = rand() * 700;
    const y = rand() * 760;
    add(Math.floor(rand() * 25), [x, y, x + 20 + rand() * 200, y + 10 + rand() * 80], -4);
  }
  return q;
}

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const fast = process.argv.includes('--fast');
  const target = path.join(repoRoot, fast ? 'bench/models/pp-doclayoutv3-standin-fast.onnx' : 'bench/models/pp-doclayoutv3-standin.onnx');
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const bytes = makeStandinModel({ fast });
  fs.writeFileSync(target, bytes);
  process.stdout.write(`wrote ${target} (${(bytes.length / 1e6).toFixed(1)} MB) — a benchmark stand-in, not PP-DocLayoutV3\n`);
}
