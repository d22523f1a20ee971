/**
 * What a thread task answers: its value, or its error as `{ code, message }` — a structured clone
 * would drop a LayoutError's class and code, so errors cross threads as data and are rebuilt here.
 */
import v8 from 'node:v8';
import { errorFromCode, toLayoutError } from '../errors.js';

const MIB = 1024 * 1024;

export type ThreadReply = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly code: string; readonly message: string };

export function errorReply(err: unknown): ThreadReply {
  const error = toLayoutError(err);
  return { ok: false, code: error.code, message: error.message };
}

/** The reply's value, or its error thrown again with its code. */
export function unwrapReply<T>(reply: ThreadReply): T {
  if (!reply.ok) throw errorFromCode(reply.code, reply.message);
  return reply.value as T;
}

/** A reply may carry its thread's heap size after the task (BudgetedThreads' recycleAboveHeapMb reads it). */
export interface HeapReport {
  readonly threadHeapMb?: number;
}

/** The reply with the calling thread's V8 heap size, MiB, as the task left it. */
export function withThreadHeap<R extends object>(reply: R): R & HeapReport {
  return { ...reply, threadHeapMb: Math.round(v8.getHeapStatistics().total_heap_size / MIB) };
}
