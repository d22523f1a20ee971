// Draws a page's regions on a canvas (the view's overlay layer, or a full-size export with the
// page under them) and finds the region under a point. Shapes, colours and order badges follow
// the server's PNG overlays. A view is { scale, x, y }: page pixel p lands at x + p * scale.

import { colorOf } from './api.js';

function hexToRgba(hex, alpha) {
  const n = parseInt(hex.slice(1), 16);
  return `rgba(${(n >> 16) & 255}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

function tracePath(ctx, region, view) {
  const px = (x) => view.x + x * view.scale;
  const py = (y) => view.y + y * view.scale;
  ctx.beginPath();
  if (region.polygon && region.polygon.length >= 3) {
    region.polygon.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(px(x), py(y)) : ctx.lineTo(px(x), py(y))));
    ctx.closePath();
  } else {
    const [x1, y1, x2, y2] = region.bbox;
    ctx.rect(px(x1), py(y1), (x2 - x1) * view.scale, (y2 - y1) * view.scale);
  }
}

/**
 * Draws `regions` of a page `pageWidth` × `pageHeight` px as seen through `view`.
 * options: { showLabels, showOrder, showFill, highlight (region or null), selected, lineWidth, fontPx }
 */
export function drawRegions(ctx, regions, view, pageWidth, pageHeight, options) {
  const left = view.x;
  const top = view.y;
  const width = pageWidth * view.scale;
  const height = pageHeight * view.scale;
  const line = options.lineWidth;
  const font = options.fontPx;
  ctx.lineJoin = 'round';

  for (const region of regions) {
    const color = colorOf(region.label);
    const active = options.highlight === region || options.selected === region;
    tracePath(ctx, region, view);
    if (options.showFill || active) {
      ctx.fillStyle = hexToRgba(color, active ? 0.32 : 0.14);
      ctx.fill();
    }
    ctx.strokeStyle = color;
    ctx.lineWidth = active ? line * 2 : line;
    ctx.stroke();
  }

  ctx.textBaseline = 'middle';
  for (const region of regions) {
    const color = colorOf(region.label);
    const [x1, y1, x2] = region.bbox.map((v, i) => (i % 2 === 0 ? left : top) + v * view.scale);
    if (options.showLabels) {
      ctx.font = `600 ${font}px system-ui, sans-serif`;
      const text = `${region.label} ${region.score.toFixed(2)}`;
      const tagWidth = ctx.measureText(text).width + font * 0.7;
      const tagHeight = font * 1.45;
      const tagY = y1 - tagHeight >= top ? y1 - tagHeight : y1;
      const tagX = Math.min(Math.max(left, x1), Math.max(left, left + width - tagWidth));
      ctx.fillStyle = hexToRgba(color, 0.9);
      ctx.fillRect(tagX, tagY, tagWidth, tagHeight);
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'left';
      ctx.fillText(text, tagX + font * 0.35, tagY + tagHeight / 2);
    }
    if (options.showOrder && region.order !== null && region.order !== undefined) {
      const r = font * 0.95;
      const cx = Math.min(Math.max(left + r, x2 - r - 2), left + width - r);
      const cy = Math.min(Math.max(top + r, y1 + r + 2), top + height - r);
      ctx.beginPath();
      ctx.arc(cx, cy, r, 0, Math.PI * 2);
      ctx.fillStyle = color;
      ctx.fill();
      ctx.lineWidth = Math.max(1, line * 0.75);
      ctx.strokeStyle = '#fff';
      ctx.stroke();
      ctx.fillStyle = '#fff';
      ctx.textAlign = 'center';
      ctx.font = `700 ${font}px system-ui, sans-serif`;
      ctx.fillText(String(region.order), cx, cy + 0.5);
    }
  }
}

function insidePolygon(x, y, polygon) {
  let inside = false;
  for (let i = 0, j = polygon.length - 1; i < polygon.length; j = i++) {
    const [xi, yi] = polygon[i];
    const [xj, yj] = polygon[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

/** The smallest region containing the point (page pixels): nested regions stay reachable. */
export function regionAt(regions, x, y) {
  let best = null;
  let bestArea = Infinity;
  for (const region of regions) {
    const [x1, y1, x2, y2] = region.bbox;
    if (x < x1 || x > x2 || y < y1 || y > y2) continue;
    if (region.polygon && region.polygon.length >= 3 && !insidePolygon(x, y, region.polygon)) continue;
    const area = (x2 - x1) * (y2 - y1);
    if (area < bestArea) {
      best = region;
      bestArea = area;
    }
  }
  return best;
}

/** Full-resolution PNG of the page with the regions, as the user currently sees them. */
export function exportPng(source, regions, options) {
  // An <img> reports its layout size in width/height: draw at its natural (analysed) size.
  const image = { el: source, width: source.naturalWidth ?? source.width, height: source.naturalHeight ?? source.height };
  const canvas = document.createElement('canvas');
  canvas.width = image.width;
  canvas.height = image.height;
  const side = Math.max(image.width, image.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(image.el, 0, 0, image.width, image.height);
  drawRegions(ctx, regions, { scale: 1, x: 0, y: 0 }, image.width, image.height, {
    ...options,
    highlight: null,
    selected: null,
    lineWidth: Math.max(2, Math.round(side / 500)),
    fontPx: Math.max(11, Math.round(side / 75)),
  });
  return new Promise((resolve, reject) => canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('PNG export failed'))), 'image/png'));
}
