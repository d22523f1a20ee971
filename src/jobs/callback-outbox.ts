/**
 * Callbacks through a stored outbox, for both stores: a finished job's callback is written with
 * its final state (the embedded store's transaction, the cluster's FINISH_DOCUMENT script) and
 * delivered from there — at least once, across restarts, with the same Idempotency-Key header on
 * every attempt (`<job id>:<state>`) so a receiver can drop repeats. Each attempt is one
 * notifyCallback try (the SSRF guard and time bound included); a failed one is tried again after
 * a backoff written to the store, up to CALLBACK_DEFAULTS.attempts in all; a refused one (4xx, a
 * refused address) is not. Where the store is shared by many deliverers (the cluster's workers),
 * `dueCallbacks` leases what it returns, so normally one of them delivers each.
 */
import { detached, type TraceCarrier } from '../tracing/index.js';
import { CALLBACK_DEFAULTS, notifyCallback, type CallbackOptions } from './callback.js';

/** A finished job's callback, kept until delivered, refused, or out of attempts. */
export interface OutboxEntry {
  readonly jobId: string;
  readonly url: string;
  /** Sent as the Idempotency-Key header: the same on every attempt, across restarts. */
  readonly key: string;
  /** Attempts made before this one. */
  readonly attempts: number;
  readonly nextAt: number;
  /** The W3C context the job ended in, when the store keeps it with the entry (Redis). */
  readonly trace?: TraceCarrier;
}

/** Where the outbox's entries live: the embedded SQLite store, or Redis (redis-outbox.ts). */
export interface OutboxStore {
  /** Callbacks due at `now`, oldest first; a store shared by many deliverers leases each one it returns. */
  dueCallbacks(now: number, limit: number): Promise<OutboxEntry[]>;
  /** A callback attempt's end: done (delivered, refused or out of attempts), or tried again at nextAt. */
  callbackDone(jobId: string): Promise<void>;
  callbackRetry(jobId: string, nextAt: number, lastError: string): Promise<void>;
}

/** How often due callbacks are looked for when nothing wakes the outbox sooner, ms. */
const POLL_MS = 1_000;
/** Callbacks in flight at once. */
const CONCURRENT = 8;

export class CallbackOutbox {
  readonly #store: OutboxStore;
  readonly #body: (jobId: string) => Promise<unknown | undefined>;
  readonly #options: CallbackOptions;
  readonly #traceOf: ((jobId: string) => Promise<TraceCarrier | undefined>) | undefined;
  readonly #inFlight = new Map<string, Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  /** Woken while a look was under way: look again as soon as it ends. */
  #again = false;
  #closed = false;

  /**
   * `body` builds what is POSTed (undefined: the job is gone, the callback is dropped); `traceOf`
   * finds the job's trace context where the store keeps it with the job rather than the entry.
   */
  constructor(store: OutboxStore, body: (jobId: string) => Promise<unknown | undefined>, options: CallbackOptions = {}, traceOf?: (jobId: string) => Promise<TraceCarrier | undefined>) {
    this.#store = store;
    this.#body = body;
    this.#options = options;
    this.#traceOf = traceOf;
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
    // In no trace: a delivery's spans join its job's trace (below), never the one that woke the outbox.
    this.#timer = setTimeout(() => detached(() => {
      if (this.#polling) {
        this.#again = true;
        return;
      }
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined;
        const again = this.#again;
        this.#again = false;
        this.#schedule(again ? 0 : POLL_MS);
      });
    }), ms);
    this.#timer.unref();
  }

  async #poll(): Promise<void> {
    try {
      // Only as many as there is room for: a shared store leases what it hands out.
      const room = CONCURRENT - this.#inFlight.size;
      const due = room > 0 ? await this.#store.dueCallbacks(Date.now(), room) : [];
      for (const entry of due) {
        if (this.#closed || this.#inFlight.has(entry.jobId)) continue;
        const delivery = this.#deliver(entry).catch(() => undefined).finally(() => {
          this.#inFlight.delete(entry.jobId);
          this.wake();
        });
        this.#inFlight.set(entry.jobId, delivery);
      }
    } catch {
      // The store is closing, unreachable, or its disk is full: the next poll tries again.
    }
  }

  async #deliver(entry: OutboxEntry): Promise<void> {
    const { jobId, url, key, attempts: attemptsBefore } = entry;
    const body = await this.#body(jobId);
    if (body === undefined) return this.#store.callbackDone(jobId);
    const attempts = this.#options.attempts ?? CALLBACK_DEFAULTS.attempts;
    const trace = entry.trace ?? (await this.#traceOf?.(jobId));
    const outcome = await notifyCallback(url, body, {
      ...this.#options,
      attempts: 1,
      // Numbered across the stored attempts, in what onAttempt reports and in the spans.
      firstAttempt: attemptsBefore + 1,
      headers: { 'idempotency-key': key },
      ...(trace ? { trace } : {}),
    });
    if (outcome.delivered || outcome.refused || attemptsBefore + 1 >= attempts) return this.#store.callbackDone(jobId);
    const backoffMs = (this.#options.backoffMs ?? CALLBACK_DEFAULTS.backoffMs) * 2 ** attemptsBefore;
    return this.#store.callbackRetry(jobId, Date.now() + backoffMs, outcome.lastError ?? `HTTP ${outcome.lastStatus ?? '?'}`);
  }

  /** Stops polling and waits for the look and the attempts in flight (an undelivered one stays in the store). */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#polling;
    await Promise.allSettled([...this.#inFlight.values()]);
  }
}
