/**
 * Whether a pool is serving interactive pages now: some wait in its queue, or some were sent to a
 * device within the last `holdMs` (between two interactive requests the queue is often empty for
 * a moment; yielding should not flap with it). A co-located cluster worker reads it before each
 * page to decide how much batch work to hold.
 */
import { performance } from 'node:perf_hooks';
import type { PoolSnapshot } from '../pool/index.js';

/** How long after the last interactive page the devices still count as serving them, ms. */
const INTERACTIVE_HOLD_MS = 2_000;

export function interactiveActivity(snapshot: () => PoolSnapshot, holdMs = INTERACTIVE_HOLD_MS, now: () => number = () => performance.now()): () => boolean {
  let lastDispatched = -1;
  let lastSeenAt = -Infinity;
  return () => {
    const interactive = snapshot().classes?.interactive;
    if (!interactive) return false;
    const at = now();
    if (interactive.queued > 0 || interactive.dispatched !== lastDispatched) {
      // The first look only learns the count: pages served before it are history.
      if (lastDispatched >= 0 || interactive.queued > 0) lastSeenAt = at;
      lastDispatched = interactive.dispatched;
    }
    return at - lastSeenAt < holdMs;
  };
}
