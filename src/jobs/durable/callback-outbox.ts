/**
 * Callbacks through the store's outbox: a finished job's callback is written in the same
 * transaction as its final state, and delivered from there — at least once, across restarts,
 * with the same Idempotency-Key header on every attempt (`<job id>:<state>`) so a receiver can
 * drop repeats. Each attempt is one notifyCallback try (the SSRF guard and time bound included);
 * a failed one is tried again after a backoff written to the store, up to CALLBACK_DEFAULTS.attempts
 * in all; a refused one (4xx, a refused address) is not.
 */
import { CALLBACK_DEFAULTS, notifyCallback, type CallbackOptions } from '../callback.js';
import type { JobStore } from './job-store.js';

/** How often due callbacks are looked for when nothing wakes the outbox sooner, ms. */
const POLL_MS = 1_000;
/** Callbacks in flight at once. */
const CONCURRENT = 8;

export class CallbackOutbox {
  readonly #store: JobStore;
  readonly #body: (jobId: string) => Promise<unknown | undefined>;
  readonly #options: CallbackOptions;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  /** `body` builds what is POSTed (undefined: the job is gone, the callback is dropped). */
  constructor(store: JobStore, body: (jobId: string) => Promise<unknown | undefined>, options: CallbackOptions = {}) {
    this.#store = store;
    this.#body = body;
    this.#options = options;
  }

  start(): void {
    this.#schedule(0);
  }

  /** A job has just finished: look now rather than at the next poll. */
  wake(): void {
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => void this.#poll(), ms);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      const room = CONCURRENT - this.#inFlight.size;
      const due = room > 0 ? await this.#store.dueCallbacks(Date.now(), CONCURRENT) : [];
      for (const entry of due) {
        if (this.#inFlight.size >= CONCURRENT || this.#inFlight.has(entry.jobId)) continue;
        const delivery = this.#deliver(entry.jobId, entry.url, entry.key, entry.attempts).finally(() => {
          this.#inFlight.delete(entry.jobId);
          this.wake();
        });
        this.#inFlight.set(entry.jobId, delivery);
      }
    } catch {
      // The store is closing, or its disk is full: the next poll tries again.
    }
    this.#schedule(POLL_MS);
  }

  async #deliver(jobId: string, url: string, key: string, attemptsBefore: number): Promise<void> {
    const body = await this.#body(jobId);
    if (body === undefined) return this.#store.callbackDone(jobId);
    const attempts = this.#options.attempts ?? CALLBACK_DEFAULTS.attempts;
    const onAttempt = this.#options.onAttempt;
    const outcome = await notifyCallback(url, body, {
      ...this.#options,
      attempts: 1,
      headers: { 'idempotency-key': key },
      ...(onAttempt ? { onAttempt: (a) => onAttempt({ ...a, attempt: attemptsBefore + 1 }) } : {}),
    });
    if (outcome.delivered || outcome.refused || attemptsBefore + 1 >= attempts) return this.#store.callbackDone(jobId);
    const backoffMs = (this.#options.backoffMs ?? CALLBACK_DEFAULTS.backoffMs) * 2 ** attemptsBefore;
    return this.#store.callbackRetry(jobId, Date.now() + backoffMs, outcome.lastError ?? `HTTP ${outcome.lastStatus ?? '?'}`);
  }

  /** Stops polling and waits for the attempts in flight (an undelivered one stays in the store). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}
