/**
 * Entry of a PDF thread (piscina): counts the pages of a spooled PDF or renders one of them, so a
 * hostile file parses and draws here, never on the caller's event loop. Rendered pixels go back
 * by transfer.
 */
import { errorReply, withThreadHeap, type ThreadReply } from '../util/thread-reply.js';
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

/**
 * Answers the page count (count) or the rendered DecodedImage (render), with this thread's heap
 * size: a hostile file can leave it hundreds of MB, and then the thread is replaced.
 */
export default async function runPdfTask(task: PdfThreadTask): Promise<ThreadReply> {
  try {
    if (task.op === 'count') return withThreadHeap({ ok: true, value: await countSpooledPages(task.path, task.name, task.maxPixels) });
    const image = await renderSpooledPage(task, task.name, task.maxPixels);
    return returnMoved(withThreadHeap({ ok: true, value: image }), movableBuffers(image.data));
  } catch (err) {
    return withThreadHeap(errorReply(err));
  }
}
