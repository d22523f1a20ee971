/**
 * The cluster's callback outbox in Redis, delivered by every worker through CallbackOutbox: a
 * sorted set of document ids by when their callback is due, and a hash per entry (url, key,
 * attempts, the trace it ended in) that FINISH_DOCUMENT writes with the document's final state and that expires with
 * the document's record. Many workers share it, so taking an entry leases it: the claim moves its
 * due time past the lease, and only a worker that dies (or stalls) mid-delivery lets another take
 * it after that — at least once, with the same Idempotency-Key. An attempt is counted when it is
 * claimed, so one that kills its worker still spends one of the bounded attempts.
 */
import type { Redis } from 'ioredis';
import type { TraceCarrier } from '../tracing/index.js';
import { CALLBACK_DEFAULTS, type CallbackOptions } from './callback.js';
import { CallbackOutbox, type OutboxEntry, type OutboxStore } from './callback-outbox.js';
import type { Cluster } from './cluster.js';
import { documentJson, type DataKeys } from './names.js';

/**
 * Takes up to ARGV[2] entries due at ARGV[1]: each one's due time moves to now + lease (ARGV[3])
 * and its attempts go up by one. Ids whose hash expired leave the set.
 */
const CLAIM = `
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'WITHSCORES', 'LIMIT', 0, tonumber(ARGV[2]))
local out = {}
for i = 1, #due, 2 do
  local id = due[i]
  local key = ARGV[4] .. id .. ARGV[5]
  local entry = redis.call('HMGET', key, 'url', 'key', 'trace')
  if not entry[1] then
    redis.call('ZREM', KEYS[1], id)
  else
    redis.call('ZADD', KEYS[1], tonumber(ARGV[1]) + tonumber(ARGV[3]), id)
    local attempts = redis.call('HINCRBY', key, 'attempts', 1)
    table.insert(out, { id, entry[1], entry[2], tostring(attempts - 1), due[i + 1], entry[3] or '' })
  end
end
return out`;

/** Due again at ARGV[1], unless the entry is gone meanwhile (delivered by another worker, expired). */
const RETRY = `
if redis.call('EXISTS', KEYS[2]) == 0 then
  redis.call('ZREM', KEYS[1], ARGV[3])
  return 0
end
redis.call('HSET', KEYS[2], 'lastError', ARGV[2])
redis.call('ZADD', KEYS[1], ARGV[1], ARGV[3])
return 1`;

/** The trace context FINISH_DOCUMENT kept with the entry; a damaged one is only no trace. */
function traceCarrier(json: string): TraceCarrier | undefined {
  try {
    const value = JSON.parse(json) as { traceparent?: unknown; tracestate?: unknown };
    if (typeof value.traceparent !== 'string') return undefined;
    return { traceparent: value.traceparent, ...(typeof value.tracestate === 'string' ? { tracestate: value.tracestate } : {}) };
  } catch {
    return undefined;
  }
}

export class RedisOutbox implements OutboxStore {
  readonly #redis: Redis;
  readonly #keys: DataKeys;
  readonly #leaseMs: number;
  /** The entry hash's key around a document id (the claim script builds it). */
  readonly #entryKey: readonly [string, string];

  /** `leaseMs`: how long a claimed entry is left to its worker; longer than one attempt can take. */
  constructor(redis: Redis, keys: DataKeys, leaseMs: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#leaseMs = leaseMs;
    const [before, after] = keys.callback('\n').split('\n');
    this.#entryKey = [before!, after!];
  }

  async dueCallbacks(now: number, limit: number): Promise<OutboxEntry[]> {
    const claimed = (await this.#redis.eval(CLAIM, 1, this.#keys.callbacks, String(now), String(limit), String(this.#leaseMs), ...this.#entryKey)) as string[][];
    return claimed.map(([jobId, url, key, attempts, nextAt, trace]) => ({
      jobId: jobId!, url: url!, key: key!, attempts: Number(attempts), nextAt: Number(nextAt), ...(trace ? { trace: traceCarrier(trace) } : {}),
    }));
  }

  async callbackDone(jobId: string): Promise<void> {
    await this.#redis.multi().zrem(this.#keys.callbacks, jobId).del(this.#keys.callback(jobId)).exec();
  }

  async callbackRetry(jobId: string, nextAt: number, lastError: string): Promise<void> {
    await this.#redis.eval(RETRY, 2, this.#keys.callbacks, this.#keys.callback(jobId), String(nextAt), lastError, jobId);
  }

  /** Entries waiting for delivery (tests, status). */
  pending(): Promise<number> {
    return this.#redis.zcard(this.#keys.callbacks);
  }
}

/**
 * The outbox in Redis, delivering `{ id: submission id, document: its record }` in the public
 * JSON callbacks always had (documentJson: `batchId`); a document gone with its TTL drops its
 * callback. A claimed entry is left to its worker for two attempts' time.
 */
export function clusterOutbox(cluster: Cluster, callbacks: CallbackOptions = {}): CallbackOutbox {
  const leaseMs = 2 * (callbacks.timeoutMs ?? CALLBACK_DEFAULTS.timeoutMs) + 1_000;
  const body = async (docId: string): Promise<unknown> => {
    const document = await cluster.documents.getDocument(docId);
    return document ? { id: document.submissionId, document: documentJson(document) } : undefined;
  };
  return new CallbackOutbox(new RedisOutbox(cluster.redis, cluster.documents.keys, leaseMs), body, callbacks);
}
