/**
 * `npm run bench:export`: what writing the field's formats costs per page, next to inference's
 * hundreds of ms. A 200-page document with 30 regions a page (12-point polygons) is written as
 * PAGE-XML (one file a page, zipped), ALTO (one file) and COCO (one dataset); median of the rounds.
 */
import { performance } from 'node:perf_hooks';
import { exportDocument, type ExportDocument } from '../../src/export/index.js';
import type { PageResult } from '../../src/model/index.js';
import { intOption } from '../common/options.js';
import { writeResults } from '../common/results.js';
import { median, round } from '../common/stats.js';

const rounds = intOption('rounds', 'BENCH_ROUNDS', 5, 2);
const PAGES = 200;
const REGIONS = 30;
const LABELS = ['text', 'doc_title', 'paragraph_title', 'table', 'image', 'formula', 'header', 'footer'];

function page(n: number): PageResult {
  const regions = Array.from({ length: REGIONS }, (_, i) => {
    const x = 40 + (i % 3) * 380;
    const y = 60 + Math.floor(i / 3) * 160;
    const polygon = Array.from({ length: 12 }, (_, k) => {
      const a = (2 * Math.PI * k) / 12;
      return [Math.round(x + 170 + 160 * Math.cos(a)), Math.round(y + 70 + 60 * Math.sin(a))] as [number, number];
    });
    return { label: LABELS[i % LABELS.length]!, labelId: i % LABELS.length, score: 0.9, bbox: [x, y, x + 340, y + 140] as [number, number, number, number], polygon, order: i + 1 };
  });
  return { model: 'PP-DocLayoutV3', input: { name: 'bench.pdf', page: n, width: 1240, height: 1754 }, regions, timing: { decodeMs: 0, preprocessMs: 0, inferMs: 0, postprocessMs: 0 } } as unknown as PageResult;
}

const doc: ExportDocument = { name: 'bench.pdf', isPdf: true, pages: Array.from({ length: PAGES }, (_, i) => page(i + 1)) };
const perPageMs: Record<string, number[]> = { page: [], alto: [], coco: [] };
for (let r = 0; r < rounds; r++) {
  for (const format of ['page', 'alto', 'coco'] as const) {
    const started = performance.now();
    exportDocument(format, doc);
    perPageMs[format]!.push((performance.now() - started) / PAGES);
  }
}
const figures = {
  pages: PAGES,
  regionsPerPage: REGIONS,
  rounds,
  medianMsPerPage: Object.fromEntries(Object.entries(perPageMs).map(([f, v]) => [f, round(median(v), 2)])),
  msPerPage: Object.fromEntries(Object.entries(perPageMs).map(([f, v]) => [f, v.map((x) => round(x, 2))])),
};
console.log(JSON.stringify(figures));
console.log(`results: ${writeResults('export', figures)}`);
