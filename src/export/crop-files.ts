/**
 * Names and archives for region crops: `<page image stem>_r<NNN>_<label>.<ext>`, where NNN is
 * the region's position in the page result (1-based), so a crop always leads back to its region.
 */
import { fileStem, pageImageName, safeFileName } from './names.js';
import type { ExportDocument, ExportFile } from './types.js';
import { zipFiles, type ZipEntry } from './zip.js';

export interface CropBytes {
  /** The region's index in its page result's `regions`. */
  readonly index: number;
  readonly label: string;
  readonly format: 'png' | 'jpeg';
  readonly data: Uint8Array;
}

export function cropFileName(doc: Pick<ExportDocument, 'name' | 'isPdf'>, page: number, crop: Pick<CropBytes, 'index' | 'label' | 'format'>): string {
  const stem = fileStem(pageImageName(safeFileName(doc.name), doc.isPdf, page));
  const label = safeFileName(crop.label).replace(/\s+/g, '_');
  return `${stem}_r${String(crop.index + 1).padStart(3, '0')}_${label}.${crop.format === 'jpeg' ? 'jpg' : 'png'}`;
}

/** A zip of a document's result file (or files) and its crops under `crops/`. */
export function cropsArchive(doc: ExportDocument, cropsByPage: ReadonlyArray<{ readonly page: number; readonly crops: readonly CropBytes[] }>, result: ExportFile | ReadonlyArray<ZipEntry>): ExportFile {
  const entries: ZipEntry[] = Array.isArray(result) ? [...result] : [{ name: safeFileName((result as ExportFile).fileName), data: (result as ExportFile).body }];
  for (const { page, crops } of cropsByPage) {
    for (const crop of crops) entries.push({ name: `crops/${cropFileName(doc, page, crop)}`, data: crop.data });
  }
  return { fileName: `${fileStem(safeFileName(doc.name))}.crops.zip`, contentType: 'application/zip', body: zipFiles(entries) };
}
