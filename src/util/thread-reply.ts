/**
 * What a thread task answers: its value, or its error as `{ code, message }` — a structured clone
 * would drop a LayoutError's class and code, so errors cross threads as data and are rebuilt here.
 */
import { errorFromCode, toLayoutError } from '../errors.js';

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
