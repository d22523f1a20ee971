/**
 * A job's life, decided once for both stores: a run that failed is retried after a delay or
 * fails the job (the retry policy, retry-policy.ts); a job all of whose pages have an outcome
 * finishes by the failed-page rule; a job is canceled. Each final state is written once by the
 * store — with its callback's outbox entry in the same write — and the outbox is woken to
 * deliver it. The schedulers around it (the embedded in-process queue, the cluster's BullMQ
 * jobs) decide when to run things, and call this for what a run's end means.
 */
import { CAPACITY_ATTEMPTS, classifyError, retryDelayMs, shouldRetry } from '../retry-policy.js';
import type { LayoutError } from '../../errors.js';
import type { StoredPage } from '../job-service.js';
import type { JobErrorInfo, PageOutcome } from '../types.js';
import { finalOutcome, type FinalState } from './rules.js';

/** What the lifecycle needs of a store: the embedded SqliteJobStore is one as it is; the cluster's is redis-records.ts. */
export interface LifecycleStore {
  /** Page outcomes stored after the `afterSeq`-th, in the order they were stored (seq from 1). */
  pagesAfter(id: string, afterSeq: number, limit: number): Promise<StoredPage[]>;
  /** Stores a page's outcome unless it has one; true when this call stored it. */
  storePage(id: string, outcome: PageOutcome): Promise<boolean>;
  /** The final state, once (false: finished already), with the callback's outbox entry when the job has a callbackUrl. */
  finish(id: string, state: FinalState, error?: JobErrorInfo): Promise<boolean>;
}

/** Told that a final state (and maybe a callback) was just written. */
export interface OutboxWaker {
  wake(): void;
}

/** How many times a run may fail, and what it was (for the error's message). */
export interface RunTries {
  /** Failed runs so far, this one included. */
  readonly attempts: number;
  /** Runs in all for a fault (a crashed device, a lost spool). */
  readonly faultAttempts: number;
  /** Runs in all for capacity (busy, stopping, a full disk); CAPACITY_ATTEMPTS when absent. */
  readonly capacityAttempts?: number;
  /** What ran and where its files are: a full disk's error names them. */
  readonly what: string;
  readonly where?: string;
}

export type RunDecision =
  /** Run again after `delayMs`; `counted` is false when the job's failure could not even be written (a full disk). */
  | { readonly retry: true; readonly delayMs: number; readonly error: LayoutError; readonly counted: boolean }
  /** The job failed with `error`; `changed` is false when it had finished already. */
  | { readonly retry: false; readonly error: LayoutError; readonly changed: boolean };

/** Outcomes read per look: a large job's pages never hold the event loop at once. */
const PAGES_PER_READ = 200;

export class Lifecycle {
  readonly #store: LifecycleStore;
  readonly #outbox: OutboxWaker | undefined;

  constructor(store: LifecycleStore, outbox?: OutboxWaker) {
    this.#store = store;
    this.#outbox = outbox;
  }

  /** Every stored outcome of the job, in page order, read a slice at a time. */
  async outcomes(id: string): Promise<PageOutcome[]> {
    const pages: PageOutcome[] = [];
    for (let seq = 0; ;) {
      const slice = await this.#store.pagesAfter(id, seq, PAGES_PER_READ);
      for (const stored of slice) pages.push(stored.outcome);
      if (slice.length < PAGES_PER_READ) break;
      seq = slice.at(-1)!.seq;
      await new Promise((resolve) => setImmediate(resolve));
    }
    return pages.sort((a, b) => a.page - b.page);
  }

  /**
   * Every page has an outcome — those in `failed` (pages that failed alone, or ran out of
   * attempts) are stored now, unless stored already — so the job finishes by the failed-page rule.
   */
  async pagesDone(id: string, failed: readonly PageOutcome[] = []): Promise<{ readonly state: 'completed' | 'failed'; readonly changed: boolean }> {
    for (const outcome of failed) await this.#store.storePage(id, outcome);
    const { state, error } = finalOutcome(await this.outcomes(id));
    return { state, changed: await this.#finish(id, state, error) };
  }

  /** A run threw: run it again after a delay, or the job fails with the error (the retry policy decides). */
  async runFailed(id: string, err: unknown, tries: RunTries): Promise<RunDecision> {
    const error = classifyError(err, tries.what, tries.where);
    if (shouldRetry(error, tries.attempts, tries.faultAttempts, tries.capacityAttempts ?? CAPACITY_ATTEMPTS)) {
      return { retry: true, delayMs: retryDelayMs(tries.attempts, error), error, counted: true };
    }
    try {
      return { retry: false, error, changed: await this.#finish(id, 'failed', { code: error.code, message: error.message }) };
    } catch (finishErr) {
      // Not even the failure could be written (a full disk): the job runs again later, and ends then.
      return { retry: true, delayMs: retryDelayMs(1, classifyError(finishErr, tries.what, tries.where)), error, counted: false };
    }
  }

  /** The job fails for good with `err` (its tries are spent); false when it had finished already. */
  fail(id: string, err: unknown, what: string): Promise<boolean> {
    const error = classifyError(err, what);
    return this.#finish(id, 'failed', { code: error.code, message: error.message });
  }

  /** A client canceled the job; false when it had finished already. */
  cancel(id: string): Promise<boolean> {
    return this.#finish(id, 'canceled');
  }

  async #finish(id: string, state: FinalState, error?: JobErrorInfo): Promise<boolean> {
    const changed = await this.#store.finish(id, state, error);
    if (changed) this.#outbox?.wake();
    return changed;
  }
}
