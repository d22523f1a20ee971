/**
 * Where and how a document's results are written — shared by `analyze` and by `submit --wait` /
 * `jobs results`, so a batch run on a cluster leaves exactly the files a local run would:
 * `<out>/<input>.json` (a page result for an image, `{ model, input, pages[] }` for a PDF, where a
 * page that failed alone is `{ page, error }` in its place, as /v1/layout answers), or one JSON
 * line per analysed page.
 */
import fsp from 'node:fs/promises';
import path from 'node:path';
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

export function outputPath(outDir: string, relative: string, suffix: string): string {
  return path.join(outDir, `${relative}${suffix}`);
}

export async function writeDocumentJson(out: string, doc: DocumentResults): Promise<void> {
  const target = outputPath(out, doc.relative, '.json');
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const failed = doc.failedPages ?? [];
  const body = doc.pdf
    ? {
      model: doc.pages[0]?.model,
      input: { name: doc.relative, pageCount: doc.pageCount },
      pages: pagesInOrder(doc.pages, failed),
      ...(failed.length > 0 ? { failedPages: failed.length } : {}),
    }
    : doc.pages[0];
  await fsp.writeFile(target, `${JSON.stringify(body, null, 2)}\n`);
}

export function jsonlLines(pages: readonly PageResult[]): string {
  return pages.map((page) => `${JSON.stringify(page)}\n`).join('');
}

/** Analysed pages and those that failed alone, in document order. */
function pagesInOrder(pages: readonly PageResult[], failed: readonly FailedPageResult[]): unknown[] {
  if (failed.length === 0) return [...pages];
  const entries = [
    ...pages.map((p) => ({ at: p.input.page ?? 1, body: p as unknown })),
    ...failed.map((f) => ({ at: f.page, body: { page: f.page, error: f.error } as unknown })),
  ];
  return entries.sort((a, b) => a.at - b.at).map((e) => e.body);
}
