// The upload viewer: drop an image or PDF, see its regions over the page, explore them in a list,
// filter by class, change the threshold, download the JSON and the overlay PNG.

import { ApiError, ensureColors, fetchJson, formatMs, watchService } from './api.js';
import { drawPage, exportPng, regionAt } from './overlay-canvas.js';
import { renderClassChips, renderRegionTable } from './region-panel.js';

const $ = (id) => document.getElementById(id);
const els = {
  stage: $('stage-view'), dropzone: $('dropzone'), canvas: $('page-canvas'), fileInput: $('file-input'),
  openButton: $('open-button'), fileName: $('file-name'), fileMeta: $('file-meta'), busy: $('busy'),
  pager: $('pager'), prev: $('prev-page'), next: $('next-page'), pageInput: $('page-input'), pageCount: $('page-count'),
  threshold: $('threshold'), thresholdValue: $('threshold-value'), showLabels: $('show-labels'), showOrder: $('show-order'),
  showFill: $('show-fill'), downloadJson: $('download-json'), downloadPng: $('download-png'), chips: $('class-chips'),
  exports: { page: $('download-page'), alto: $('download-alto'), coco: $('download-coco'), crops: $('download-crops') },
  list: $('region-list'), statRegions: $('stat-regions'), statDevice: $('stat-device'), statTime: $('stat-time'),
  banner: $('error-banner'), errorText: $('error-text'), errorCode: $('error-code'), errorClose: $('error-close'),
};

const state = {
  file: null,
  isPdf: false,
  /** Browser-decodable image of a non-PDF upload (else the server returns the page image). */
  localImage: null,
  pageCount: 1,
  page: 1,
  pageImages: new Map(),
  /** Server response for the current page at the last requested threshold. */
  response: null,
  result: null,
  threshold: 0.5,
  hiddenLabels: new Set(),
  hover: null,
  selected: null,
  scale: 1,
  seq: 0,
};

// ---------- errors & busy ----------
function showError(err) {
  const isApi = err instanceof ApiError;
  els.errorText.textContent = isApi ? err.message : String(err.message ?? err);
  els.errorCode.textContent = isApi ? `${err.code}${err.status ? ` · HTTP ${err.status}` : ''}` : '';
  els.banner.classList.add('show');
}
function clearError() {
  els.banner.classList.remove('show');
}
els.errorClose.addEventListener('click', clearError);
const setBusy = (busy) => els.busy.classList.toggle('show', busy);

// ---------- file intake ----------
async function looksLikePdf(file) {
  const head = new Uint8Array(await file.slice(0, 1024).arrayBuffer());
  const text = String.fromCharCode(...head);
  return text.includes('%PDF-');
}

async function openFile(file) {
  if (!file) return;
  clearError();
  state.file = file;
  state.isPdf = await looksLikePdf(file);
  state.localImage = null;
  state.pageImages.clear();
  state.page = 1;
  state.pageCount = 1;
  state.hiddenLabels.clear();
  state.selected = state.hover = null;
  if (!state.isPdf) {
    // TIFF and friends do not decode in most browsers: the server then sends the page back.
    state.localImage = await createImageBitmap(file).catch(() => null);
  }
  els.fileName.textContent = file.name;
  els.fileMeta.textContent = `${(file.size / 1024 / 1024).toFixed(2)} MB`;
  await analyze();
}

function imageFromBase64(base64) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error('The page image could not be shown.'));
    img.src = `data:image/jpeg;base64,${base64}`;
  });
}

// ---------- analysis ----------
async function analyze() {
  if (!state.file) return;
  const seq = ++state.seq;
  const page = state.page;
  const needImage = state.isPdf ? !state.pageImages.has(page) : !state.localImage && !state.pageImages.has(1);
  const query = new URLSearchParams({ threshold: String(state.threshold) });
  if (state.isPdf) query.set('pages', String(page));
  if (needImage) query.set('returnImage', 'true');
  const form = new FormData();
  form.append('file', state.file, state.file.name);
  setBusy(true);
  try {
    const body = await fetchJson(`/v1/layout?${query}`, { method: 'POST', body: form });
    if (seq !== state.seq) return; // a newer request (page change, slider) superseded this one
    const result = state.isPdf ? body.pages[0] : body;
    if (state.isPdf) state.pageCount = body.input.pageCount;
    if (result.image) {
      state.pageImages.set(state.isPdf ? page : 1, await imageFromBase64(result.image));
      delete result.image;
    }
    await ensureColors(result.regions.map((r) => r.label));
    state.response = body;
    state.result = result;
    if (state.selected && !result.regions.includes(state.selected)) state.selected = null;
    state.hover = null;
    render();
  } catch (err) {
    if (seq === state.seq) showError(err);
  } finally {
    if (seq === state.seq) setBusy(false);
  }
}

