/**
 * Overlay rendering: a PNG of the page's size whose box edges carry the class colour, with tags
 * and order circles switchable, polygons drawn where given, and encoded inputs shown upright.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import type { DecodedImage } from '../../src/model/image/decode.js';
import type { Region } from '../../src/model/types.js';
import { labelColor, labelPalette, renderOverlay } from '../../src/visualize/overlay.js';

const WIDTH = 400;
const HEIGHT = 300;

function whitePage(width = WIDTH, height = HEIGHT): DecodedImage {
  return { data: Buffer.alloc(width * height * 3, 255), width, height, format: 'raw' };
}

const hexToRgb = (hex: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number];

async function decodePng(png: Buffer): Promise<{ width: number; height: number; at: (x: number, y: number) => [number, number, number] }> {
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'not a PNG');
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    at: (x, y) => {
      const i = (y * info.width + x) * 3;
      return [data[i], data[i + 1], data[i + 2]];
    },
  };
}

function assertNear(actual: readonly number[], expected: readonly number[], tolerance: number, what: string): void {
  assert.ok(actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance), `${what}: expected ≈${expected.join(',')}, got ${actual.join(',')}`);
}

const textRegion: Region = { label: 'text', labelId: 22, score: 0.93, bbox: [60, 80, 260, 220], order: 1 };

describe('renderOverlay', () => {
  it('returns a PNG of the page size with box edges in the class colour', async () => {
    const png = await renderOverlay(whitePage(), [textRegion]);
    const out = await decodePng(png);
    assert.deepEqual([out.width, out.height], [WIDTH, HEIGHT]);
    const colour = hexToRgb(labelColor('text'));
    assertNear(out.at(60, 150), colour, 8, 'left edge');
    assertNear(out.at(260, 150), colour, 8, 'right edge');
    assertNear(out.at(160, 220), colour, 8, 'bottom edge');
    assertNear(out.at(350, 280), [255, 255, 255], 0, 'outside');
    // Inside: a light tint of the colour, neither white nor the full colour.
    const inside = out.at(150, 180);
    assert.ok(inside.some((v) => v < 250) && inside.every((v, i) => v > colour[i] - 1), `translucent fill, got ${inside.join(',')}`);
  });

  it('draws the label tag and order circle only when asked', async () => {
    // The tag sits just above the box's top-left corner; the order circle inside its top-right.
    const tagPoint = [64, 72] as const;
    const circlePoint = [242, 88] as const;
    const colour = hexToRgb(labelColor('text'));
    const on = await decodePng(await renderOverlay(whitePage(), [textRegion]));
    assert.notDeepEqual(on.at(...tagPoint), [255, 255, 255]);
    assertNear(on.at(...circlePoint), colour, 40, 'order circle');
    const off = await decodePng(await renderOverlay(whitePage(), [textRegion], { showLabels: false, showOrder: false }));
    assert.deepEqual(off.at(...tagPoint), [255, 255, 255]);
    assert.notDeepEqual(off.at(...circlePoint), on.at(...circlePoint));
  });

  it('draws no order circle for regions outside the reading flow', async () => {
    const table: Region = { ...textRegion, label: 'table', labelId: 21, order: null };
    const withOrder = await decodePng(await renderOverlay(whitePage(), [table], { showLabels: false }));
    const withoutOrder = await decodePng(await renderOverlay(whitePage(), [table], { showLabels: false, showOrder: false }));
    for (let y = 80; y < 120; y += 3) for (let x = 220; x < 262; x += 3) assert.deepEqual(withOrder.at(x, y), withoutOrder.at(x, y));
  });

  it('strokes the polygon when a region has one', async () => {
    // A triangle inside the box: its slanted edge passes through (200, 150), which the box does not.
    const region: Region = { ...textRegion, label: 'image', labelId: 14, order: null, polygon: [[60, 80], [260, 220], [60, 220]] };
    const out = await decodePng(await renderOverlay(whitePage(), [region], { showLabels: false }));
    const colour = hexToRgb(labelColor('image'));
    assertNear(out.at(160, 150), colour, 40, 'slanted edge');
    assertNear(out.at(240, 100), [255, 255, 255], 0, 'outside the triangle, inside the box');
  });

  it('decodes encoded input upright (EXIF) before drawing', async () => {
    const jpeg = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#ffffff' } }).jpeg().withMetadata({ orientation: 6 }).toBuffer();
    const out = await decodePng(await renderOverlay(jpeg, [{ ...textRegion, bbox: [20, 30, 150, 250] }]));
    assert.deepEqual([out.width, out.height], [200, 300]);
    assertNear(out.at(20, 200), hexToRgb(labelColor('text')), 12, 'left edge');
  });

  it('escapes labels so they cannot break the SVG', async () => {
    const odd: Region = { ...textRegion, label: '<b>&"x"' };
    const png = await renderOverlay(whitePage(), [odd]);
    const out = await decodePng(png);
    assertNear(out.at(60, 150), hexToRgb(labelColor('<b>&"x"')), 8, 'left edge');
  });
});

describe('labelColor', () => {
  it('gives every known class its palette colour and distinct main classes', () => {
    for (const [label, colour] of Object.entries(labelPalette)) assert.equal(labelColor(label), colour);
    const main = ['text', 'paragraph_title', 'doc_title', 'table', 'image', 'chart', 'figure_title', 'display_formula'];
    assert.equal(new Set(main.map(labelColor)).size, main.length);
  });

  it('gives unknown labels a stable #rrggbb colour', () => {
    const a = labelColor('some_new_class');
    assert.match(a, /^#[0-9a-f]{6}$/);
    assert.equal(labelColor('some_new_class'), a);
    assert.notEqual(labelColor('another_class'), a);
  });
});
