/**
 * Admission figures per priority class and per tenant: pages dispatched and refused, and the queue
 * wait of the pages dispatched in the last minute (p50/p99/max). The pool reports them in its
 * snapshot; the server shows them in /v1/status, /metrics and on the dashboard.
 */
import { performance } from 'node:perf_hooks';
import { LRUCache } from 'lru-cache';
import { nearestRank } from '../util/percentile.js';
import type { AdmissionFigures, PriorityClass } from './types.js';

/** The window the wait percentiles cover, ms. */
const WINDOW_MS = 60_000;
/** Waits kept per key: enough for percentiles, bounded in memory whatever the rate. */
const MAX_SAMPLES = 2_048;
/** Tenants tracked at once; idle ones are forgotten first (a proxy may name many). */
const MAX_TENANTS = 256;

class Tally {
  dispatched = 0;
  rejected = 0;
  /** [performance.now() at dispatch, wait ms], oldest first. */
  readonly waits: Array<[number, number]> = [];

  wait(now: number, ms: number): void {
    this.dispatched += 1;
    this.waits.push([now, ms]);
    if (this.waits.length > MAX_SAMPLES) this.waits.shift();
  }

  figures(now: number, waiting: { queued: number; oldestAt: number | undefined }): AdmissionFigures {
    while (this.waits.length > 0 && now - this.waits[0]![0] > WINDOW_MS) this.waits.shift();
    const sorted = this.waits.map(([, ms]) => ms).sort((a, b) => a - b);
    const at = (p: number): number => round(nearestRank(sorted, p)!);
    return {
      queued: waiting.queued,
      dispatched: this.dispatched,
      rejected: this.rejected,
      waitMs: sorted.length === 0 ? null : { p50: at(50), p99: at(99), max: round(sorted[sorted.length - 1]!) },
      oldestWaitMs: waiting.oldestAt === undefined ? 0 : round(now - waiting.oldestAt),
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

interface Waiting {
  readonly queued: number;
  readonly oldestAt: number | undefined;
}

export class AdmissionStats {
  readonly #classes: Record<PriorityClass, Tally> = { interactive: new Tally(), batch: new Tally() };
  /** The least recently seen tenant is forgotten past MAX_TENANTS. */
  readonly #tenants = new LRUCache<string, Tally>({ max: MAX_TENANTS });

  dispatched(page: { priority: PriorityClass; tenant: string; enqueuedAt: number }, now = performance.now()): void {
    const ms = now - page.enqueuedAt;
    this.#classes[page.priority].wait(now, ms);
    this.#tenant(page.tenant).wait(now, ms);
  }

  rejected(priority: PriorityClass, tenant: string): void {
    this.#classes[priority].rejected += 1;
    this.#tenant(tenant).rejected += 1;
  }

  classes(waiting: (priority: PriorityClass) => Waiting, now = performance.now()): Record<PriorityClass, AdmissionFigures> {
    return {
      interactive: this.#classes.interactive.figures(now, waiting('interactive')),
      batch: this.#classes.batch.figures(now, waiting('batch')),
    };
  }

  tenants(waiting: ReadonlyMap<string, Waiting>, now = performance.now()): Record<string, AdmissionFigures> {
    const out: Record<string, AdmissionFigures> = {};
    const names = new Set([...this.#tenants.keys(), ...waiting.keys()]);
    for (const name of [...names].sort()) {
      out[name] = (this.#tenants.peek(name) ?? new Tally()).figures(now, waiting.get(name) ?? { queued: 0, oldestAt: undefined });
    }
    return out;
  }

  #tenant(name: string): Tally {
    let tally = this.#tenants.get(name);
    if (!tally) {
      tally = new Tally();
      this.#tenants.set(name, tally);
    }
    return tally;
  }
}
