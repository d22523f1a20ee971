/**
 * Moving typed arrays between threads instead of copying them. Only buffers a view owns whole may
 * move: a small Buffer shares Node's pool slab with others, and moving a shared buffer would
 * detach memory someone else still reads. Nor may memory a native addon owns (sharp's and
 * @napi-rs/canvas's output): from Node 22 on such ArrayBuffers are marked untransferable, and
 * naming one in a transfer list fails the whole message with a DataCloneError. Both kinds are
 * copied by the structured clone instead.
 */
import * as threads from 'node:worker_threads';
import { move, transferableSymbol, valueSymbol } from 'piscina';

// Node 20 has no such mark (there, addon memory still transfers).
const isMarkedAsUntransferable = (threads as { isMarkedAsUntransferable?: (value: object) => boolean }).isMarkedAsUntransferable ?? (() => false);

export function movableBuffers(...views: ReadonlyArray<ArrayBufferView | undefined>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    if (!view || !(view.buffer instanceof ArrayBuffer)) continue;
    if (view.byteOffset !== 0 || view.byteLength !== view.buffer.byteLength) continue;
    if (!isMarkedAsUntransferable(view.buffer)) buffers.add(view.buffer);
  }
  return [...buffers];
}

/** A piscina task's return value whose `buffers` are transferred to the caller, not cloned. */
export function returnMoved<T extends object>(value: T, buffers: ArrayBuffer[]): T {
  return move({ [transferableSymbol]: buffers, [valueSymbol]: value } as never) as unknown as T;
}
