/**
 * The file a single-document route answers for a non-JSON result: PAGE, ALTO, a COCO dataset
 * (zip: coco.json and the page images it names), the crops zip, or the clean page image(s).
 * Shared by /v1/layout (`format=`, `crops=`) and /v1/export/{kind}; names from export/names.ts.
 */
import type { AnalyzedDocument, UploadedFile } from '../document/index.js';
import { cropsArchive, exportDocument, pageImageName, pageImagesFile, pageXmlFiles, selectionName, type ExportDocument, type ExportFile, type ExportFormat } from '../export/index.js';
import type { EngineResult } from '../engine/index.js';

export const EXPORT_KINDS = ['page', 'alto', 'coco', 'crops', 'image'] as const;
export type ExportKind = (typeof EXPORT_KINDS)[number];

const IMAGE_TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp', tiff: 'image/tiff', bmp: 'image/bmp', gif: 'image/gif' };

/** What the analysis must return besides the results for this answer. */
export function exportNeeds(kind: ExportKind | ExportFormat): { returnImage?: true } {
  return kind === 'coco' || kind === 'image' ? { returnImage: true } : {};
}

/** The document with each page's image: the upload itself for an image, the analysed JPEG for a PDF page. */
export function withPageImages(doc: AnalyzedDocument<EngineResult>, upload: UploadedFile): ExportDocument {
  const isPdf = doc.mediaType === 'pdf';
  const pageImages = new Map<number, Uint8Array>();
  for (const page of doc.pages) {
    const number = page.result.input.page ?? 1;
    if (!isPdf) pageImages.set(number, upload.bytes);
    else if (page.image) pageImages.set(number, Buffer.from(page.image, 'base64'));
  }
  return { name: doc.name, isPdf, pages: doc.pages.map((p) => p.result), pageImages };
}

/** The zip `crops=` answers: the result in its format (PAGE as one file per page) and the crops. */
export function cropsAnswer(doc: AnalyzedDocument<EngineResult>, exported: ExportDocument, format: ExportFormat, jsonBody: unknown, version: string): ExportFile {
  const result = format === 'json'
    ? [{ name: selectionName(exported, 'json'), data: JSON.stringify(jsonBody, null, 2) }]
    : format === 'page'
      ? pageXmlFiles(exported, { softwareVersion: version }).map((f) => ({ name: f.name, data: f.xml }))
      : exportDocument(format, exported, { softwareVersion: version });
  const cropsByPage = doc.pages.map((p) => ({ page: p.result.input.page ?? 1, crops: p.crops ?? [] }));
  return cropsArchive(exported, cropsByPage, result);
}

/** The clean page image of each analysed page: one file, or `<stem>.images.zip` for several. */
export function pageImagesAnswer(doc: AnalyzedDocument<EngineResult>, exported: ExportDocument): ExportFile {
  const images = exported.pages.flatMap((page) => {
    const number = page.input.page ?? 1;
    const data = exported.pageImages?.get(number);
    if (!data) return [];
    const contentType = exported.isPdf ? 'image/jpeg' : IMAGE_TYPES[doc.mediaType] ?? 'application/octet-stream';
    return [{ page: number, data, name: pageImageName(exported.name, exported.isPdf, number), contentType }];
  });
  return pageImagesFile(exported, images);
}
