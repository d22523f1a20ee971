/**
 * The prep threads of one device worker: a piscina pool running the CPU stages (page-stages.ts)
 * beside the inference thread. Our own FIFO sits in front of piscina and hands it no more tasks
 * than it has threads, so a task starts the moment it is submitted and a PDF page's render
 * budget measures its render, not its wait. A page over budget has its thread terminated and
 * replaced (piscina does that on abort) and fails alone with LAYOUT_ERR_PDF.
 *
 * With 0 threads the stages run inline on the calling thread, one after another: the design
 * before the pipeline, kept to measure against; render budgets are not enforced there.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { errorFromCode, InternalError, PdfError } from '../../errors.js';
import { finishPage, preparePage, type FinishedPage, type FinishRequest, type PreparedPage, type PrepareRequest } from './page-stages.js';
import type { PrepReply, PrepTask } from './prep-thread.js';
import { movableBuffers } from './transfer.js';

const threadEntry = fileURLToPath(new URL('./prep-thread.js', import.meta.url));

interface Job {
  readonly task: PrepTask;
  readonly transferList: ArrayBuffer[];
  readonly timeoutMs: number | undefined;
  readonly resolve: (reply: PrepReply | 'timeout') => void;
}

export class PrepPool {
  readonly threads: number;
  readonly #piscina: Piscina | undefined;
  readonly #waiting: Job[] = [];
  /** Finishing a page completes a request and frees its buffers: it goes before preparing more. */
  readonly #waitingFinishes: Job[] = [];
  #running = 0;
  /** Threads terminated for overrunning a render budget (for tests and logs). */
  terminations = 0;

  constructor(threads: number) {
    this.threads = threads;
    if (threads > 0) {
      // Threads live as long as the worker: starting one costs tens of ms of module loading.
      this.#piscina = new Piscina({ filename: threadEntry, minThreads: threads, maxThreads: threads, idleTimeout: Number.POSITIVE_INFINITY, concurrentTasksPerWorker: 1 });
    }
  }

  async prepare(request: PrepareRequest): Promise<PreparedPage> {
    const source = request.source;
    if (!this.#piscina) return preparePage(request);
    const timeoutMs = source.kind === 'pdf' ? source.renderTimeoutMs : undefined;
    const reply = await this.#submit({ op: 'prepare', request }, source.kind === 'image' ? movableBuffers(source.bytes) : [], timeoutMs);
    if (reply === 'timeout') {
      throw PdfError(request.name, `page ${source.kind === 'pdf' ? source.page : 1} took longer than ${timeoutMs} ms to render (pdfPageTimeoutMs)`);
    }
    return unwrap(reply) as PreparedPage;
  }

  async finish(request: FinishRequest): Promise<FinishedPage> {
    if (!this.#piscina) return finishPage(request);
    const reply = await this.#submit({ op: 'finish', request }, movableBuffers(request.raw.detections, request.raw.masks, request.image?.data), undefined);
    if (reply === 'timeout') throw new Error('unreachable: finishing has no time budget');
    return unwrap(reply) as FinishedPage;
  }

  async close(): Promise<void> {
    await this.#piscina?.destroy();
  }

  #submit(task: PrepTask, transferList: ArrayBuffer[], timeoutMs: number | undefined): Promise<PrepReply | 'timeout'> {
    return new Promise((resolve) => {
      (task.op === 'finish' ? this.#waitingFinishes : this.#waiting).push({ task, transferList, timeoutMs, resolve });
      this.#next();
    });
  }

  #next(): void {
    while (this.#running < this.threads && (this.#waitingFinishes.length > 0 || this.#waiting.length > 0)) {
      const job = (this.#waitingFinishes.shift() ?? this.#waiting.shift())!;
      this.#running += 1;
      const signal = job.timeoutMs === undefined ? undefined : AbortSignal.timeout(job.timeoutMs);
      this.#piscina!.run(job.task, { transferList: job.transferList, signal })
        .then(
          (reply: PrepReply) => job.resolve(reply),
          (err: Error) => {
            if (signal?.aborted) {
              this.terminations += 1;
              job.resolve('timeout');
            } else job.resolve({ ok: false, code: InternalError.code, message: `prep thread failed: ${err.message}` });
          },
        )
        .finally(() => {
          this.#running -= 1;
          this.#next();
        });
    }
  }
}

function unwrap(reply: PrepReply): unknown {
  if (!reply.ok) throw errorFromCode(reply.code, reply.message);
  return reply.value;
}
