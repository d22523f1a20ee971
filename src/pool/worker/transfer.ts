/**
 * Which buffers may move to another thread instead of being copied: only those a view owns whole.
 * A small Buffer shares Node's pool slab with others, and moving a shared buffer would detach
 * memory someone else still reads; those are copied by the structured clone instead.
 */
export function movableBuffers(...views: ReadonlyArray<ArrayBufferView | undefined>): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const view of views) {
    if (!view || !(view.buffer instanceof ArrayBuffer)) continue;
    if (view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) buffers.add(view.buffer);
  }
  return [...buffers];
}
