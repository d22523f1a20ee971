/**
 * The pool's admission queue with priority classes: `interactive` pages (someone is waiting for
 * the answer) go ahead of `batch` pages (jobs, cluster workers, bulk CLI runs), tenants take turns
 * inside each class (FairQueue), and the whole queue is bounded: a full queue refuses new pages
 * (429), while re-queued ones (their worker died) go back in regardless, at the front.
 *
 * Work-conserving: a batch page goes out whenever no interactive page waits. No starvation:
 * while interactive pages keep coming, the batch class still gets one page every `agingMs` —
 * its clock starts when a batch page was last taken, or when the class stopped being empty —
 * so batch work always progresses. An aged batch page goes ahead only right after an interactive
 * one: where pages take longer than `agingMs` (a CPU device), the clock has run out at every
 * decision, and without that guard the batch backlog would go out page after page ahead of
 * waiting interactive pages; with it, at most one batch page goes ahead of them at a time.
 */
import { performance } from 'node:perf_hooks';
import { FairQueue, type TenantItem } from './fair-queue.js';
import type { PriorityClass } from './types.js';

const PRIORITY_CLASSES: readonly PriorityClass[] = ['interactive', 'batch'];

interface QueuedItem extends TenantItem {
  readonly priority: PriorityClass;
}

interface PriorityQueueOptions {
  readonly capacity: number;
  /** Longest a waiting batch class goes without a page while interactive pages take the devices, ms. */
  readonly agingMs: number;
  /** The clock (performance.now by default; tests pass their own). */
  readonly now?: () => number;
}

export interface TakeOptions {
  /** False when the device cannot take batch-class pages now (its pipeline holds enough of them). */
  readonly batchClass?: boolean;
}

export class PriorityTaskQueue<T extends QueuedItem> {
  readonly #classes: Record<PriorityClass, FairQueue<T>> = { interactive: new FairQueue(), batch: new FairQueue() };
  readonly #capacity: number;
  readonly #agingMs: number;
  readonly #now: () => number;
  /** When the batch class last had a page taken, or last became non-empty. */
  #batchClassClockAt = 0;
  /** The class of the page taken last. */
  #lastTaken: PriorityClass | undefined;

  constructor(options: PriorityQueueOptions) {
    this.#capacity = options.capacity;
    this.#agingMs = options.agingMs;
    this.#now = options.now ?? (() => performance.now());
  }

  get size(): number {
    return this.#classes.interactive.size + this.#classes.batch.size;
  }

  get capacity(): number {
    return this.#capacity;
  }

  get full(): boolean {
    return this.size >= this.#capacity;
  }

  sizeOf(priority: PriorityClass): number {
    return this.#classes[priority].size;
  }

  /** Pages of `tenant` waiting, in both classes. */
  queuedFor(tenant: string): number {
    return this.#classes.interactive.sizeOf(tenant) + this.#classes.batch.sizeOf(tenant);
  }

  /** The longest-waiting page of a class. */
  oldest(priority: PriorityClass): T | undefined {
    return this.#classes[priority].oldest();
  }

  /** Pages waiting in a class and since when the oldest waits. */
  waiting(priority: PriorityClass): { queued: number; oldestAt: number | undefined } {
    return { queued: this.#classes[priority].size, oldestAt: this.#classes[priority].oldest()?.enqueuedAt };
  }

  /** The same per tenant, over both classes. */
  waitingByTenant(): Map<string, { queued: number; oldestAt: number | undefined }> {
    const out = new Map<string, { queued: number; oldestAt: number | undefined }>();
    for (const priority of PRIORITY_CLASSES) {
      for (const line of this.#classes[priority].lines()) {
        const seen = out.get(line.tenant);
        out.set(line.tenant, seen
          ? { queued: seen.queued + line.queued, oldestAt: Math.min(seen.oldestAt ?? Infinity, line.oldestAt) }
          : { queued: line.queued, oldestAt: line.oldestAt });
      }
    }
    return out;
  }

  /** False when full: the caller rejects with QueueFullError. */
  push(item: T): boolean {
    if (this.full) return false;
    this.#add(item, false);
    return true;
  }

  /** Re-queued work bypasses the bound (it was already accepted) and goes first in its class. */
  unshift(item: T): void {
    this.#add(item, true);
  }

  /** What `take(1)` would return now. */
  peek(options: TakeOptions = {}): T | undefined {
    const priority = this.#nextClass(options.batchClass ?? true);
    return priority && this.#classes[priority].peek();
  }

  /** Up to `count` pages in serving order; fewer (maybe none) when only batch-class pages wait and `batchClass` is false. */
  take(count: number, options: TakeOptions = {}): T[] {
    const taken: T[] = [];
    while (taken.length < count) {
      const priority = this.#nextClass(options.batchClass ?? true);
      if (!priority) break;
      taken.push(this.#classes[priority].shift()!);
      this.#lastTaken = priority;
      if (priority === 'batch') this.#batchClassClockAt = this.#now();
    }
    return taken;
  }

  remove(item: T): boolean {
    return this.#classes[item.priority].remove(item);
  }

  /** Everything, interactive first. */
  drain(): T[] {
    return [...this.#classes.interactive.drain(), ...this.#classes.batch.drain()];
  }

  #add(item: T, front: boolean): void {
    const queue = this.#classes[item.priority];
    if (item.priority === 'batch' && queue.size === 0) this.#batchClassClockAt = this.#now();
    if (front) queue.unshift(item);
    else queue.push(item);
  }

  #nextClass(batchClassAllowed: boolean): PriorityClass | undefined {
    const interactive = this.#classes.interactive.size > 0;
    const batchClass = batchClassAllowed && this.#classes.batch.size > 0;
    if (interactive && batchClass) {
      const aged = this.#now() - this.#batchClassClockAt >= this.#agingMs;
      return aged && this.#lastTaken !== 'batch' ? 'batch' : 'interactive';
    }
    if (interactive) return 'interactive';
    return batchClass ? 'batch' : undefined;
  }
}
