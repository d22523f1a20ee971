/**
 * Entry of a PDF thread (piscina): counts the pages of a spooled PDF or renders one of them, so a
 * hostile file parses and draws here, never on the caller's event loop. Rendered pixels go back
 * by transfer.
 */
import { toLayoutError } from '../errors.js';
import type { DecodedImage } from '../model/index.js';
import { movableBuffers, returnMoved } from '../util/transfer.js';
import { preloadPdfJs } from './rasterize.js';
import { countSpooledPages, renderSpooledPage } from './spooled-documents.js';

// Loaded before the thread reports ready, so no task's budget pays for it.
await preloadPdfJs();

interface SpooledPdf {
  readonly path: string;
  readonly name: string;
  readonly maxPixels: number;
}

export type PdfThreadTask = ({ readonly op: 'count' } & SpooledPdf) | ({ readonly op: 'render'; readonly page: number; readonly dpi: number } & SpooledPdf);

export type PdfThreadReply =
  | { readonly ok: true; readonly pages: number; readonly image?: undefined }
  | { readonly ok: true; readonly image: DecodedImage; readonly pages?: undefined }
  | { readonly ok: false; readonly code: string; readonly message: string };

export default async function runPdfTask(task: PdfThreadTask): Promise<PdfThreadReply> {
  try {
    if (task.op === 'count') return { ok: true, pages: await countSpooledPages(task.path, task.name, task.maxPixels) };
    const image = await renderSpooledPage(task, task.name, task.maxPixels);
    return returnMoved({ ok: true, image }, movableBuffers(image.data));
  } catch (err) {
    const error = toLayoutError(err);
    return { ok: false, code: error.code, message: error.message };
  }
}
