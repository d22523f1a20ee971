/**
 * Where and how a document's results are written — shared by `analyze` and by `submit --wait` /
 * `jobs results`, so a batch run on a cluster leaves exactly the files a local run would:
 * `<out>/<input>.json` (a page result for an image, `{ model, input, pages[] }` for a PDF), or
 * one JSON line per page.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { PageResult } from '../model/index.js';

export interface DocumentResults {
  /** The input's path relative to its argument (mirrored under --out). */
  readonly relative: string;
  readonly pdf: boolean;
  readonly pageCount: number;
  readonly pages: readonly PageResult[];
}

export function outputPath(outDir: string, relative: string, suffix: string): string {
  return path.join(outDir, `${relative}${suffix}`);
}

export async function writeDocumentJson(out: string, doc: DocumentResults): Promise<void> {
  const target = outputPath(out, doc.relative, '.json');
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const body = doc.pdf
    ? { model: doc.pages[0]?.model, input: { name: doc.relative, pageCount: doc.pageCount }, pages: doc.pages }
    : doc.pages[0];
  await fsp.writeFile(target, `${JSON.stringify(body, null, 2)}\n`);
}

export function jsonlLines(pages: readonly PageResult[]): string {
  return pages.map((page) => `${JSON.stringify(page)}\n`).join('');
}
