// Live service dashboard: polls /v1/status every second and draws throughput, latency
// percentiles, queue depth and per-device / per-GPU load.

import { fetchJson, formatMs, watchService } from './api.js';

const POLL_MS = 1000;
const HISTORY_POINTS = 120;

const $ = (id) => document.getElementById(id);
const history = [];

function el(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function bar(fraction, tone) {
  const outer = el('div', `bar${tone ? ` ${tone}` : ''}`);
  const inner = el('i');
  inner.style.width = `${Math.round(Math.min(1, Math.max(0, fraction)) * 100)}%`;
  outer.append(inner);
  return outer;
}

function kv(pairs) {
  const grid = el('div', 'kv');
  for (const [k, v] of pairs) {
    const cell = el('div');
    cell.append(el('span', '', k), document.createTextNode(v));
    grid.append(cell);
  }
  return grid;
}

function batchHistogram(batchSizes, maxBatch) {
  const wrap = el('div');
  // Every size from 1 to the device's max batch, so the shape is comparable across devices.
  const top = Math.max(maxBatch, batchSizes.length - 1);
  const sizes = Array.from({ length: top }, (_, i) => ({ size: i + 1, count: batchSizes[i + 1] ?? 0 }));
  if (sizes.every((b) => b.count === 0)) {
    wrap.append(el('div', 'sub', 'no batches yet'));
    return wrap;
  }
  const max = Math.max(...sizes.map((b) => b.count));
  const hist = el('div', 'hist');
  const axis = el('div', 'hist-axis');
  for (const b of sizes) {
    const column = el('i');
    column.style.height = `${Math.max(2, (b.count / max) * 100)}%`;
    column.title = `batch size ${b.size}: ${b.count} batches`;
    hist.append(column);
    axis.append(el('span', '', String(b.size)));
  }
  wrap.append(el('div', 'meter-label', 'batch sizes'), hist, axis);
  return wrap;
}

function deviceCard(d) {
  const card = el('section', 'panel device');
  const head = el('div', 'device-head');
  head.append(el('b', '', d.id), el('span', `state ${d.state}`, d.state));
  const load = d.inflight;
  const capacity = Math.max(1, d.maxBatch * 2);
  card.append(
    head,
    el('div', 'meter-label', `in flight ${d.inflight}`),
    bar(load / capacity, load >= capacity ? 'warn' : ''),
    kv([
      ['completed', d.completed.toLocaleString()],
      ['failed', d.failed.toLocaleString()],
      ['restarts', String(d.restarts)],
      ['per page', d.ewmaMs === undefined || d.ewmaMs === null ? '–' : formatMs(d.ewmaMs)],
      ['serves', d.serves === 'interactive' ? 'interactive pages' : 'all pages'],
      ['max batch', String(d.maxBatch)],
      ['memory', d.rssMb ? `${Math.round(d.rssMb)} MB` : '–'],
    ]),
    batchHistogram(d.batchSizes ?? [], d.maxBatch),
  );
  if (d.lastError) card.append(el('div', 'sub', `last error: ${d.lastError.code} — ${d.lastError.message}`));
  return card;
}

// Figures a GPU cannot report arrive as null (NaN on the server).
const known = (v) => typeof v === 'number' && Number.isFinite(v);
const fixed = (v, digits, unit) => (known(v) ? `${v.toFixed(digits)}${unit}` : '–');
const gib = (mb) => (known(mb) ? mb / 1024 : null);

function gpuCard(g) {
  const card = el('section', 'panel device');
  const head = el('div', 'device-head');
  head.append(el('b', '', `GPU ${g.index}`), el('span', 'sub', g.name));
  const memFraction = known(g.memoryUsedMb) && g.memoryTotalMb > 0 ? g.memoryUsedMb / g.memoryTotalMb : 0;
  card.append(
    head,
    el('div', 'meter-label', `utilisation ${fixed(g.utilizationPct, 0, ' %')}`),
    bar(known(g.utilizationPct) ? g.utilizationPct / 100 : 0, ''),
    el('div', 'meter-label', `memory ${fixed(gib(g.memoryUsedMb), 1, '')} / ${fixed(gib(g.memoryTotalMb), 1, ' GiB')}`),
    bar(memFraction, memFraction > 0.9 ? 'bad' : memFraction > 0.75 ? 'warn' : ''),
    el('div', 'meter-label', `temperature ${fixed(g.temperatureC, 0, ' °C')}${known(g.powerW) ? ` · power ${g.powerW.toFixed(0)} W` : ''}`),
  );
  return card;
}

function drawChart(canvas, values) {
  const dpr = window.devicePixelRatio || 1;
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  canvas.width = Math.round(width * dpr);
  canvas.height = Math.round(height * dpr);
  const ctx = canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.fillStyle = getComputedStyle(document.documentElement).getPropertyValue('--border').trim() || '#e2e8f0';
  ctx.fillRect(0, height - 1, width, 1);
  if (values.length < 2) return;
  const max = Math.max(1e-6, ...values);
  const accent = getComputedStyle(document.documentElement).getPropertyValue('--accent').trim() || '#4f46e5';
  const step = width / (HISTORY_POINTS - 1);
  const x0 = width - (values.length - 1) * step;
  ctx.beginPath();
  values.forEach((v, i) => {
    const x = x0 + i * step;
    const y = height - 2 - (v / max) * (height - 6);
    if (i === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.strokeStyle = accent;
  ctx.lineWidth = 2;
  ctx.stroke();
  ctx.lineTo(width, height);
  ctx.lineTo(x0, height);
  ctx.closePath();
  ctx.globalAlpha = 0.12;
  ctx.fillStyle = accent;
  ctx.fill();
  ctx.globalAlpha = 1;
}

/** One row per priority class, then one per tenant: the figures of the last minute. */
function admissionRows(status) {
  const rows = [];
  const row = (name, f) => {
    const tr = el('tr');
    for (const text of [name, String(f.queued), f.dispatched.toLocaleString(), String(f.rejected),
      formatMs(f.waitMs?.p50 ?? null), formatMs(f.waitMs?.p99 ?? null), formatMs(f.queued > 0 ? f.oldestWaitMs : null)]) tr.append(el('td', '', text));
    return tr;
  };
  for (const [name, f] of Object.entries(status.classes ?? {})) rows.push(row(name, f));
  for (const [name, f] of Object.entries(status.tenants ?? {})) rows.push(row(`tenant ${name}`, f));
  return rows;
}

function formatUptime(seconds) {
  const s = Math.floor(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function render(status) {
  $('pages-per-sec').textContent = status.throughput.pagesPerSec.toFixed(2);
  $('p50').textContent = formatMs(status.latencyMs.p50);
  $('p95').textContent = formatMs(status.latencyMs.p95);
  $('p99').textContent = formatMs(status.latencyMs.p99);
  $('queue-depth').textContent = String(status.queueDepth);
  $('queue-max').textContent = String(status.maxQueue);
  const fill = status.maxQueue > 0 ? status.queueDepth / status.maxQueue : 0;
  const queueBar = $('queue-bar');
  queueBar.className = `bar${fill > 0.9 ? ' bad' : fill > 0.5 ? ' warn' : ''}`;
  queueBar.firstElementChild.style.width = `${Math.round(fill * 100)}%`;
  $('completed').textContent = status.completed.toLocaleString();
  $('totals').textContent = `accepted ${status.accepted} · failed ${status.failed} · rejected ${status.rejected} · timed out ${status.timedOut} · aborted ${status.aborted}`;
  $('service-sub').textContent = `${status.model} · v${status.version} · up ${formatUptime(status.uptimeSeconds)}${status.draining ? ' · draining' : ''}`;

  history.push(status.throughput.pagesPerSec);
  if (history.length > HISTORY_POINTS) history.shift();
  drawChart($('throughput-chart'), history);

  $('admission').tBodies[0].replaceChildren(...admissionRows(status));
  $('devices').replaceChildren(...status.devices.map(deviceCard));
  const gpus = status.gpus ?? [];
  $('gpu-title').hidden = gpus.length === 0;
  $('gpus').replaceChildren(...gpus.map(gpuCard));
}

async function poll() {
  try {
    render(await fetchJson('/v1/status'));
    $('error-banner').classList.remove('show');
  } catch {
    $('error-banner').classList.add('show');
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

watchService($('service-pill'));
poll();