function currentImage() {
  return state.isPdf ? state.pageImages.get(state.page) : (state.localImage ?? state.pageImages.get(1));
}

function visibleRegions() {
  if (!state.result) return [];
  return state.result.regions.filter((r) => r.score >= state.threshold - 1e-9 && !state.hiddenLabels.has(r.label));
}

// ---------- rendering ----------
function drawOptions() {
  return { showLabels: els.showLabels.checked, showOrder: els.showOrder.checked, showFill: els.showFill.checked };
}

function drawCanvas() {
  const image = currentImage();
  if (!image) return;
  const available = Math.max(200, els.stage.clientWidth - 32);
  state.scale = Math.min(1, available / image.width);
  const dpr = window.devicePixelRatio || 1;
  const cssWidth = Math.round(image.width * state.scale);
  const cssHeight = Math.round(image.height * state.scale);
  els.canvas.width = Math.round(cssWidth * dpr);
  els.canvas.height = Math.round(cssHeight * dpr);
  els.canvas.style.width = `${cssWidth}px`;
  els.canvas.style.height = `${cssHeight}px`;
  const ctx = els.canvas.getContext('2d');
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  drawPage(ctx, image, visibleRegions(), state.scale, {
    ...drawOptions(),
    highlight: state.hover ?? state.selected,
    lineWidth: 2,
    fontPx: 11,
  });
}

function render() {
  const hasResult = Boolean(state.result);
  els.dropzone.hidden = hasResult;
  els.canvas.hidden = !hasResult;
  els.pager.hidden = !state.isPdf;
  els.pageInput.value = String(state.page);
  els.pageInput.max = String(state.pageCount);
  els.pageCount.textContent = String(state.pageCount);
  els.prev.disabled = state.page <= 1;
  els.next.disabled = state.page >= state.pageCount;
  els.downloadJson.disabled = els.downloadPng.disabled = !hasResult;
  for (const button of Object.values(els.exports)) button.disabled = !hasResult;
  if (!hasResult) return;
  const visible = visibleRegions();
  els.statRegions.textContent = String(visible.length);
  els.statDevice.textContent = state.result.device ?? '–';
  els.statTime.textContent = formatMs(state.result.timing?.totalMs);
  els.statTime.title = state.result.timing
    ? `queue ${formatMs(state.result.timing.queueMs)} · inference ${formatMs(state.result.timing.inferMs)} · batch ${state.result.timing.batchSize}`
    : '';
  const { width, height } = state.result.input;
  els.fileMeta.textContent = `${width} × ${height} px${state.isPdf ? ` · page ${state.page}/${state.pageCount}` : ''}`;
  renderChips();
  renderList(visible);
  drawCanvas();
}

function renderChips() {
  renderClassChips(els.chips, state.result.regions, state.threshold, state.hiddenLabels, (label) => {
    if (state.hiddenLabels.has(label)) state.hiddenLabels.delete(label);
    else state.hiddenLabels.add(label);
    render();
  });
}

let rowsByRegion = new Map();

function renderList(visible) {
  rowsByRegion = renderRegionTable(els.list, visible, state.selected, {
    onEnter: (region) => setHover(region, false),
    onLeave: () => setHover(null, false),
    onClick: (region) => select(region, false),
  });
}

function setHover(region, fromCanvas) {
  if (state.hover === region) return;
  rowsByRegion.get(state.hover)?.classList.remove('hover');
  state.hover = region;
  const row = rowsByRegion.get(region);
  row?.classList.add('hover');
  if (fromCanvas && row) row.scrollIntoView({ block: 'nearest' });
  drawCanvas();
}

function select(region, fromCanvas) {
  rowsByRegion.get(state.selected)?.classList.remove('selected');
  state.selected = state.selected === region ? null : region;
  const row = rowsByRegion.get(state.selected);
  row?.classList.add('selected');
  if (fromCanvas && row) row.scrollIntoView({ block: 'nearest', behavior: 'smooth' });
  drawCanvas();
}

