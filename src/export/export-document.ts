/**
 * One entry point for every interface: a document's results in the asked format, as the file
 * (or archive) a client downloads, named by names.ts. JSON is the caller's own serialisation.
 *   page: one PAGE-XML file for an image or a one-page selection; a zip of one per page for more
 *   alto: one file with every page
 *   coco: one dataset, a zip of coco.json and the page images it names
 */
import { toAltoXml } from './alto-xml.js';
import { cocoDatasetEntries } from './coco.js';
import { fileStem, outputName, selectionName } from './names.js';
import { toPageXml } from './page-xml.js';
import type { ExportDocument, ExportFile, ExportOptions } from './types.js';
import { zipFiles } from './zip.js';

const MEDIA_TYPES = {
  page: 'application/vnd.prima.page+xml',
  alto: 'application/alto+xml',
  coco: 'application/zip',
  zip: 'application/zip',
  jpeg: 'image/jpeg',
} as const;

/** Each page's PAGE-XML file: `<stem>.page.xml` for an image, `<stem>-pNNNN.page.xml` for a PDF page. */
export function pageXmlFiles(doc: ExportDocument, options: ExportOptions = {}): Array<{ name: string; xml: string }> {
  return doc.pages.map((page) => ({
    name: outputName(doc.name, doc.isPdf, 'page', page.input.page ?? 1),
    xml: toPageXml(page, doc, options),
  }));
}

export function exportDocument(format: 'page' | 'alto' | 'coco', doc: ExportDocument, options: ExportOptions = {}): ExportFile {
  if (format === 'alto') return { fileName: selectionName(doc, 'alto'), contentType: MEDIA_TYPES.alto, body: toAltoXml(doc, options) };
  if (format === 'coco') return { fileName: selectionName(doc, 'coco'), contentType: MEDIA_TYPES.coco, body: zipFiles(cocoDatasetEntries([doc], options)) };
  const files = pageXmlFiles(doc, options);
  if (files.length === 1) return { fileName: files[0]!.name, contentType: MEDIA_TYPES.page, body: files[0]!.xml };
  return { fileName: selectionName(doc, 'pageZip'), contentType: MEDIA_TYPES.zip, body: zipFiles(files.map((f) => ({ name: f.name, data: f.xml }))) };
}

/**
 * Several documents (a multi-file request) as one download: COCO as one dataset; PAGE and ALTO as a
 * zip with each document's file(s) — a multi-page PDF's PAGE files in a folder of its own.
 */
export function exportDocuments(format: 'page' | 'alto' | 'coco', docs: readonly ExportDocument[], options: ExportOptions = {}): ExportFile {
  if (format === 'coco') return { fileName: 'batch.coco.zip', contentType: MEDIA_TYPES.coco, body: zipFiles(cocoDatasetEntries(docs, options)) };
  const entries = docs.flatMap((doc) => {
    if (format === 'alto') return [{ name: selectionName(doc, 'alto'), data: toAltoXml(doc, options) }];
    const files = pageXmlFiles(doc, options);
    if (files.length === 1) return [{ name: files[0]!.name, data: files[0]!.xml }];
    return files.map((f) => ({ name: `${fileStem(doc.name)}.page/${f.name}`, data: f.xml }));
  });
  return { fileName: `batch.${format}.zip`, contentType: MEDIA_TYPES.zip, body: zipFiles(entries) };
}

/** The clean page image(s): one image as is, several pages as `<stem>.images.zip`. */
export function pageImagesFile(doc: ExportDocument, images: ReadonlyArray<{ page: number; data: Uint8Array; name: string; contentType: string }>): ExportFile {
  if (images.length === 1) return { fileName: images[0]!.name, contentType: images[0]!.contentType, body: images[0]!.data };
  return { fileName: selectionName(doc, 'images'), contentType: MEDIA_TYPES.zip, body: zipFiles(images.map((i) => ({ name: i.name, data: i.data }))) };
}
