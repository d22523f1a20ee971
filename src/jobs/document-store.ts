/**
 * Submissions and documents in Redis. A document's bytes are stored once, under a time to live (or
 * only referenced by path when the workers share a filesystem); its record says where it stands.
 * Creating a document is idempotent: the same (submission, input name) submitted again finds the
 * record made the first time, which is how a re-run submitter resumes a submission.
 */
import { createHash } from 'node:crypto';
import fsp from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';
import { DocumentExpiredError } from '../errors.js';
import { currentCarrier } from '../tracing/index.js';
import { dataKeys, type DataKeys } from './names.js';
import { z } from 'zod';
import { documentHashSchema, documentOptionsSchema, fromRedis, jobErrorSchema, type DocumentOptions, type DocumentRecord, type DocumentState, type JobErrorInfo, type SubmissionRecord } from './types.js';

/** Document bytes a worker keeps in memory, so the pages of one PDF fetch it once, bytes. */
const BYTES_CACHE_BYTES = 256 * 1024 * 1024;

export interface NewDocument {
  readonly docId: string;
  readonly submissionId: string;
  readonly name: string;
  readonly options: DocumentOptions;
  /** The bytes to store in Redis, or… */
  readonly bytes?: Uint8Array;
  /** …a path every worker can read (--shared-path); its bytes are hashed here, not stored. */
  readonly path?: string;
}

/** Claims the record (HSETNX) and, only if it is new, fills it and counts it in its submission. */
const CREATE_DOCUMENT = `
if redis.call('HSETNX', KEYS[1], 'name', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], unpack(cjson.decode(ARGV[2])))
redis.call('EXPIRE', KEYS[1], ARGV[3])
redis.call('RPUSH', KEYS[2], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[3])
redis.call('HINCRBY', KEYS[3], 'docsTotal', 1)
redis.call('EXPIRE', KEYS[3], ARGV[3])
return 1`;

/** Records the page selection once (a re-split after a crash changes nothing) and counts its pages. */
const SET_PAGES = `
if redis.call('HSETNX', KEYS[1], 'pages', ARGV[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'pageCount', ARGV[2], 'pdf', ARGV[3], 'state', 'running')
redis.call('HINCRBY', KEYS[2], 'pagesTotal', ARGV[4])
return 1`;

/**
 * Moves a document to a finished state once; the submission counts it once. A document with a
 * callbackUrl gets its outbox entry (redis-outbox.ts) in the same script: the callback is due as
 * the state changes, and lives as long as the document's record.
 */
const FINISH_DOCUMENT = `
local state = redis.call('HGET', KEYS[1], 'state')
if not state or state == 'completed' or state == 'failed' or state == 'canceled' then return 0 end
redis.call('HSET', KEYS[1], 'state', ARGV[1], 'finishedAt', ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'error', ARGV[3]) end
if ARGV[1] == 'completed' then redis.call('HINCRBY', KEYS[2], 'docsCompleted', 1)
elseif ARGV[1] == 'failed' then redis.call('HINCRBY', KEYS[2], 'docsFailed', 1) end
local ok, options = pcall(cjson.decode, redis.call('HGET', KEYS[1], 'options') or '{}')
local url = ok and type(options) == 'table' and options.callbackUrl
if type(url) == 'string' and url ~= '' then
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl <= 0 then ttl = tonumber(ARGV[5]) * 1000 end
  redis.call('HSET', KEYS[4], 'url', url, 'key', ARGV[4] .. ':' .. ARGV[1], 'attempts', 0)
  if ARGV[6] ~= '' then redis.call('HSET', KEYS[4], 'trace', ARGV[6]) end
  redis.call('PEXPIRE', KEYS[4], ttl)
  redis.call('ZADD', KEYS[3], ARGV[2], ARGV[4])
end
return 1`;

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function int(value: string | undefined): number {
  return value === undefined ? 0 : Number(value);
}

