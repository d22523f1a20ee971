// The Analyze page: open an image or a PDF, see its regions over the page (zoom, pan, fit,
// thumbnails, keys), explore them in a list, filter by class, change the threshold, download.
// A document becomes the one on screen only once its first page is analysed: a failed upload
// leaves the previous document as it was (its own name, its own regions) and names the bad file.

import { ApiError, ensureColors, fetchJson, formatMs, watchService } from './api.js';
import { wireDownloads } from './downloads.js';
import { wireFileIntake } from './file-intake.js';
import { readingOrder } from './names.js';
import { PageView } from './page-view.js';
import { renderClassChips, renderRegionTable } from './region-panel.js';
import { Thumbnails } from './thumbnails.js';

const $ = (id) => document.getElementById(id);
const els = {
  stage: $('stage-view'), dropzone: $('dropzone'), image: $('page-image'), canvas: $('page-canvas'), fileInput: $('file-input'),
  openButton: $('open-button'), fileName: $('file-name'), fileMeta: $('file-meta'), busy: $('busy'),
  pager: $('pager'), prev: $('prev-page'), next: $('next-page'), pageInput: $('page-input'), pageCount: $('page-count'),
  zoomControls: $('zoom-controls'), zoomIn: $('zoom-in'), zoomOut: $('zoom-out'), zoomValue: $('zoom-value'), fitWidth: $('fit-width'), fitPage: $('fit-page'),
  threshold: $('threshold'), thresholdValue: $('threshold-value'), showLabels: $('show-labels'), showOrder: $('show-order'),
  showFill: $('show-fill'), chips: $('class-chips'), list: $('region-list'),
  statRegions: $('stat-regions'), statDevice: $('stat-device'), statTime: $('stat-time'),
  banner: $('error-banner'), errorText: $('error-text'), errorCode: $('error-code'), errorClose: $('error-close'),
};

/**
 * doc: { file, isPdf, pageCount, localUrl (object URL of a browser-decodable image), images (page → URL) }
 * The page's result: response (the server's answer), result (the page's part of it).
 */
const state = { doc: null, page: 1, response: null, result: null, threshold: 0.5, hiddenLabels: new Set(), hover: null, selected: null, seq: 0 };

// ---------- errors & busy ----------
function showError(err, fileName) {
  const isApi = err instanceof ApiError;
  const message = isApi ? err.message : String(err.message ?? err);
  els.errorText.textContent = fileName ? `${fileName}: ${message}` : message;
  els.errorCode.textContent = isApi ? `${err.code}${err.status ? ` · HTTP ${err.status}` : ''}` : '';
  els.banner.classList.add('show');
}
const clearError = () => els.banner.classList.remove('show');
els.errorClose.addEventListener('click', clearError);
/** While a page is on its way, the downloads (which name the page on screen) wait for it. */
function setBusy(busy) {
  els.busy.classList.toggle('show', busy);
  for (const button of document.querySelectorAll('.downloads button')) button.disabled = busy || !state.result;
}

// ---------- the view ----------
const view = new PageView(els.stage, els.image, els.canvas, {
  onHover: (region) => setHover(region, true),
  onClick: (region) => (region ? select(region, true) : undefined),
  onZoom: (scale) => (els.zoomValue.textContent = `${Math.round(scale * 100)}%`),
});
const thumbnails = new Thumbnails($('thumbs'), (page) => goToPage(page));

// ---------- file intake ----------
async function looksLikePdf(file) {
  const head = new Uint8Array(await file.slice(0, 1024).arrayBuffer());
  return String.fromCharCode(...head).includes('%PDF-');
}

/** An object URL for an image the browser can show as is (TIFF often cannot: the server sends it). */
async function localImageUrl(file) {
  const url = URL.createObjectURL(file);
  const probe = new Image();
  probe.src = url;
  try {
    await probe.decode();
    return { url, width: probe.naturalWidth, height: probe.naturalHeight };
  } catch {
    URL.revokeObjectURL(url);
    return null;
  }
}

async function openFile(file) {
  if (!file) return;
  clearError();
  const isPdf = await looksLikePdf(file);
  const doc = { file, isPdf, pageCount: 1, local: isPdf ? null : await localImageUrl(file), images: new Map() };
  // The new document replaces the old one only when its first page is back.
  await analyze(doc, 1, { fresh: true });
}

