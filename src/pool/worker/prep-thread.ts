/**
 * Entry of a prep thread (a piscina worker inside a device worker process): runs one CPU stage
 * per task and hands its typed arrays back by transfer, never by copy.
 */
import { toLayoutError } from '../../errors.js';
import { preloadPdfJs } from '../../pdf/index.js';
import { movableBuffers, returnMoved } from '../../util/transfer.js';
import { finishPage, preparePage, type FinishRequest, type PrepareRequest } from './page-stages.js';

// Loaded before the thread reports ready, so no render budget pays for it.
await preloadPdfJs();

export type PrepTask = { readonly op: 'prepare'; readonly request: PrepareRequest } | { readonly op: 'finish'; readonly request: FinishRequest };

/** Errors cross threads as `{ code, message }`: a structured clone would drop the code. */
export type PrepReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly message: string };

export default async function runPrepTask(task: PrepTask): Promise<PrepReply> {
  try {
    if (task.op === 'prepare') {
      const page = await preparePage(task.request);
      return returnMoved({ ok: true, value: page }, movableBuffers(page.pixels, page.image?.data, page.pageJpeg));
    }
    const page = await finishPage(task.request);
    return returnMoved({ ok: true, value: page }, movableBuffers(page.overlay));
  } catch (err) {
    const error = toLayoutError(err);
    return { ok: false, code: error.code, message: error.message };
  }
}
