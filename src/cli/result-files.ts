/**
 * Where and how a document's results are written — shared by `analyze` and by `submit --wait` /
 * `jobs results`, so a submission run on a cluster leaves exactly the files a local run would:
 * `<out>/<folders>/<stem>.json` (a page result for an image, `{ model, input, pages[] }` for a PDF,
 * where a page that failed alone is `{ page, error }` in its place — the body /v1/layout answers,
 * from export/json-body.ts), or one JSON line per analysed page.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
import { outputName, pdfResultBody, type OutputKind } from '../export/index.js';
import type { PageResult } from '../model/index.js';

interface DocumentResults {
  /** The input's path relative to its argument (mirrored under --out). */
  readonly relative: string;
  readonly pdf: boolean;
  readonly pageCount: number;
  readonly pages: readonly PageResult[];
  /** PDF pages that failed alone while the others went on. */
  readonly failedPages?: readonly FailedPageResult[];
}

interface FailedPageResult {
  readonly page: number;
  readonly error: { readonly code: string; readonly message: string };
}

/**
 * Where an input's output of one kind goes: its mirror folder under `out`, named by the scheme
 * of export/names.ts (`scan.pdf` → `scan.json`, page 2's overlay `scan-p0002.overlay.png`).
 */
export function outputPath(outDir: string, relative: string, pdf: boolean, kind: OutputKind, page?: number): string {
  return path.join(outDir, path.dirname(relative), outputName(path.basename(relative), pdf, kind, page));
}

export async function writeDocumentJson(out: string, doc: DocumentResults): Promise<void> {
  const target = outputPath(out, doc.relative, doc.pdf, 'json');
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const body = doc.pdf ? pdfResultBody(doc.relative, doc.pageCount, doc.pages, doc.failedPages ?? []) : doc.pages[0];
  await fsp.writeFile(target, `${JSON.stringify(body, null, 2)}\n`);
}

export function jsonlLines(pages: readonly PageResult[]): string {
  return pages.map((page) => `${JSON.stringify(page)}\n`).join('');
}
