// The naming scheme of every file doclayout writes — the browser's copy of src/export/names.ts
// (a test runs both on the same names and fails if they ever differ).
//   <stem>.json            an image, or a whole PDF        <stem>-p0002.json   page 2 of a PDF
//   .page.xml .alto.xml .coco.zip .crops.zip .overlay.png .jpg (the clean page image) likewise
//   crops: <page stem>-r003-<label>.png, numbered by reading order, unordered regions after

export const PAGE_DIGITS = 4;

export const EXTENSIONS = Object.freeze({
  json: '.json',
  page: '.page.xml',
  pageZip: '.page.zip',
  alto: '.alto.xml',
  coco: '.coco.zip',
  crops: '.crops.zip',
  overlay: '.overlay.png',
  image: '.jpg',
  images: '.images.zip',
});

/** Path separators, control characters and quotes become "_"; never empty, never a dot file. */
export function safeFileName(name) {
  const base = String(name).replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"*:<>?|\\/]/g, '_').trim().replace(/^\.+/, '');
  return cleaned.length > 0 ? cleaned.slice(0, 200) : 'document';
}

/** The upload's name without its last extension ("scan.v2.pdf" → "scan.v2"). */
export function fileStem(name) {
  const base = safeFileName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** `<stem>` for an image, `<stem>-pNNNN` for a PDF page. */
export function pageStem(name, isPdf, page) {
  return isPdf ? `${fileStem(name)}-p${String(page).padStart(PAGE_DIGITS, '0')}` : fileStem(name);
}

/** The file name of one output: kind is a key of EXTENSIONS; page undefined for a whole document. */
export function outputName(name, isPdf, kind, page) {
  const stem = page === undefined ? fileStem(name) : pageStem(name, isPdf, page);
  return `${stem}${EXTENSIONS[kind]}`;
}

/** Reading order first, then the regions outside the text flow, top to bottom, left to right. */
export function readingOrder(a, b) {
  const ao = a.order ?? null;
  const bo = b.order ?? null;
  if (ao !== null && bo !== null) return ao - bo;
  if (ao !== null) return -1;
  if (bo !== null) return 1;
  return a.bbox[1] - b.bbox[1] || a.bbox[0] - b.bbox[0];
}
