/**
 * Names and archives for region crops: `<page stem>-r<NNN>-<label>.<ext>`, where NNN is the
 * region's number in reading order (unordered regions after, top to bottom), as the UI lists them.
 */
import { cropName, readingNumbers, selectionName, safeFileName } from './names.js';
import type { ExportDocument, ExportFile } from './types.js';
import { zipFiles, type ZipEntry } from './zip.js';
import type { PageResult } from '../model/index.js';

export interface CropBytes {
  /** The region's index in its page result's `regions`. */
  readonly index: number;
  readonly label: string;
  readonly format: 'png' | 'jpeg';
  readonly data: Uint8Array;
}

/** A crop's file name; `regions` is its page's result regions (for the reading-order number). */
export function cropFileName(doc: Pick<ExportDocument, 'name' | 'isPdf'>, page: Pick<PageResult, 'input' | 'regions'>, crop: Pick<CropBytes, 'index' | 'label' | 'format'>): string {
  const number = readingNumbers(page.regions)[crop.index] ?? crop.index + 1;
  return cropName(doc.name, doc.isPdf, page.input.page ?? 1, number, crop.label, crop.format);
}

/** A zip of a document's result file (or files) and its crops under `crops/`. */
export function cropsArchive(doc: ExportDocument, cropsByPage: ReadonlyArray<{ readonly page: number; readonly crops: readonly CropBytes[] }>, result: ExportFile | ReadonlyArray<ZipEntry>): ExportFile {
  const entries: ZipEntry[] = Array.isArray(result) ? [...result] : [{ name: safeFileName((result as ExportFile).fileName), data: (result as ExportFile).body }];
  for (const { page, crops } of cropsByPage) {
    const pageResult = doc.pages.find((p) => (p.input.page ?? 1) === page);
    if (!pageResult) continue;
    for (const crop of crops) entries.push({ name: `crops/${cropFileName(doc, pageResult, crop)}`, data: crop.data });
  }
  return { fileName: selectionName(doc, 'crops'), contentType: 'application/zip', body: zipFiles(entries) };
}
