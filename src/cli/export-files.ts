/**
 * `--format` for the commands that write result files (`analyze`, `jobs results`): beside or
 * instead of the JSON, each document as PAGE-XML (one file per page: `<input>.page.xml` for an
 * image, `<input>.page/<stem>_pNNNN.xml` for a PDF) or ALTO (`<input>.alto.xml`, every page), and
 * one COCO dataset for the whole run (`<out>/coco.json`). The files come from the export layer.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { EXPORT_FORMATS, isExportFormat, pageXmlFiles, toAltoXml, toCoco, type ExportDocument, type ExportFormat, type ExportOptions } from '../export/index.js';
import { InvalidParamError } from '../errors.js';
import type { PageResult } from '../model/index.js';
import { outputPath } from './result-files.js';

export const FORMAT_FLAG_HELP = `result formats, comma-separated: ${EXPORT_FORMATS.join(', ')} (default json; coco writes one coco.json for the run)`;

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
  if (format === 'alto') return fs.existsSync(outputPath(out, relative, '.alto.xml'));
  if (format === 'page') return fs.existsSync(outputPath(out, relative, '.page.xml')) || fs.existsSync(outputPath(out, relative, '.page'));
  if (format === 'json') return fs.existsSync(outputPath(out, relative, '.json'));
  return false;
}

interface ExportedDocument {
  /** The input's path relative to its argument (mirrored under --out). */
  readonly relative: string;
  readonly pdf: boolean;
  readonly pages: readonly PageResult[];
}

function asExport(doc: ExportedDocument): ExportDocument {
  return { name: doc.relative, isPdf: doc.pdf, pages: doc.pages };
}

/** Writes a document's PAGE and ALTO files (JSON is written by result-files, COCO at the end). */
export async function writeFormatFiles(out: string, doc: ExportedDocument, formats: readonly ExportFormat[], options: ExportOptions): Promise<void> {
  if (doc.pages.length === 0) return;
  const exported = asExport(doc);
  if (formats.includes('alto')) await writeFileIn(outputPath(out, doc.relative, '.alto.xml'), toAltoXml(exported, options));
  if (!formats.includes('page')) return;
  const files = pageXmlFiles(exported, options);
  if (!doc.pdf) {
    await writeFileIn(outputPath(out, doc.relative, '.page.xml'), files[0]!.xml);
    return;
  }
  // A PDF's pages go to a folder, filled under a temporary name and renamed when complete, so
  // --resume never takes a folder cut short for a finished one.
  const folder = outputPath(out, doc.relative, '.page');
  const partial = `${folder}.partial`;
  await fsp.rm(partial, { recursive: true, force: true });
  await fsp.mkdir(partial, { recursive: true });
  for (const file of files) await fsp.writeFile(path.join(partial, path.basename(file.name)), file.xml);
  await fsp.rm(folder, { recursive: true, force: true });
  await fsp.rename(partial, folder);
}

async function writeFileIn(target: string, body: string): Promise<void> {
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.writeFile(target, body);
}

/** Collects every document of a run and writes them as one COCO dataset at the end. */
export class CocoCollector {
  readonly #docs: ExportDocument[] = [];

  add(doc: ExportedDocument): void {
    if (doc.pages.length > 0) this.#docs.push(asExport(doc));
  }

  async write(out: string, options: ExportOptions): Promise<string> {
    const target = path.join(out, 'coco.json');
    await writeFileIn(target, `${JSON.stringify(toCoco(this.#docs, options))}\n`);
    return target;
  }
}
