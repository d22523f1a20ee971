// The result side panel: class chips (click to hide/show a class) and the region table, whose
// rows and the canvas highlight each other.

import { colorOf } from './api.js';
import { readingOrder } from './names.js';

function swatch(label) {
  const i = document.createElement('i');
  i.className = 'swatch';
  i.style.background = colorOf(label);
  return i;
}

/** One chip per class present at this threshold, most frequent first. */
export function renderClassChips(container, regions, threshold, hiddenLabels, onToggle) {
  const counts = new Map();
  for (const r of regions) if (r.score >= threshold - 1e-9) counts.set(r.label, (counts.get(r.label) ?? 0) + 1);
  container.replaceChildren(...[...counts.entries()].sort((a, b) => b[1] - a[1]).map(([label, n]) => {
    const chip = document.createElement('button');
    chip.type = 'button';
    chip.className = `chip${hiddenLabels.has(label) ? ' off' : ''}`;
    chip.title = hiddenLabels.has(label) ? `Show ${label}` : `Hide ${label}`;
    const count = document.createElement('span');
    count.className = 'n';
    count.textContent = String(n);
    chip.append(swatch(label), document.createTextNode(label), count);
    chip.addEventListener('click', () => onToggle(label));
    return chip;
  }));
}

/**
 * The region table. handlers: { onEnter(region), onLeave(region), onClick(region) }.
 * Returns region → row, for highlighting from the canvas.
 */
export function renderRegionTable(container, regions, selected, handlers) {
  const rows = new Map();
  if (regions.length === 0) {
    const empty = document.createElement('div');
    empty.className = 'empty';
    empty.textContent = 'No regions at this threshold and filter.';
    container.replaceChildren(empty);
    return rows;
  }
  const table = document.createElement('table');
  table.innerHTML = '<thead><tr><th>#</th><th>Class</th><th>Score</th><th class="bbox">Box (x1, y1, x2, y2)</th></tr></thead>';
  const tbody = document.createElement('tbody');
  for (const region of [...regions].sort(readingOrder)) {
    const tr = document.createElement('tr');
    const order = document.createElement('td');
    order.className = 'order';
    order.textContent = region.order ?? '–';
    const label = document.createElement('span');
    label.className = 'label';
    label.append(swatch(region.label), document.createTextNode(region.label));
    const labelCell = document.createElement('td');
    labelCell.append(label);
    const score = document.createElement('td');
    score.textContent = region.score.toFixed(3);
    const box = document.createElement('td');
    box.className = 'bbox';
    box.textContent = region.bbox.map((v) => Math.round(v)).join(', ');
    tr.append(order, labelCell, score, box);
    if (region === selected) tr.classList.add('selected');
    tr.addEventListener('mouseenter', () => handlers.onEnter(region));
    tr.addEventListener('mouseleave', () => handlers.onLeave(region));
    tr.addEventListener('click', () => handlers.onClick(region));
    rows.set(region, tr);
    tbody.append(tr);
  }
  table.append(tbody);
  container.replaceChildren(table);
  return rows;
}
