// The Result panel's downloads. "This page": the JSON on screen and the overlay as shown are
// saved from the browser; PAGE, ALTO, COCO, the crops and the clean page image come from
// POST /v1/export/{kind} for this page. "Whole PDF": every page, from the same routes without a
// page selection. Names follow names.js (the server's Content-Disposition uses the same scheme).

import { fetchFile, fetchJson, saveBlob } from './api.js';
import { outputName } from './names.js';
import { exportPng } from './overlay-canvas.js';

const $ = (id) => document.getElementById(id);
const PAGE_EXPORTS = { page: 'download-page', alto: 'download-alto', coco: 'download-coco', crops: 'download-crops', image: 'download-image' };
const DOC_EXPORTS = { page: 'doc-page', alto: 'doc-alto', coco: 'doc-coco', crops: 'doc-crops' };
const FALLBACK_KIND = { page: 'page', alto: 'alto', coco: 'coco', crops: 'crops', image: 'image' };

/**
 * app: { current() → state, visibleRegions(), drawOptions(), pageImage() → <img>, onError(err) }.
 * Returns { update(state) } to enable the buttons for what is on screen.
 */
export function wireDownloads(app) {
  const buttons = [...Object.values(PAGE_EXPORTS), ...Object.values(DOC_EXPORTS), 'download-json', 'download-png', 'doc-json'].map($);

  async function run(button, work) {
    button.disabled = true;
    try {
      await work();
    } catch (err) {
      app.onError(err);
    } finally {
      button.disabled = !app.current().result;
    }
  }

  /** The upload and the query of what is on screen; `page` undefined for every page. */
  function request(page) {
    const { doc, threshold } = app.current();
    const query = new URLSearchParams({ threshold: String(threshold) });
    if (doc.isPdf && page !== undefined) query.set('pages', String(page));
    const form = new FormData();
    form.append('file', doc.file, doc.file.name);
    return { query, form };
  }

  async function exportFile(kind, page) {
    const { doc } = app.current();
    const { query, form } = request(page);
    const fallback = outputName(doc.file.name, doc.isPdf, kind === 'page' && page === undefined && doc.isPdf ? 'pageZip' : FALLBACK_KIND[kind], doc.isPdf ? page : undefined);
    const { blob, name } = await fetchFile(`/v1/export/${kind}?${query}`, { method: 'POST', body: form }, fallback);
    saveBlob(blob, name);
  }

  for (const [kind, id] of Object.entries(PAGE_EXPORTS)) {
    $(id).addEventListener('click', (e) => run(e.currentTarget, () => exportFile(kind, app.current().page)));
  }
  for (const [kind, id] of Object.entries(DOC_EXPORTS)) {
    $(id).addEventListener('click', (e) => run(e.currentTarget, () => exportFile(kind, undefined)));
  }
  $('download-json').addEventListener('click', (e) => run(e.currentTarget, async () => {
    const { doc, page, response } = app.current();
    saveBlob(new Blob([JSON.stringify(response, null, 2)], { type: 'application/json' }), outputName(doc.file.name, doc.isPdf, 'json', doc.isPdf ? page : undefined));
  }));
  $('download-png').addEventListener('click', (e) => run(e.currentTarget, async () => {
    const { doc, page } = app.current();
    saveBlob(await exportPng(app.pageImage(), app.visibleRegions(), app.drawOptions()), outputName(doc.file.name, doc.isPdf, 'overlay', doc.isPdf ? page : undefined));
  }));
  $('doc-json').addEventListener('click', (e) => run(e.currentTarget, async () => {
    const { doc } = app.current();
    const { query, form } = request(undefined);
    const body = await fetchJson(`/v1/layout?${query}`, { method: 'POST', body: form });
    saveBlob(new Blob([JSON.stringify(body, null, 2)], { type: 'application/json' }), outputName(doc.file.name, doc.isPdf, 'json'));
  }));

  return {
    update(state) {
      const ready = Boolean(state.result);
      for (const button of buttons) button.disabled = !ready;
      $('download-scope').textContent = state.doc?.isPdf ? `Page ${state.page}` : 'This page';
      $('document-downloads').hidden = !state.doc?.isPdf;
    },
  };
}
