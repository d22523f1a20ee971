/** Page results for the export tests: every label kind, hostile strings, empty and huge pages. */
import type { PageResult, Region } from '../../src/model/index.js';

export const HOSTILE_LABEL = 'we<ird> & "quoted" \'label\' ]]> \u0001bell';
export const HOSTILE_NAME = 'scan <1> & "co" \u0002.jpg';

export function region(label: string, labelId: number, bbox: [number, number, number, number], order: number | null, polygon?: Array<[number, number]>): Region {
  return { label, labelId, score: 0.91, bbox, order, ...(polygon ? { polygon } : {}) };
}

export function page(regions: readonly Region[], input: Partial<PageResult['input']> = {}): PageResult {
  return {
    model: 'PP-DocLayoutV3',
    input: { name: 'page.jpg', page: 1, width: 1240, height: 1754, ...input },
    regions,
    timing: { decodeMs: 1, preprocessMs: 1, inferMs: 1, postprocessMs: 1 },
  };
}

/** One page with a region of every PAGE kind, polygons and boxes, ordered and unordered. */
export function richPage(): PageResult {
  return page([
    region('doc_title', 6, [102, 88, 1130, 160], 1, [[102, 88], [1130, 90], [1128, 160], [104, 158]]),
    region('text', 22, [96, 200, 1150, 600], 2, [[96, 200], [1150, 200], [1150, 600], [96, 600], [96, 400]]),
    region('table', 21, [96, 900, 1150, 1400], null),
    region('image', 14, [100, 1420, 600, 1600], null),
    region('chart', 3, [620, 1420, 1100, 1600], null),
    region('display_formula', 5, [200, 650, 900, 700], 3),
    region('seal', 20, [1000, 1650, 1200, 1740], null),
    region('header', 12, [96, 10, 1150, 40], null),
    region('number', 16, [600, 1700, 640, 1740], null),
    region(HOSTILE_LABEL, 99, [10, 720, 300, 860], 4),
  ]);
}
