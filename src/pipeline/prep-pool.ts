/**
 * The prep threads of one device worker: the CPU stages (page-stages.ts) beside the inference
 * thread, on threads whose budgets measure the run, not the wait (util/budgeted-threads.ts). A PDF
 * page over its render budget has its thread replaced and fails alone with LAYOUT_ERR_PDF.
 * Finishing a page completes a request and frees its buffers, so it goes before preparing more.
 */
import { fileURLToPath } from 'node:url';
import { describeError, InternalError } from '../errors.js';
import { renderTimeoutError } from '../pdf/index.js';
import { BudgetedThreads } from '../util/budgeted-threads.js';
import { unwrapReply, type ThreadReply } from '../util/thread-reply.js';
import { movableBuffers } from '../util/transfer.js';
import type { FinishedPage, FinishRequest, PreparedPage, PrepareRequest } from './page-stages.js';
import type { PrepTask } from './prep-thread.js';
import type { StageRunner } from './stage-runner.js';

const threadEntry = fileURLToPath(new URL('./prep-thread.js', import.meta.url));

export class PrepPool implements StageRunner {
  readonly threads: number;
  readonly #pool: BudgetedThreads<PrepTask, ThreadReply>;

  constructor(threads: number) {
    if (!Number.isInteger(threads) || threads < 1) throw new RangeError(`prep threads must be a positive integer, got ${threads}`);
    this.threads = threads;
    // Threads live as long as the worker: starting one costs tens of ms of module loading.
    this.#pool = new BudgetedThreads({ filename: threadEntry, threads });
  }

  async prepare(request: PrepareRequest): Promise<PreparedPage> {
    const source = request.source;
    if (source.kind === 'pixels') throw new TypeError('prep threads take encoded images or PDF pages, not pixels');
    const timeoutMs = source.kind === 'pdf' ? source.renderTimeoutMs : undefined;
    const reply = await this.#run({ op: 'prepare', request }, { transferList: source.kind === 'image' ? movableBuffers(source.bytes) : [], timeoutMs });
    if (reply === 'timeout') {
      throw renderTimeoutError(request.name, source.kind === 'pdf' ? source.page : 1, timeoutMs!);
    }
    return unwrapReply<PreparedPage>(reply);
  }

  async finish(request: FinishRequest): Promise<FinishedPage> {
    const reply = await this.#run({ op: 'finish', request }, { transferList: movableBuffers(request.raw.detections, request.raw.masks, request.image?.data), urgent: true });
    if (reply === 'timeout') throw new Error('unreachable: finishing has no time budget');
    return unwrapReply<FinishedPage>(reply);
  }

  async close(): Promise<void> {
    await this.#pool.close();
  }

  #run(task: PrepTask, options: Parameters<BudgetedThreads<PrepTask, ThreadReply>['run']>[1]): Promise<ThreadReply | 'timeout'> {
    return this.#pool.run(task, options).catch((err: unknown): ThreadReply => ({ ok: false, code: InternalError.code, message: `prep thread failed: ${describeError(err)}` }));
  }
}
