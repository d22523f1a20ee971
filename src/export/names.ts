/**
 * The naming scheme of every file doclayout writes, for the CLI, the HTTP API and the web UI
 * (the web UI imports this very module, compiled, as /ui/js/names.js — so it must stay free of
 * imports and Node APIs):
 *
 *   <stem>.json, .page.xml, .alto.xml, .coco.zip, .crops.zip, .overlay.png, .jpg
 *       an image, or a whole PDF (a PDF's PAGE files come as <stem>.page.zip over HTTP and as
 *       the folder <stem>.page/ from the CLI, one <stem>-pNNNN.page.xml per page)
 *   <stem>-p0002.<same>     one PDF page (page 2), four digits, from 1
 *   <page stem>-r003-<label>.png   a region crop, numbered by reading order, unordered after
 *
 * `<stem>` is the input's name without its last extension: never `scan.pdf.json`.
 */

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
export type OutputKind = keyof typeof EXTENSIONS;

/** The COCO dataset's annotation file, at the dataset's root. */
export const COCO_ANNOTATIONS = 'coco.json';
/** Where a COCO dataset's page images go, relative to its root. */
export const COCO_IMAGES_DIR = 'images';

/**
 * A name safe to put in a Content-Disposition header, a zip entry and a file system: path
 * separators, control characters and quotes become "_"; never empty, never a dot file.
 */
export function safeFileName(name: string): string {
  const base = name.replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? '';
  // eslint-disable-next-line no-control-regex
  const cleaned = base.replace(/[\u0000-\u001f\u007f"*:<>?|\\/]/g, '_').trim().replace(/^\.+/, '');
  return cleaned.length > 0 ? cleaned.slice(0, 200) : 'document';
}

/** The input's name without its last extension ("scan.v2.pdf" → "scan.v2"), made safe. */
export function fileStem(name: string): string {
  const base = safeFileName(name);
  const dot = base.lastIndexOf('.');
  return dot > 0 ? base.slice(0, dot) : base;
}

/** `<stem>` for an image, `<stem>-pNNNN` for a PDF page. */
export function pageStem(name: string, isPdf: boolean, page: number): string {
  return isPdf ? `${fileStem(name)}-p${String(page).padStart(PAGE_DIGITS, '0')}` : fileStem(name);
}

/** The file name of one output; `page` undefined for a whole document. */
export function outputName(name: string, isPdf: boolean, kind: OutputKind, page?: number): string {
  const stem = page === undefined ? fileStem(name) : pageStem(name, isPdf, page);
  return `${stem}${EXTENSIONS[kind]}`;
}

/**
 * The name for what a selection holds: one PDF page carries its page number, an image or
 * several pages the document's stem.
 */
export function selectionName(doc: { readonly name: string; readonly isPdf: boolean; readonly pages: ReadonlyArray<{ readonly input: { readonly page?: number } }> }, kind: OutputKind): string {
  const single = doc.isPdf && doc.pages.length === 1 ? doc.pages[0]!.input.page ?? 1 : undefined;
  return outputName(doc.name, doc.isPdf, kind, single);
}

/**
 * The page image a page result describes (PAGE-XML, ALTO and COCO refer to it): an image is its
 * own page image; a PDF page is rendered as `<stem>-pNNNN.jpg`.
 */
export function pageImageName(name: string, isPdf: boolean, page: number): string {
  return isPdf ? `${pageStem(name, isPdf, page)}${EXTENSIONS.image}` : baseName(name);
}

/** The last part of a path, as given (a file on disk keeps its own name in PAGE and ALTO). */
function baseName(name: string): string {
  return name.replace(/\\/g, '/').split('/').filter(Boolean).pop() ?? name;
}

/** The folders of a relative input path ("a/b/scan.pdf" → ["a", "b"]), made safe; no "..". */
export function relativeFolders(name: string): string[] {
  const parts = name.replace(/\\/g, '/').split('/').filter((p) => p !== '' && p !== '.' && p !== '..');
  return parts.slice(0, -1).map(safeFileName);
}

/** A page image's path in a COCO dataset, relative to its root: `images/<folders>/<page image>`. */
export function cocoImagePath(name: string, isPdf: boolean, page: number): string {
  return [COCO_IMAGES_DIR, ...relativeFolders(name), safeFileName(pageImageName(name, isPdf, page))].join('/');
}

interface Ordered { readonly order?: number | null; readonly bbox: readonly number[] }

/** Reading order first, then the regions outside the text flow, top to bottom, left to right. */
export function readingOrder(a: Ordered, b: Ordered): number {
  // A result read back from JSON by the browser may lack `order`: the same as null.
  const ao = a.order ?? null;
  const bo = b.order ?? null;
  if (ao !== null && bo !== null) return ao - bo;
  if (ao !== null) return -1;
  if (bo !== null) return 1;
  return a.bbox[1]! - b.bbox[1]! || a.bbox[0]! - b.bbox[0]!;
}

/** Each region's 1-based number in reading order (unordered regions after), by its index. */
export function readingNumbers(regions: readonly Ordered[]): number[] {
  const numbers = new Array<number>(regions.length);
  regions.map((region, index) => ({ region, index }))
    .sort((a, b) => readingOrder(a.region, b.region) || a.index - b.index)
    .forEach(({ index }, rank) => {
      numbers[index] = rank + 1;
    });
  return numbers;
}

/** A region crop: `<page stem>-r003-<label>.<ext>`. */
export function cropName(name: string, isPdf: boolean, page: number, number: number, label: string, format: 'png' | 'jpeg'): string {
  const safeLabel = safeFileName(label).replace(/\s+/g, '_');
  return `${pageStem(name, isPdf, page)}-r${String(number).padStart(3, '0')}-${safeLabel}.${format === 'jpeg' ? 'jpg' : 'png'}`;
}
