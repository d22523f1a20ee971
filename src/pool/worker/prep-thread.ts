/**
 * Entry of a prep thread (a piscina worker inside a device worker process): runs one CPU stage
 * per task and hands its typed arrays back by transfer, never by copy.
 */
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { toLayoutError } from '../../errors.js';
import { finishPage, preparePage, type FinishRequest, type PrepareRequest } from './page-stages.js';
import { countPdfPages } from './pdf-pages.js';
import { movableBuffers } from './transfer.js';
import { preloadPdfJs } from '../../pdf/rasterize.js';

preloadPdfJs();

export type PrepTask =
  | { readonly op: 'prepare'; readonly request: PrepareRequest }
  | { readonly op: 'finish'; readonly request: FinishRequest }
  | { readonly op: 'count-pages'; readonly path: string; readonly name: string; readonly maxPixels: number };

/** Errors cross threads as `{ code, message }`: a structured clone would drop the code. */
export type PrepReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly message: string };

function moved(value: object, buffers: ArrayBuffer[]): PrepReply {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: { ok: true, value } } as never) as unknown as PrepReply;
}

export default async function runPrepTask(task: PrepTask): Promise<PrepReply> {
  try {
    return await run(task);
  } catch (err) {
    const error = toLayoutError(err);
    return { ok: false, code: error.code, message: error.message };
  }
}

async function run(task: PrepTask): Promise<PrepReply> {
  switch (task.op) {
    case 'prepare': {
      const page = await preparePage(task.request);
      return moved(page, movableBuffers(page.pixels, page.image?.data, page.pageJpeg));
    }
    case 'finish': {
      const page = await finishPage(task.request);
      return moved(page, movableBuffers(page.overlay));
    }
    case 'count-pages':
      return { ok: true, value: await countPdfPages(task.path, task.name, task.maxPixels) };
  }
}
