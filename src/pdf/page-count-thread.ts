/**
 * Entry of the page-count thread (piscina): opens a spooled PDF and reads its page count, so a
 * hostile file parses here and never on the caller's event loop.
 */
import fs from 'node:fs/promises';
import { toLayoutError } from '../errors.js';
import { openPdf, preloadPdfJs } from './rasterize.js';

preloadPdfJs();

export interface PageCountTask {
  readonly path: string;
  readonly name: string;
  readonly maxPixels: number;
}

export default async function countPages(task: PageCountTask): Promise<{ ok: true; pages: number } | { ok: false; code: string; message: string }> {
  try {
    const doc = await openPdf(await fs.readFile(task.path), { name: task.name, maxPixels: task.maxPixels });
    try {
      return { ok: true, pages: doc.pageCount };
    } finally {
      await doc.close();
    }
  } catch (err) {
    const error = toLayoutError(err);
    return { ok: false, code: error.code, message: error.message };
  }
}
