/**
 * Workers announce themselves in Redis every few seconds (devices, capacity, pages run, a pages/s
 * rate), so `doclayout status --redis` and /metrics can show the cluster. An entry not refreshed
 * for a few periods belongs to a worker that is gone and is dropped by whoever reads it.
 */
import os from 'node:os';
import type { Cluster } from './cluster.js';

/** How often a worker refreshes its entry, ms. */
export const HEARTBEAT_MS = 2_000;
/** An entry older than this is a worker that stopped or died, ms. */
export const WORKER_GONE_MS = HEARTBEAT_MS * 5;

export interface WorkerInfo {
  readonly id: string;
  readonly host: string;
  readonly pid: number;
  readonly devices: readonly string[];
  readonly capacity: number;
  readonly concurrency: number;
  readonly active: number;
  readonly pagesRun: number;
  readonly pagesStored: number;
  readonly cacheHits: number;
  readonly failedPages: number;
  /** Documents read from Redis or the shared path, their bytes, PDFs spooled, page trees parsed (absent from older workers). */
  readonly documentFetches?: number;
  readonly documentBytesRead?: number;
  readonly spools?: number;
  readonly pageTreeParses?: number;
  /** PDFs the worker holds open for its page jobs. */
  readonly openDocuments?: number;
  /** Pages stored per second over the last heartbeat period. */
  readonly pagesPerSec: number;
  readonly startedAt: number;
  readonly seenAt: number;
}

type Snapshot = Omit<WorkerInfo, 'id' | 'host' | 'pid' | 'pagesPerSec' | 'startedAt' | 'seenAt'>;

export class WorkerRegistry {
  readonly #cluster: Cluster;
  readonly #id: string;
  readonly #read: () => Snapshot;
  readonly #startedAt = Date.now();
  #timer: NodeJS.Timeout | undefined;
  #last = { at: Date.now(), stored: 0 };

  constructor(cluster: Cluster, id: string, read: () => Snapshot) {
    this.#cluster = cluster;
    this.#id = id;
    this.#read = read;
  }

  start(): void {
    void this.#beat();
    this.#timer = setInterval(() => void this.#beat(), HEARTBEAT_MS);
    this.#timer.unref();
  }

  async #beat(): Promise<void> {
    const snapshot = this.#read();
    const now = Date.now();
    const rate = ((snapshot.pagesStored - this.#last.stored) * 1000) / Math.max(1, now - this.#last.at);
    this.#last = { at: now, stored: snapshot.pagesStored };
    const info: WorkerInfo = { id: this.#id, host: os.hostname(), pid: process.pid, ...snapshot, pagesPerSec: Math.round(rate * 100) / 100, startedAt: this.#startedAt, seenAt: now };
    await this.#cluster.redis.hset(this.#cluster.documents.keys.workers, this.#id, JSON.stringify(info)).catch(() => undefined);
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#cluster.redis.hdel(this.#cluster.documents.keys.workers, this.#id).catch(() => undefined);
  }
}

/** Live workers of the cluster; entries of workers gone silent are removed. */
export async function listWorkers(cluster: Cluster, now = Date.now()): Promise<WorkerInfo[]> {
  const all = await cluster.redis.hgetall(cluster.documents.keys.workers);
  const live: WorkerInfo[] = [];
  const gone: string[] = [];
  for (const [id, json] of Object.entries(all)) {
    const info = JSON.parse(json) as WorkerInfo;
    if (now - info.seenAt > WORKER_GONE_MS) gone.push(id);
    else live.push(info);
  }
  if (gone.length > 0) await cluster.redis.hdel(cluster.documents.keys.workers, ...gone);
  return live.sort((a, b) => a.id.localeCompare(b.id));
}
