/**
 * One process's handle on a cluster queue: a Redis client for our records, the document and
 * result stores, and the two BullMQ queues (documents, pages). Submitters, workers and servers
 * all start here; `close()` releases every connection.
 */
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { jobTimings, type Config } from '../config.js';
import { bullmqTelemetry } from '../tracing/index.js';
import { createRedis, redisOptions } from './connection.js';
import { DocumentStore } from './document-store.js';
import { BULL_PREFIX, queueNames, type QueueNames } from './names.js';
import { RedisJobRecords } from './redis-records.js';
import { ResultStore } from './result-store.js';

export interface JobSettings {
  readonly redisUrl: string;
  readonly queue: string;
  readonly ttlSeconds: number;
  readonly lockMs: number;
  readonly stalledIntervalMs: number;
  readonly maxStalled: number;
  readonly attempts: number;
  readonly backoffMs: number;
}

export function jobSettings(config: Config, redisUrl = config.redis): JobSettings {
  if (!redisUrl) throw new Error('jobSettings needs a Redis URL');
  return {
    redisUrl,
    queue: config.queue,
    ttlSeconds: config.jobTtlS,
    lockMs: config.jobLockMs,
    stalledIntervalMs: jobTimings.stalledIntervalMs(config.jobLockMs),
    maxStalled: jobTimings.maxStalled,
    attempts: config.jobAttempts,
    backoffMs: jobTimings.backoffMs,
  };
}

export class Cluster {
  readonly settings: JobSettings;
  readonly names: QueueNames;
  readonly redis: Redis;
  readonly documents: DocumentStore;
  readonly results: ResultStore;
  /** Documents and results as the job lifecycle (lifecycle/) sees them. */
  readonly records: RedisJobRecords;
  readonly docsQueue: Queue;
  readonly pagesQueue: Queue;
  #closing: Promise<void> | undefined;
  #onError: ((err: Error) => void) | undefined;

  constructor(settings: JobSettings) {
    this.settings = settings;
    this.names = queueNames(settings.queue);
    this.redis = createRedis(settings.redisUrl);
    // ioredis reconnects by itself and commands wait for it (maxRetriesPerRequest: null); an
    // outage must not surface as an unhandled 'error' event. Who cares subscribes to onError.
    this.redis.on('error', (err: Error) => this.#onError?.(err));
    this.documents = new DocumentStore(this.redis, settings.queue, settings.ttlSeconds);
    this.results = new ResultStore(this.redis, this.documents.keys, settings.ttlSeconds);
    this.records = new RedisJobRecords(this.documents, this.results);
    const connection = redisOptions(settings.redisUrl);
    // BullMQ's own spans when tracing is on: a job carries its adder's trace context to its worker.
    this.docsQueue = new Queue(this.names.docs, { connection, prefix: BULL_PREFIX, ...bullmqTelemetry() });
    this.pagesQueue = new Queue(this.names.pages, { connection, prefix: BULL_PREFIX, ...bullmqTelemetry() });
  }

  /** A document job: retried on worker crashes; kept (for dedup and status) until the TTL. */
  docJobOptions(docId: string): JobsOptions {
    return {
      jobId: docId,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      removeOnComplete: { age: this.settings.ttlSeconds },
      removeOnFail: { age: this.settings.ttlSeconds },
    };
  }

  /**
   * A page job, child of its document job. Its result lives in the result store, so a completed
   * page job is removed at once; a failed one stays (its failure is the document's to report)
   * and is ignored by the parent, which finalises the document either way.
   */
  pageJobOptions(jobId: string, parent: { id: string; queue: string }): JobsOptions {
    return {
      jobId,
      parent,
      attempts: this.settings.attempts,
      backoff: { type: 'exponential', delay: this.settings.backoffMs },
      removeOnComplete: true,
      removeOnFail: { age: this.settings.ttlSeconds },
      ignoreDependencyOnFailure: true,
    };
  }

  /** Connection errors (Redis down, reconnecting): for logs; the client recovers by itself. */
  onError(listener: (err: Error) => void): void {
    this.#onError = listener;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([this.docsQueue.close(), this.pagesQueue.close()]);
      this.redis.disconnect();
    })();
    return this.#closing;
  }
}
