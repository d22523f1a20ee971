/**
 * Entry of a prep thread (a piscina worker inside a device worker process): runs one CPU stage
 * per task and hands its typed arrays back by transfer, never by copy.
 */
import { preloadPdfJs } from '../pdf/index.js';
import { errorReply, type ThreadReply } from '../util/thread-reply.js';
import { movableBuffers, returnMoved } from '../util/transfer.js';
import { finishPage, preparePage, type FinishRequest, type PrepareRequest } from './page-stages.js';

// Loaded before the thread reports ready, so no render budget pays for it.
await preloadPdfJs();

export type PrepTask = { readonly op: 'prepare'; readonly request: PrepareRequest } | { readonly op: 'finish'; readonly request: FinishRequest };

export default async function runPrepTask(task: PrepTask): Promise<ThreadReply> {
  try {
    if (task.op === 'prepare') {
      const page = await preparePage(task.request);
      return returnMoved({ ok: true, value: page }, movableBuffers(page.pixels, page.image?.data, page.pageJpeg));
    }
    const page = await finishPage(task.request);
    return returnMoved({ ok: true, value: page }, movableBuffers(page.overlay, ...(page.crops ?? []).map((c) => c.data)));
  } catch (err) {
    return errorReply(err);
  }
}
