/**
 * Whole-page parity with PaddleX on recorded model outputs (test/fixtures/parity, from
 * ../shared/parity-cases): every field of every region, polygons included, must equal what
 * PaddleX's LayoutAnalysisProcess returned for the same raw outputs. The pages were picked because
 * an earlier version chose a different polygon in `auto` shape mode for a box at the page edge.
 * The causes, each fixed: OpenCV's float32 minAreaRect breaks exact area ties differently from
 * exact arithmetic (min-area-rect.ts), and PaddleX's is_contained compares its float32 ratio with
 * 0.9 in float64 under the NumPy 1.x the references were recorded with (filters.ts).
 *
 * One deviation is deliberate: the references come from a PaddleX release whose overlap filter
 * exempts only `image` pairs, while we follow the newer rule (MODEL.md step 8b) that also keeps
 * seal / chart / table pairs. Case 245 has two such regions; the test names them and checks that
 * they are the only difference.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assignReadingOrder, postprocess, type PostprocessModelInfo } from '../../../src/model/postprocess/postprocess.js';
import { DOCLAYOUT_V3_LABELS } from '../../../src/model/labels.js';
import type { Region } from '../../../src/model/types.js';
import { loadParityCase, parityCaseNames } from '../../fixtures/parity-case.js';

const v3: PostprocessModelInfo = { labels: DOCLAYOUT_V3_LABELS, variant: 'pp-doclayoutv3', hasOrder: true, hasMasks: true, rowWidth: 7 };

/** Regions the newer overlap rule keeps (a seal or chart over text-like boxes) and the recorded PaddleX dropped. */
const keptByNewerOverlapRule: Readonly<Record<string, ReadonlyArray<readonly [string, number]>>> = {
  'case-000245': [['seal', 0.44949260354042053], ['chart', 0.35340166091918945]],
};

function withoutNewerRuleExtras(name: string, regions: readonly Region[]): Region[] {
  const extras = keptByNewerOverlapRule[name] ?? [];
  for (const [label, score] of extras) {
    assert.ok(regions.some((r) => r.label === label && r.score === score), `${name}: expected our ${label} ${score}`);
  }
  const kept = regions.filter((r) => !extras.some(([label, score]) => r.label === label && r.score === score));
  const orders = assignReadingOrder(kept);
  return kept.map((r, i) => ({ ...r, order: orders[i]! }));
}

describe('PaddleX parity on recorded pages', () => {
  const names = parityCaseNames();
  it('has the recorded cases', () => assert.ok(names.length >= 3, `found ${names.length} cases`));
  for (const file of names) {
    it(`${file}: regions equal PaddleX's, polygons at the page edge included`, () => {
      const c = loadParityCase(file);
      const ours = postprocess(c.raw, 0, c.geometry, v3, c.params);
      assert.deepEqual(JSON.parse(JSON.stringify(withoutNewerRuleExtras(c.name, ours))), c.reference);
    });
  }
});
