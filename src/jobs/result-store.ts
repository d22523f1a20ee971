/**
 * Page results in Redis, written idempotently: one hash field per (document, page), set only if
 * absent, and the submission's counters move only for the write that created it. Delivery is
 * at-least-once (a page whose worker died runs again elsewhere); this makes results exactly-once.
 */
import type { Redis } from 'ioredis';
import type { DataKeys } from './names.js';
import { fromRedis, pageOutcomeSchema, type DocumentRecord, type PageOutcome } from './types.js';

const WRITE_RESULT = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('RPUSH', KEYS[5], ARGV[1])
redis.call('EXPIRE', KEYS[5], ARGV[4])
redis.call('HINCRBY', KEYS[2], 'pagesDone', 1)
redis.call('HINCRBY', KEYS[3], 'pagesDone', 1)
redis.call('HINCRBY', KEYS[4], 'pagesDone', 1)
if ARGV[3] == '0' then
  redis.call('HINCRBY', KEYS[2], 'pagesFailed', 1)
  redis.call('HINCRBY', KEYS[3], 'pagesFailed', 1)
end
return 1`;

export class ResultStore {
  readonly #redis: Redis;
  readonly #keys: DataKeys;
  readonly #ttlSeconds: number;

  constructor(redis: Redis, keys: DataKeys, ttlSeconds: number) {
    this.#redis = redis;
    this.#keys = keys;
    this.#ttlSeconds = ttlSeconds;
  }

  /** Stores the page's outcome unless one is there; true for the write that stored it. */
  async write(doc: Pick<DocumentRecord, 'docId' | 'submissionId'>, outcome: PageOutcome): Promise<boolean> {
    const stored = await this.#redis.eval(
      WRITE_RESULT, 5,
      this.#keys.results(doc.docId), this.#keys.doc(doc.docId), this.#keys.submission(doc.submissionId), this.#keys.counters, this.#keys.resultOrder(doc.docId),
      String(outcome.page), JSON.stringify(outcome), outcome.ok ? '1' : '0', String(this.#ttlSeconds),
    );
    return stored === 1;
  }

  async has(docId: string, page: number): Promise<boolean> {
    return (await this.#redis.hexists(this.#keys.results(docId), String(page))) === 1;
  }

  /** Outcomes stored after the `afterSeq`-th, in the order they were stored (seq from 1). */
  async readAfter(docId: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; outcome: PageOutcome }>> {
    const pages = await this.#redis.lrange(this.#keys.resultOrder(docId), afterSeq, afterSeq + limit - 1);
    if (pages.length === 0) return [];
    const values = await this.#redis.hmget(this.#keys.results(docId), ...pages);
    // A page whose result is gone (fetched, expired) ends the slice: nothing after it is read out of order.
    const out: Array<{ seq: number; outcome: PageOutcome }> = [];
    for (const [i, value] of values.entries()) {
      if (value === null) break;
      out.push({ seq: afterSeq + i + 1, outcome: fromRedis(pageOutcomeSchema, value, `page ${pages[i]} of document ${docId}`) as PageOutcome });
    }
    return out;
  }

  /** Every stored outcome of the document, in page order. */
  async read(docId: string): Promise<PageOutcome[]> {
    const all = await this.#redis.hgetall(this.#keys.results(docId));
    return Object.entries(all).map(([page, v]) => fromRedis(pageOutcomeSchema, v, `page ${page} of document ${docId}`) as PageOutcome).sort((a, b) => a.page - b.page);
  }
}
