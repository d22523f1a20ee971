/**
 * A cluster job refused for capacity (a full pool, a tenant's limit, a draining server, a full
 * spool disk) waits its backoff delayed in Redis without spending one of its BullMQ attempts, up
 * to CAPACITY_ATTEMPTS times — page jobs and document splits alike.
 */
import { DelayedError, type Job } from 'bullmq';
import type { LayoutError } from '../errors.js';
import { CAPACITY_ATTEMPTS, retryDelayMs, retryKind } from './retry-policy.js';

/**
 * Moves the job to the delayed set and throws DelayedError when `error` is a capacity refusal
 * with tries left; returns for any other error, or once those tries are spent. `onWait` counts it.
 */
export async function waitForCapacity(job: Job, token: string | undefined, error: LayoutError, onWait: () => void): Promise<void> {
  const waited = Number((job.data as { capacityRetries?: unknown }).capacityRetries ?? 0);
  if (retryKind(error.code) !== 'capacity' || token === undefined || waited + 1 >= CAPACITY_ATTEMPTS) return;
  await job.updateData({ ...(job.data as object), capacityRetries: waited + 1 });
  await job.moveToDelayed(Date.now() + retryDelayMs(waited + 1, error), token);
  onWait();
  throw new DelayedError();
}