function base64Url(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  return URL.createObjectURL(new Blob([bytes], { type: 'image/jpeg' }));
}

/** The local image fits a result when the browser decoded it at the size the model saw. */
function localFits(doc, input) {
  return doc.local && doc.local.width === input.width && doc.local.height === input.height;
}

// ---------- analysis ----------
async function analyze(doc, page, { fresh = false } = {}) {
  const seq = ++state.seq;
  const needImage = !doc.images.has(page) && !(doc.local && !doc.isPdf && !doc.localMismatch);
  const query = new URLSearchParams({ threshold: String(state.threshold) });
  if (doc.isPdf) query.set('pages', String(page));
  if (needImage) query.set('returnImage', 'true');
  const form = new FormData();
  form.append('file', doc.file, doc.file.name);
  setBusy(true);
  try {
    const body = await fetchJson(`/v1/layout?${query}`, { method: 'POST', body: form });
    if (seq !== state.seq) return;
    const result = doc.isPdf ? body.pages[0] : body;
    if (result.error) throw new ApiError(422, result.error.code, `page ${result.page}: ${result.error.message}`);
    if (doc.isPdf) doc.pageCount = body.input.pageCount;
    if (result.image) {
      doc.images.set(page, base64Url(result.image));
      delete result.image;
    } else if (!doc.isPdf && !localFits(doc, result.input)) {
      // Decoded differently here (EXIF, limits): ask once more for the page as the model saw it.
      doc.localMismatch = true;
      return analyze(doc, page, { fresh });
    }
    await ensureColors(result.regions.map((r) => r.label));
    if (seq !== state.seq) return;
    const sameDoc = state.doc === doc;
    if (!sameDoc) release(state.doc);
    state.doc = doc;
    state.page = page;
    state.response = body;
    state.result = result;
    if (fresh) state.hiddenLabels.clear();
    if (!sameDoc || state.selected && !result.regions.includes(state.selected)) state.selected = null;
    state.hover = null;
    if (!sameDoc) {
      if (doc.isPdf) thumbnails.show(doc.file, doc.pageCount);
      else thumbnails.hide();
    }
    await view.setImage(doc.images.get(page) ?? doc.local.url, result.input.width, result.input.height, sameDoc);
    render();
  } catch (err) {
    if (seq !== state.seq) return;
    showError(err, doc.file.name);
    if (state.doc !== doc) release(doc);
    else render(); // the pager goes back to the page on screen
  } finally {
    if (seq === state.seq) setBusy(false);
  }
}

/** Frees a replaced document's image URLs. */
function release(doc) {
  if (!doc) return;
  if (doc.local) URL.revokeObjectURL(doc.local.url);
  for (const url of doc.images.values()) URL.revokeObjectURL(url);
}

function visibleRegions() {
  if (!state.result) return [];
  return state.result.regions.filter((r) => r.score >= state.threshold - 1e-9 && !state.hiddenLabels.has(r.label));
}

// ---------- rendering ----------
function drawOptions() {
  return { showLabels: els.showLabels.checked, showOrder: els.showOrder.checked, showFill: els.showFill.checked };
}

function render() {
  const { doc } = state;
  const hasResult = Boolean(state.result);
  els.dropzone.hidden = hasResult;
  els.pager.hidden = !doc?.isPdf;
  els.zoomControls.hidden = !hasResult;
  els.pageInput.value = String(state.page);
  els.pageInput.max = String(doc?.pageCount ?? 1);
  els.pageCount.textContent = String(doc?.pageCount ?? 1);
  els.prev.disabled = state.page <= 1;
  els.next.disabled = state.page >= (doc?.pageCount ?? 1);
  downloads.update(state);
  if (!hasResult) return;
  thumbnails.setCurrent(state.page);
  els.fileName.textContent = doc.file.name;
  els.fileName.title = doc.file.name;
  const { width, height } = state.result.input;
  els.fileMeta.textContent = `${width} × ${height} px · ${(doc.file.size / 1024 / 1024).toFixed(2)} MB`;
  const visible = visibleRegions();
  els.statRegions.textContent = String(visible.length);
  els.statDevice.textContent = state.result.device ?? '–';
  els.statTime.textContent = formatMs(state.result.timing?.totalMs);
  els.statTime.title = state.result.timing
    ? `queue ${formatMs(state.result.timing.queueMs)} · inference ${formatMs(state.result.timing.inferMs)} · batch ${state.result.timing.batchSize}`
    : '';
  renderClassChips(els.chips, state.result.regions, state.threshold, state.hiddenLabels, (label) => {
    if (state.hiddenLabels.has(label)) state.hiddenLabels.delete(label);
    else state.hiddenLabels.add(label);
    render();
  });
  renderList(visible);
  view.setRegions(visible, drawOptions());
  view.setHighlight(state.hover, state.selected);
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
  view.setHighlight(state.hover, state.selected);
}