function pagePoint(event) {
  const rect = els.canvas.getBoundingClientRect();
  return [(event.clientX - rect.left) / state.scale, (event.clientY - rect.top) / state.scale];
}
els.canvas.addEventListener('mousemove', (e) => setHover(regionAt(visibleRegions(), ...pagePoint(e)), true));
els.canvas.addEventListener('mouseleave', () => setHover(null, true));
els.canvas.addEventListener('click', (e) => {
  const region = regionAt(visibleRegions(), ...pagePoint(e));
  if (region) select(region, true);
});

// ---------- controls ----------
let requery;
els.threshold.addEventListener('input', () => {
  state.threshold = Number(els.threshold.value);
  els.thresholdValue.textContent = state.threshold.toFixed(2);
  render(); // instant: filter what we have…
  clearTimeout(requery);
  requery = setTimeout(analyze, 350); // …then ask the model for the exact answer at this threshold
});
for (const box of [els.showLabels, els.showOrder, els.showFill]) box.addEventListener('change', drawCanvas);

function goToPage(page) {
  const target = Math.min(Math.max(1, Math.round(page) || 1), state.pageCount);
  if (target === state.page) {
    els.pageInput.value = String(state.page);
    return;
  }
  state.page = target;
  state.selected = state.hover = null;
  analyze();
}
els.prev.addEventListener('click', () => goToPage(state.page - 1));
els.next.addEventListener('click', () => goToPage(state.page + 1));
els.pageInput.addEventListener('change', () => goToPage(Number(els.pageInput.value)));

function baseName() {
  const name = state.file?.name ?? 'page';
  const stem = name.replace(/\.[^.]+$/, '');
  return state.isPdf ? `${stem}-p${state.page}` : stem;
}
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
els.downloadJson.addEventListener('click', () => {
  download(new Blob([JSON.stringify(state.response, null, 2)], { type: 'application/json' }), `${baseName()}.json`);
});
/** The file name a download answer gives in Content-Disposition (filename* first), else a fallback. */
function dispositionName(response, fallback) {
  const header = response.headers.get('content-disposition') ?? '';
  const extended = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (extended) return decodeURIComponent(extended[1]);
  const plain = /filename="([^"]+)"/i.exec(header);
  return plain ? plain[1] : fallback;
}

/**
 * PAGE, ALTO, COCO and the crops zip are made by the service from the same file, page and
 * threshold as the result on screen (the formats and the crops are the server's to write).
 */
async function downloadExport(kind) {
  if (!state.file) return;
  const query = new URLSearchParams({ threshold: String(state.threshold) });
  if (state.isPdf) query.set('pages', String(state.page));
  if (kind === 'crops') query.set('crops', 'true');
  else query.set('format', kind);
  const form = new FormData();
  form.append('file', state.file, state.file.name);
  const button = els.exports[kind];
  button.disabled = true;
  try {
    const response = await fetch(`/v1/layout?${query}`, { method: 'POST', body: form });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      throw new ApiError(response.status, body.error?.code ?? `HTTP_${response.status}`, body.error?.message ?? response.statusText);
    }
    download(await response.blob(), dispositionName(response, `${baseName()}.${kind}`));
  } catch (err) {
    showError(err);
  } finally {
    button.disabled = !state.result;
  }
}
for (const kind of Object.keys(els.exports)) els.exports[kind].addEventListener('click', () => downloadExport(kind));

els.downloadPng.addEventListener('click', async () => {
  try {
    download(await exportPng(currentImage(), visibleRegions(), drawOptions()), `${baseName()}-layout.png`);
  } catch (err) {
    showError(err);
  }
});

// ---------- drag and drop ----------
els.openButton.addEventListener('click', () => els.fileInput.click());
els.dropzone.addEventListener('click', () => els.fileInput.click());
els.dropzone.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' || e.key === ' ') els.fileInput.click();
});
els.fileInput.addEventListener('change', () => {
  openFile(els.fileInput.files[0]).catch(showError);
  els.fileInput.value = '';
});
let dragDepth = 0;
els.stage.addEventListener('dragenter', (e) => {
  e.preventDefault();
  dragDepth++;
  els.stage.classList.add('dragging');
});
els.stage.addEventListener('dragleave', () => {
  if (--dragDepth <= 0) els.stage.classList.remove('dragging');
});
els.stage.addEventListener('dragover', (e) => e.preventDefault());
els.stage.addEventListener('drop', (e) => {
  e.preventDefault();
  dragDepth = 0;
  els.stage.classList.remove('dragging');
  const file = e.dataTransfer?.files?.[0];
  if (file) openFile(file).catch(showError);
});

let resizeTimer;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(drawCanvas, 100);
});

watchService(document.getElementById('service-pill'));
ensureColors().catch(() => undefined);
render();