export function parseDocument(docId: string, hash: Record<string, string>): DocumentRecord | undefined {
  if (!hash.name) return undefined;
  const h = fromRedis(documentHashSchema, hash, `document ${docId}`);
  return {
    docId,
    submissionId: h.batchId, // stored as batchId (names.ts)
    name: h.name,
    state: h.state,
    size: int(h.size),
    sha256: h.sha256,
    source: h.source === 'path' ? 'path' : 'redis',
    ...(typeof h.path === 'string' && h.path ? { path: h.path } : {}),
    options: fromRedis(documentOptionsSchema, h.options, `options of document ${docId}`) as DocumentOptions,
    ...(h.pageCount ? { pageCount: int(String(h.pageCount)) } : {}),
    ...(h.pages ? { pages: fromRedis(z.array(z.number().int().positive()), h.pages, `pages of document ${docId}`) } : {}),
    ...(h.pdf ? { pdf: h.pdf === '1' } : {}),
    pagesDone: int(h.pagesDone as string | undefined),
    pagesFailed: int(h.pagesFailed as string | undefined),
    ...(h.error ? { error: fromRedis(jobErrorSchema, h.error, `error of document ${docId}`) } : {}),
    createdAt: int(h.createdAt as string | undefined),
    ...(h.finishedAt ? { finishedAt: int(String(h.finishedAt)) } : {}),
    ...(h.fetchedAt ? { fetchedAt: int(String(h.fetchedAt)) } : {}),
  };
}

export class DocumentStore {
  readonly keys: DataKeys;
  readonly #redis: Redis;
  readonly #ttlSeconds: number;
  readonly #bytes = new LRUCache<string, Buffer>({ maxSize: BYTES_CACHE_BYTES, sizeCalculation: (b) => Math.max(1, b.byteLength) });
  /** Documents read from Redis or the shared path by this process (not from its own cache), and their bytes. */
  readonly #reads = { fetches: 0, bytes: 0 };

  constructor(redis: Redis, queue: string, ttlSeconds: number) {
    this.#redis = redis;
    this.keys = dataKeys(queue);
    this.#ttlSeconds = ttlSeconds;
  }

  get ttlSeconds(): number {
    return this.#ttlSeconds;
  }