/** Selects a region (a second click on it clears); from the list or keys, the view pans to it. */
function select(region, fromCanvas, toggle = true) {
  rowsByRegion.get(state.selected)?.classList.remove('selected');
  state.selected = toggle && state.selected === region ? null : region;
  const row = rowsByRegion.get(state.selected);
  row?.classList.add('selected');
  if (row) row.scrollIntoView({ block: 'nearest' });
  if (!fromCanvas && state.selected) view.reveal(state.selected);
  view.setHighlight(state.hover, state.selected);
}

/** j/k: the next or previous region in reading order (the list's order). */
function stepRegion(delta) {
  const ordered = visibleRegions().sort(readingOrder);
  if (ordered.length === 0) return;
  const at = ordered.indexOf(state.selected);
  const next = at < 0 ? (delta > 0 ? 0 : ordered.length - 1) : Math.min(ordered.length - 1, Math.max(0, at + delta));
  select(ordered[next], false, false);
}

// ---------- controls ----------
let requery;
els.threshold.addEventListener('input', () => {
  state.threshold = Number(els.threshold.value);
  els.thresholdValue.textContent = state.threshold.toFixed(2);
  render(); // instant: filter what we have…
  clearTimeout(requery);
  requery = setTimeout(() => state.doc && analyze(state.doc, state.page), 350); // …then ask the model at this threshold
});
for (const box of [els.showLabels, els.showOrder, els.showFill]) box.addEventListener('change', () => view.setRegions(visibleRegions(), drawOptions()));

function goToPage(page) {
  if (!state.doc) return;
  const target = Math.min(Math.max(1, Math.round(page) || 1), state.doc.pageCount);
  if (target === state.page) {
    els.pageInput.value = String(state.page);
    return;
  }
  state.selected = state.hover = null;
  analyze(state.doc, target);
}
els.prev.addEventListener('click', () => goToPage(state.page - 1));
els.next.addEventListener('click', () => goToPage(state.page + 1));
els.pageInput.addEventListener('change', () => goToPage(Number(els.pageInput.value)));
els.zoomIn.addEventListener('click', () => view.zoomBy(1.25));
els.zoomOut.addEventListener('click', () => view.zoomBy(0.8));
els.fitWidth.addEventListener('click', () => view.fit('width'));
els.fitPage.addEventListener('click', () => view.fit('page'));

const KEYS = {
  ArrowLeft: () => goToPage(state.page - 1),
  PageUp: () => goToPage(state.page - 1),
  ArrowRight: () => goToPage(state.page + 1),
  PageDown: () => goToPage(state.page + 1),
  Home: () => goToPage(1),
  End: () => goToPage(state.doc.pageCount),
  j: () => stepRegion(1),
  k: () => stepRegion(-1),
  Escape: () => select(null, false, false),
  '+': () => view.zoomBy(1.25),
  '=': () => view.zoomBy(1.25),
  '-': () => view.zoomBy(0.8),
  0: () => view.fit('page'),
  w: () => view.fit('width'),
};
document.addEventListener('keydown', (e) => {
  if (!state.result || e.ctrlKey || e.metaKey || e.altKey) return;
  if (e.target instanceof HTMLElement && e.target.closest('input, select, textarea, [contenteditable]')) return;
  const action = KEYS[e.key];
  if (!action) return;
  e.preventDefault();
  action();
});

const downloads = wireDownloads({
  current: () => state,
  visibleRegions,
  drawOptions,
  pageImage: () => els.image,
  onError: (err) => showError(err, state.doc?.file.name),
});

wireFileIntake(els, (file) => openFile(file).catch((err) => showError(err, file?.name)));

watchService(document.getElementById('service-pill'));
ensureColors().catch(() => undefined);
render();
