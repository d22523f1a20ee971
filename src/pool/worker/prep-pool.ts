/**
 * The prep threads of one device worker: the CPU stages (page-stages.ts) beside the inference
 * thread, on threads whose budgets measure the run, not the wait (util/budgeted-threads.ts). A PDF
 * page over its render budget has its thread replaced and fails alone with LAYOUT_ERR_PDF.
 * Finishing a page completes a request and frees its buffers, so it goes before preparing more.
 *
 * With 0 threads the stages run inline on the calling thread, one after another: the design
 * before the pipeline, kept to measure against; render budgets are not enforced there.
 */
import { fileURLToPath } from 'node:url';
import { InternalError } from '../../errors.js';
import { renderTimeoutError } from '../../pdf/index.js';
import { BudgetedThreads } from '../../util/budgeted-threads.js';
import { unwrapReply, type ThreadReply } from '../../util/thread-reply.js';
import { movableBuffers } from '../../util/transfer.js';
import { finishPage, preparePage, type FinishedPage, type FinishRequest, type PreparedPage, type PrepareRequest } from './page-stages.js';
import type { PrepTask } from './prep-thread.js';

const threadEntry = fileURLToPath(new URL('./prep-thread.js', import.meta.url));

export class PrepPool {
  readonly threads: number;
  readonly #pool: BudgetedThreads<PrepTask, ThreadReply> | undefined;

  constructor(threads: number) {
    this.threads = threads;
    // Threads live as long as the worker: starting one costs tens of ms of module loading.
    if (threads > 0) this.#pool = new BudgetedThreads({ filename: threadEntry, threads });
  }

  async prepare(request: PrepareRequest): Promise<PreparedPage> {
    const source = request.source;
    if (!this.#pool) return preparePage(request);
    const timeoutMs = source.kind === 'pdf' ? source.renderTimeoutMs : undefined;
    const reply = await this.#run({ op: 'prepare', request }, { transferList: source.kind === 'image' ? movableBuffers(source.bytes) : [], timeoutMs });
    if (reply === 'timeout') {
      throw renderTimeoutError(request.name, source.kind === 'pdf' ? source.page : 1, timeoutMs!);
    }
    return unwrapReply<PreparedPage>(reply);
  }

  async finish(request: FinishRequest): Promise<FinishedPage> {
    if (!this.#pool) return finishPage(request);
    const reply = await this.#run({ op: 'finish', request }, { transferList: movableBuffers(request.raw.detections, request.raw.masks, request.image?.data), urgent: true });
    if (reply === 'timeout') throw new Error('unreachable: finishing has no time budget');
    return unwrapReply<FinishedPage>(reply);
  }

  async close(): Promise<void> {
    await this.#pool?.close();
  }

  #run(task: PrepTask, options: Parameters<BudgetedThreads<PrepTask, ThreadReply>['run']>[1]): Promise<ThreadReply | 'timeout'> {
    return this.#pool!.run(task, options).catch((err: Error): ThreadReply => ({ ok: false, code: InternalError.code, message: `prep thread failed: ${err.message}` }));
  }
}
