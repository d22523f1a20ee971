/**
 * Whether a failed document or page is run again, decided in one table keyed by error code (as
 * undici declares its retryable codes and statuses) and shared by the embedded store and the
 * cluster. `capacity`: the service was busy, stopping, or out of disk — nothing is wrong with the
 * work, so it waits and tries again for longer. `fault`: a device crashed, a spool went missing,
 * something unexpected broke — tried a bounded number of times. `never`: the input is bad and
 * would fail the same way again; its error is the stored answer.
 */
import { LayoutError, toLayoutError } from '../errors.js';
import { storageFull } from './durable/data-dir.js';

export type RetryKind = 'capacity' | 'fault' | 'never';

export const RETRY_POLICY: Readonly<Record<string, RetryKind>> = Object.freeze({
  // Busy or stopping: retried with backoff, for longer.
  LAYOUT_ERR_POOL_QUEUE_FULL: 'capacity',
  LAYOUT_ERR_TENANT_LIMIT: 'capacity',
  LAYOUT_ERR_OVERLOADED: 'capacity',
  LAYOUT_ERR_POOL_CLOSED: 'capacity',
  LAYOUT_ERR_NO_DEVICE_READY: 'capacity',
  LAYOUT_ERR_STORAGE_FULL: 'capacity',
  LAYOUT_ERR_QUEUE_UNAVAILABLE: 'capacity',
  // Something broke under the work: retried a bounded number of times.
  LAYOUT_ERR_WORKER_CRASHED: 'fault',
  LAYOUT_ERR_RETRIES_EXHAUSTED: 'fault',
  LAYOUT_ERR_DOCUMENT_EXPIRED: 'fault',
  LAYOUT_ERR_DEADLINE_EXCEEDED: 'fault',
  LAYOUT_ERR_INFERENCE: 'fault',
  LAYOUT_ERR_MODEL_LOAD: 'fault',
  LAYOUT_ERR_INTERNAL: 'fault',
  LAYOUT_ERR_ABORTED: 'fault',
  // The input: never retried.
  LAYOUT_ERR_INVALID_PARAM: 'never',
  LAYOUT_ERR_INPUT_EMPTY: 'never',
  LAYOUT_ERR_UNSUPPORTED_MEDIA: 'never',
  LAYOUT_ERR_IMAGE_CORRUPT: 'never',
  LAYOUT_ERR_IMAGE_TOO_LARGE: 'never',
  LAYOUT_ERR_UPLOAD_TOO_LARGE: 'never',
  LAYOUT_ERR_PDF: 'never',
  LAYOUT_ERR_PAGE_RANGE: 'never',
  LAYOUT_ERR_MALFORMED_REQUEST: 'never',
  LAYOUT_ERR_JOB_CANCELED: 'never',
});

/** Codes not in the table are faults: retried a bounded number of times, never silently forever. */
export function retryKind(code: string): RetryKind {
  return RETRY_POLICY[code] ?? 'fault';
}

/** Errors the input causes: storing them is the answer, running again would fail the same way. */
export function isInputError(error: Pick<LayoutError, 'code'>): boolean {
  return retryKind(error.code) === 'never';
}

/** Tries in all before a job or page is marked failed, by kind ('fault' takes the configured attempts). */
export const CAPACITY_ATTEMPTS = 50;

/** Delay before try `attempt + 1` (attempt ≥ 1): 1 s doubling, at most 60 s; never before the error's own Retry-After. */
export function retryDelayMs(attempt: number, error?: LayoutError): number {
  const backoff = Math.min(60_000, 1_000 * 2 ** Math.max(0, attempt - 1));
  const hinted = Number(error?.details?.retryAfterSeconds);
  return Number.isFinite(hinted) && hinted > 0 ? Math.max(backoff, hinted * 1000) : backoff;
}

/** Whether another try is due after `attempts` failed ones (capacity: CAPACITY_ATTEMPTS tries unless the caller's runs are fewer). */
export function shouldRetry(error: Pick<LayoutError, 'code'>, attempts: number, faultAttempts: number, capacityAttempts = CAPACITY_ATTEMPTS): boolean {
  const kind = retryKind(error.code);
  if (kind === 'never') return false;
  return attempts < (kind === 'capacity' ? capacityAttempts : faultAttempts);
}

/** Any thrown value as a LayoutError, with a full or unwritable disk (ENOSPC, SQLITE_FULL…) as LAYOUT_ERR_STORAGE_FULL. */
export function classifyError(err: unknown, what = 'the work', where = 'the spool'): LayoutError {
  if (err instanceof LayoutError) return err;
  return storageFull(err, what, where) ?? toLayoutError(err);
}
