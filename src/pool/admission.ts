/**
 * The pool's admission, behind one door: the priority queue (classes, aging, tenants' turns), the
 * tenants' page limits and the figures per class and tenant. The pool asks it whether a page may
 * wait and which pages go next; it counts both answers.
 */
import { QueueFullError, type LayoutError } from '../errors.js';
import { AdmissionStats } from './admission-stats.js';
import type { PoolTask } from './pool-task.js';
import { PriorityTaskQueue, type TakeOptions } from './priority-queue.js';
import { TenantLedger } from './tenant-limits.js';
import type { PoolSnapshot, TenantLimits } from './types.js';

export class Admission {
  readonly queue: PriorityTaskQueue<PoolTask>;
  readonly #tenants = new TenantLedger();
  readonly #stats = new AdmissionStats();

  constructor(capacity: number, agingMs: number) {
    this.queue = new PriorityTaskQueue({ capacity, agingMs });
  }

  /** Queues the task, or returns why not: a tenant's limit first, then the queue's bound. */
  admit(task: PoolTask, limits: TenantLimits | undefined, retryAfterSeconds: number): LayoutError | undefined {
    const refusal = this.#tenants.refusal(task.tenant, limits, this.queue.queuedFor(task.tenant), retryAfterSeconds)
      ?? (this.queue.push(task) ? undefined : QueueFullError(this.queue.size, { details: { retryAfterSeconds, limit: 'queue' } }));
    if (refusal) this.#stats.rejected(task.priority, task.tenant);
    else this.#tenants.track(task.tenant, task.promise);
    return refusal;
  }

  /** The next pages for a device, counted as dispatched now. */
  take(count: number, options: TakeOptions, now: number): PoolTask[] {
    const tasks = this.queue.take(count, options);
    for (const task of tasks) this.#stats.dispatched(task, now);
    return tasks;
  }

  figures(): Pick<PoolSnapshot, 'classes' | 'tenants'> {
    return {
      classes: this.#stats.classes((priority) => this.queue.waiting(priority)),
      tenants: this.#stats.tenants(this.queue.waitingByTenant()),
    };
  }
}