  /** Creates the submission's record if new (same id again = resume) and lists it for `jobs list`. */
  async createSubmission(submissionId: string): Promise<void> {
    const now = Date.now();
    await this.#redis
      .multi()
      .hsetnx(this.keys.submission(submissionId), 'createdAt', String(now))
      .expire(this.keys.submission(submissionId), this.#ttlSeconds)
      .zadd(this.keys.submissions, 'NX', now, submissionId)
      .exec();
  }

  /** Stores the document (bytes first, then its record). False when it already existed. */
  async addDocument(doc: NewDocument): Promise<boolean> {
    const docKey = this.keys.doc(doc.docId);
    if ((await this.#redis.exists(docKey)) === 1) return false;
    let sha256: string;
    let size: number;
    if (doc.bytes) {
      sha256 = sha256Hex(doc.bytes);
      size = doc.bytes.byteLength;
      await this.#redis.set(this.keys.docBytes(doc.docId), Buffer.from(doc.bytes.buffer, doc.bytes.byteOffset, doc.bytes.byteLength), 'EX', this.#ttlSeconds);
    } else {
      const bytes = await fsp.readFile(doc.path!);
      sha256 = sha256Hex(bytes);
      size = bytes.byteLength;
    }
    const fields = [
      'batchId', doc.submissionId, // stored as batchId (names.ts)
      'state', 'queued',
      'size', String(size),
      'sha256', sha256,
      'source', doc.bytes ? 'redis' : 'path',
      ...(doc.bytes ? [] : ['path', doc.path!]),
      'options', JSON.stringify(doc.options),
      'pagesDone', '0',
      'pagesFailed', '0',
      'createdAt', String(Date.now()),
    ];
    const created = await this.#redis.eval(
      CREATE_DOCUMENT, 3, docKey, this.keys.submissionDocs(doc.submissionId), this.keys.submission(doc.submissionId),
      doc.name, JSON.stringify(fields), String(this.#ttlSeconds), doc.docId,
    );
    return created === 1;
  }

  async getDocument(docId: string): Promise<DocumentRecord | undefined> {
    return parseDocument(docId, await this.#redis.hgetall(this.keys.doc(docId)));
  }

  async getDocuments(docIds: readonly string[]): Promise<DocumentRecord[]> {
    if (docIds.length === 0) return [];
    const pipeline = this.#redis.pipeline();
    for (const id of docIds) pipeline.hgetall(this.keys.doc(id));
    const replies = (await pipeline.exec()) ?? [];
    return replies.flatMap(([err, h], i) => {
      if (err) throw err;
      const doc = parseDocument(docIds[i]!, h as Record<string, string>);
      return doc ? [doc] : [];
    });
  }

  /** What getBytes read from Redis or the shared path so far. */
  reads(): { readonly fetches: number; readonly bytes: number } {
    return { ...this.#reads };
  }

  /** The document's bytes: from this process's cache, Redis, or the shared path. */
  async getBytes(doc: DocumentRecord): Promise<Buffer> {
    const cached = this.#bytes.get(doc.docId);
    if (cached) return cached;
    let bytes: Buffer | null;
    if (doc.source === 'path') {
      bytes = await fsp.readFile(doc.path!).catch(() => null);
    } else {
      bytes = await this.#redis.getBuffer(this.keys.docBytes(doc.docId));
    }
    this.#reads.fetches += 1;
    if (!bytes) throw DocumentExpiredError(doc.name);
    this.#reads.bytes += bytes.byteLength;
    this.#bytes.set(doc.docId, bytes);
    return bytes;
  }

  /** Records which pages the document has (once) and adds them to the submission's total. */
  async setPages(doc: DocumentRecord, pages: readonly number[], pageCount: number, pdf: boolean): Promise<void> {
    await this.#redis.eval(SET_PAGES, 2, this.keys.doc(doc.docId), this.keys.submission(doc.submissionId), JSON.stringify(pages), String(pageCount), pdf ? '1' : '0', String(pages.length));
  }

  /** Moves the document to a finished state (with its callback's outbox entry); true for the call that did it. */
  async finish(doc: Pick<DocumentRecord, 'docId' | 'submissionId'>, state: Exclude<DocumentState, 'queued' | 'running'>, error?: JobErrorInfo): Promise<boolean> {
    // The trace this end happens in (a document job's, when traced): its callback's spans join it.
    const trace = currentCarrier();
    const done = await this.#redis.eval(
      FINISH_DOCUMENT, 4, this.keys.doc(doc.docId), this.keys.submission(doc.submissionId), this.keys.callbacks, this.keys.callback(doc.docId),
      state, String(Date.now()), error ? JSON.stringify(error) : '', doc.docId, String(this.#ttlSeconds),
      trace ? JSON.stringify(trace) : '',
    );
    if (done === 1) this.#bytes.delete(doc.docId);
    return done === 1;
  }

  /** After results were written out: the bytes and results go, the record stays (for status) until its TTL. */
  async markFetched(doc: DocumentRecord): Promise<void> {
    this.#bytes.delete(doc.docId);
    await this.#redis
      .multi()
      .hset(this.keys.doc(doc.docId), 'fetchedAt', String(Date.now()))
      .del(this.keys.docBytes(doc.docId), this.keys.results(doc.docId), this.keys.resultOrder(doc.docId))
      .exec();
  }

  async documentIds(submissionId: string): Promise<string[]> {
    return this.#redis.lrange(this.keys.submissionDocs(submissionId), 0, -1);
  }

  async getSubmission(submissionId: string): Promise<SubmissionRecord | undefined> {
    const h = await this.#redis.hgetall(this.keys.submission(submissionId));
    if (!h.createdAt) return undefined;
    return {
      submissionId,
      createdAt: int(h.createdAt),
      canceled: h.canceled === '1',
      docsTotal: int(h.docsTotal),
      docsCompleted: int(h.docsCompleted),
      docsFailed: int(h.docsFailed),
      pagesTotal: int(h.pagesTotal),
      pagesDone: int(h.pagesDone),
      pagesFailed: int(h.pagesFailed),
    };
  }

  async isCanceled(submissionId: string): Promise<boolean> {
    return (await this.#redis.hget(this.keys.submission(submissionId), 'canceled')) === '1';
  }

  async markCanceled(submissionId: string): Promise<void> {
    await this.#redis.hset(this.keys.submission(submissionId), 'canceled', '1');
  }

  /** Submission ids, newest first; ids whose records expired are dropped from the index. */
  async listSubmissions(limit = 50): Promise<string[]> {
    const ids = await this.#redis.zrevrange(this.keys.submissions, 0, limit - 1);
    const alive = await Promise.all(ids.map((id) => this.#redis.exists(this.keys.submission(id))));
    const gone = ids.filter((_, i) => alive[i] === 0);
    if (gone.length > 0) await this.#redis.zrem(this.keys.submissions, ...gone);
    return ids.filter((_, i) => alive[i] === 1);
  }
}
