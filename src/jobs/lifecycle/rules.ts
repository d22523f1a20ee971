/**
 * The rules of a job's life that both stores share (the embedded SQLite one and the cluster's
 * Redis one): which states are final, and the failed-page rule — a document all of whose pages
 * have an outcome is `completed`, unless a page failed (bad input, or out of retries): then it is
 * `failed` with the error of its first failed page, in page order. Whether a failed run is tried
 * again is the retry policy's (retry-policy.ts), applied in lifecycle.ts.
 */
import { FINISHED_STATES, type JobErrorInfo, type PageOutcome } from '../types.js';

export type FinalState = 'completed' | 'failed' | 'canceled';

export function isFinalState(state: string): state is FinalState {
  return (FINISHED_STATES as readonly string[]).includes(state);
}

/** A document's final state from its page outcomes (the failed-page rule). */
export function finalOutcome(outcomes: readonly PageOutcome[]): { readonly state: 'completed' | 'failed'; readonly error?: JobErrorInfo } {
  const firstFailed = [...outcomes].sort((a, b) => a.page - b.page).find((o): o is Extract<PageOutcome, { ok: false }> => !o.ok);
  return firstFailed ? { state: 'failed', error: firstFailed.error } : { state: 'completed' };
}
