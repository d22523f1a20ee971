/**
 * One entry point for every interface: a document's results in the asked format, as the file
 * (or archive) a client downloads. JSON is the caller's own serialisation and is not made here.
 *   page: one PAGE-XML file for an image or a one-page selection; a zip of one per page for more
 *   alto: one file with every page
 *   coco: one dataset (for a whole run of documents, see toCoco)
 */
import { toAltoXml } from './alto-xml.js';
import { toCoco } from './coco.js';
import { fileStem, pageImageName, safeFileName } from './names.js';
import { toPageXml } from './page-xml.js';
import type { ExportDocument, ExportFile, ExportOptions } from './types.js';
import { zipFiles } from './zip.js';

const MEDIA_TYPES = {
  page: 'application/vnd.prima.page+xml',
  alto: 'application/alto+xml',
  coco: 'application/json',
  zip: 'application/zip',
} as const;

/** Each page's PAGE-XML file, named after the page's image. */
export function pageXmlFiles(doc: ExportDocument, options: ExportOptions = {}): Array<{ name: string; xml: string }> {
  return doc.pages.map((page) => ({
    name: `${fileStem(pageImageName(doc.name, doc.isPdf, page.input.page ?? 1))}.xml`,
    xml: toPageXml(page, doc, options),
  }));
}

export function exportDocument(format: 'page' | 'alto' | 'coco', doc: ExportDocument, options: ExportOptions = {}): ExportFile {
  const stem = fileStem(safeFileName(doc.name));
  if (format === 'alto') {
    return { fileName: `${stem}.alto.xml`, contentType: MEDIA_TYPES.alto, body: toAltoXml(doc, options) };
  }
  if (format === 'coco') {
    return { fileName: `${stem}.coco.json`, contentType: MEDIA_TYPES.coco, body: JSON.stringify(toCoco([doc], options)) };
  }
  const files = pageXmlFiles(doc, options);
  if (files.length === 1) return { fileName: `${stem}.page.xml`, contentType: MEDIA_TYPES.page, body: files[0]!.xml };
  return { fileName: `${stem}.page.zip`, contentType: MEDIA_TYPES.zip, body: zipFiles(files.map((f) => ({ name: safeFileName(f.name), data: f.xml }))) };
}

/**
 * Several documents (a batch request) as one download: COCO as one dataset; PAGE and ALTO as a
 * zip with each document's file(s) — a multi-page PDF's PAGE files in a folder of its own. Names
 * that collide get a numeric suffix rather than overwrite each other.
 */
export function exportDocuments(format: 'page' | 'alto' | 'coco', docs: readonly ExportDocument[], options: ExportOptions = {}): ExportFile {
  if (format === 'coco') return { fileName: 'batch.coco.json', contentType: MEDIA_TYPES.coco, body: JSON.stringify(toCoco(docs, options)) };
  const entries = docs.flatMap((doc) => {
    const stem = fileStem(safeFileName(doc.name));
    if (format === 'alto') return [{ name: `${stem}.alto.xml`, data: toAltoXml(doc, options) }];
    const files = pageXmlFiles(doc, options);
    if (files.length === 1) return [{ name: `${stem}.page.xml`, data: files[0]!.xml }];
    return files.map((f) => ({ name: `${stem}/${safeFileName(f.name)}`, data: f.xml }));
  });
  return { fileName: `batch.${format}.zip`, contentType: MEDIA_TYPES.zip, body: zipFiles(entries) };
}
