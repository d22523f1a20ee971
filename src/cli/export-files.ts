/**
 * `--format` for the commands that write result files (`analyze`, `jobs results`): beside or
 * instead of the JSON, each document as PAGE-XML (one file per page: `<stem>.page.xml` for an
 * image, `<stem>.page/<stem>-pNNNN.page.xml` for a PDF) or ALTO (`<stem>.alto.xml`, every page),
 * and one COCO dataset for the whole run (`<out>/coco.json` with the page images it names under
 * `<out>/images/`). Names follow export/names.ts; the files come from the export layer.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EXPORT_FORMATS, cocoDatasetEntries, isExportFormat, pageXmlFiles, toAltoXml, type ExportDocument, type ExportFormat, type ExportOptions } from '../export/index.js';
import { InvalidParamError } from '../errors.js';
import type { PageResult } from '../model/index.js';
import { outputPath } from './result-files.js';

export const FORMAT_FLAG_HELP = `result formats, comma-separated: ${EXPORT_FORMATS.join(', ')} (default json; coco writes one dataset for the run: coco.json and images/)`;

/** `--format page,alto` → ['page', 'alto']; absent → ['json']. */
export function parseFormats(value: string | undefined): ExportFormat[] {
  if (value === undefined || value.trim() === '') return ['json'];
  const formats = value.split(',').map((s) => s.trim()).filter(Boolean);
  for (const format of formats) {
    if (!isExportFormat(format)) throw InvalidParamError('--format', `expected ${EXPORT_FORMATS.join(', ')} (comma-separated), got "${format}"`);
  }
  return [...new Set(formats)] as ExportFormat[];
}

/** Whether an input's output in this format is already there (--resume); COCO is per run. */
export function formatDone(out: string, relative: string, format: ExportFormat): boolean {
  // Whole-document names carry no page number: whether the input is a PDF does not matter here.
  if (format === 'alto') return fs.existsSync(outputPath(out, relative, false, 'alto'));
  if (format === 'page') return fs.existsSync(outputPath(out, relative, false, 'page')) || fs.existsSync(pageFolder(out, relative));
  if (format === 'json') return fs.existsSync(outputPath(out, relative, false, 'json'));
  return false;
}

interface ExportedDocument {
  /** The input's path relative to its argument (mirrored under --out). */
  readonly relative: string;
  readonly pdf: boolean;
  readonly pages: readonly PageResult[];
  /** Page images by page number, for the COCO dataset. */
  readonly pageImages?: ReadonlyMap<number, Uint8Array>;
}

function asExport(doc: ExportedDocument): ExportDocument {
  return { name: doc.relative, isPdf: doc.pdf, pages: doc.pages, ...(doc.pageImages ? { pageImages: doc.pageImages } : {}) };
}

/** A PDF's PAGE files go to `<stem>.page/` (what the HTTP `<stem>.page.zip` holds). */
function pageFolder(out: string, relative: string): string {
  return outputPath(out, relative, true, 'page').replace(/\.xml$/, '');
}

/** Writes a document's PAGE and ALTO files (JSON is written by result-files, COCO at the end). */
export async function writeFormatFiles(out: string, doc: ExportedDocument, formats: readonly ExportFormat[], options: ExportOptions): Promise<void> {
  if (doc.pages.length === 0) return;
  const exported = asExport(doc);
  if (formats.includes('alto')) await writeFileIn(outputPath(out, doc.relative, doc.pdf, 'alto'), toAltoXml(exported, options));
  if (!formats.includes('page')) return;
  const files = pageXmlFiles(exported, options);
  if (!doc.pdf) {
    await writeFileIn(outputPath(out, doc.relative, doc.pdf, 'page'), files[0]!.xml);
    return;
  }
  // A PDF's pages go to a folder, filled under a temporary name and renamed when complete, so
  // --resume never takes a folder cut short for a finished one.
  const folder = pageFolder(out, doc.relative);
  const partial = `${folder}.partial`;
  await fsp.rm(partial, { recursive: true, force: true });
  await fsp.mkdir(partial, { recursive: true });
  for (const file of files) await fsp.writeFile(path.join(partial, file.name), file.xml);
  await fsp.rm(folder, { recursive: true, force: true });
  await fsp.rename(partial, folder);
}

async function writeFileIn(target: string, body: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.writeFile(target, body);
}

/**
 * Collects every document of a run as one COCO dataset: each page image is written under
 * `<out>/images/` as its document comes (not held in memory), `coco.json` at the end.
 */
export class CocoCollector {
  readonly #docs: ExportDocument[] = [];

  async add(out: string, doc: ExportedDocument): Promise<void> {
    if (doc.pages.length === 0) return;
    const exported = asExport(doc);
    // Entries after the first (coco.json of this document alone) are its images.
    for (const entry of cocoDatasetEntries([exported]).slice(1)) await writeFileIn(path.join(out, ...entry.name.split('/')), entry.data);
    this.#docs.push({ name: exported.name, isPdf: exported.isPdf, pages: exported.pages });
  }

  async write(out: string, options: ExportOptions): Promise<string> {
    const [annotations] = cocoDatasetEntries(this.#docs, options);
    const target = path.join(out, annotations!.name);
    await writeFileIn(target, annotations!.data);
    return target;
  }
}
