/**
 * Draws layout regions over their page as a PNG: each box (or polygon) stroked in its class
 * colour with a translucent fill, a "label score" tag, and the reading-order number in a circle.
 * The drawing is one SVG composited by sharp, so it runs off the event loop. Sizes scale with
 * the page so the overlay reads the same on a phone photo and on a 600 dpi scan.
 */
import sharp from 'sharp';
import { decodeImage, toBuffer, type DecodedImage } from '../model/index.js';
import type { Region } from '../model/index.js';

interface OverlayOptions {
  /** Reading-order numbers in circles (default true). */
  readonly showOrder?: boolean;
  /** "label score" tags (default true). */
  readonly showLabels?: boolean;
  /** Encoding of the result (default png; PaddleX's routes return JPEG). */
  readonly format?: 'png' | 'jpeg';
}

/** JPEG quality of a JPEG overlay: PaddleX's output images use 90. */
const OVERLAY_JPEG_QUALITY = 90;

/**
 * One colour per class, shared with the web UI (web/ keeps a copy of this table; keep them in
 * step). Labels of PP-DocLayoutV2/V3 and of PP-DocLayout-L/M/S/plus-L.
 */
export const labelPalette: Readonly<Record<string, string>> = Object.freeze({
  text: '#1f77b4',
  paragraph_title: '#ff7f0e',
  doc_title: '#d62728',
  table: '#2ca02c',
  image: '#9467bd',
  chart: '#8c564b',
  figure_title: '#e377c2',
  header: '#7f7f7f',
  footer: '#7f7f7f',
  header_image: '#a05195',
  footer_image: '#a05195',
  abstract: '#17becf',
  algorithm: '#bcbd22',
  aside_text: '#6b6ecf',
  content: '#3182bd',
  display_formula: '#e6550d',
  inline_formula: '#fd8d3c',
  formula: '#e6550d',
  formula_number: '#9c9ede',
  footnote: '#637939',
  vision_footnote: '#8ca252',
  number: '#843c39',
  reference: '#ad494a',
  reference_content: '#d6616b',
  seal: '#e7298a',
  vertical_text: '#1b9e77',
  table_title: '#66a61e',
  chart_title: '#a6761d',
});

/**
 * Stable colour for any label: the palette entry, else a hue from an FNV-1a hash of the name
 * (same algorithm in the web UI), so unknown classes keep their colour across pages and runs.
 */
export function labelColor(label: string): string {
  const known = labelPalette[label];
  if (known) return known;
  let hash = 0x811c9dc5;
  for (let i = 0; i < label.length; i++) {
    hash ^= label.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hslToHex(hash % 360, 0.65, 0.45);
}

function hslToHex(hue: number, saturation: number, lightness: number): string {
  const a = saturation * Math.min(lightness, 1 - lightness);
  const channel = (n: number): string => {
    const k = (n + hue / 30) % 12;
    const value = lightness - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return Math.round(value * 255).toString(16).padStart(2, '0');
  };
  return `#${channel(0)}${channel(8)}${channel(4)}`;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c] as string);
}

/** Stroke and text sizes for a page: about 1/500 of its larger side, never below 2 px. */
function overlayScale(width: number, height: number): { line: number; font: number } {
  const side = Math.max(width, height);
  return { line: Math.max(2, Math.round(side / 500)), font: Math.max(11, Math.round(side / 75)) };
}

function regionSvg(region: Region, width: number, height: number, options: Required<Pick<OverlayOptions, 'showOrder' | 'showLabels'>>): string {
  const color = labelColor(region.label);
  const { line, font } = overlayScale(width, height);
  const [x1, y1, x2, y2] = region.bbox;
  const parts: string[] = [];
  const shapeStyle = `fill="${color}" fill-opacity="0.15" stroke="${color}" stroke-width="${line}" stroke-linejoin="round"`;
  if (region.polygon && region.polygon.length >= 3) {
    const points = region.polygon.map(([x, y]) => `${x},${y}`).join(' ');
    parts.push(`<polygon points="${points}" ${shapeStyle}/>`);
  } else {
    parts.push(`<rect x="${x1}" y="${y1}" width="${Math.max(0, x2 - x1)}" height="${Math.max(0, y2 - y1)}" ${shapeStyle}/>`);
  }
  if (options.showLabels) {
    const text = `${region.label} ${region.score.toFixed(2)}`;
    // No text measuring in SVG-by-string: ~0.6 em per character fits DejaVu/Arial closely enough.
    const tagWidth = Math.ceil(text.length * font * 0.6) + line * 2;
    const tagHeight = Math.ceil(font * 1.3);
    // Above the box when there is room, else just inside its top edge.
    const tagY = y1 - tagHeight >= 0 ? y1 - tagHeight : y1;
    const tagX = Math.min(Math.max(0, x1), Math.max(0, width - tagWidth));
    parts.push(
      `<rect x="${tagX}" y="${tagY}" width="${tagWidth}" height="${tagHeight}" fill="${color}" fill-opacity="0.85"/>`,
      `<text x="${tagX + line}" y="${tagY + font}" font-size="${font}" fill="#ffffff">${escapeXml(text)}</text>`,
    );
  }
  if (options.showOrder && region.order !== null) {
    const radius = Math.round(font * 0.9);
    const cx = Math.min(Math.max(radius, x2 - radius), width - radius);
    const cy = Math.min(Math.max(radius, y1 + radius), height - radius);
    parts.push(
      `<circle cx="${cx}" cy="${cy}" r="${radius}" fill="${color}" stroke="#ffffff" stroke-width="${Math.max(1, line / 2)}"/>`,
      `<text x="${cx}" y="${cy}" font-size="${font}" font-weight="bold" fill="#ffffff" text-anchor="middle" dominant-baseline="central">${region.order}</text>`,
    );
  }
  return parts.join('');
}

/**
 * PNG (or JPEG) of the page with the regions drawn on it. Pass the pixels the model path decoded;
 * encoded bytes are decoded (EXIF-upright) first, which fails for inputs only the model path reads.
 */
export async function renderOverlay(image: Uint8Array | DecodedImage, regions: readonly Region[], options: OverlayOptions = {}): Promise<Buffer> {
  const page = image instanceof Uint8Array ? await decodeImage(image) : image;
  const { width, height } = page;
  const resolved = { showOrder: options.showOrder ?? true, showLabels: options.showLabels ?? true };
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, Arial, Helvetica, sans-serif">${regions.map((r) => regionSvg(r, width, height, resolved)).join('')}</svg>`;
  const drawn = sharp(toBuffer(page.data), { raw: { width, height, channels: 3 }, limitInputPixels: false })
    .composite([{ input: Buffer.from(svg), top: 0, left: 0 }]);
  return (options.format === 'jpeg' ? drawn.jpeg({ quality: OVERLAY_JPEG_QUALITY }) : drawn.png()).toBuffer();
}
