/**
 * The async job API behind /v1/jobs: submit one document, read its state (with per-page results
 * or errors once done), cancel it, and the figures /metrics reports. Two implementations: on a
 * Redis cluster (any instance answers for any job) and embedded in the server process (no Redis;
 * jobs live in SQLite in the data directory). Both survive restarts.
 */
import type { UploadedFile } from '../document/index.js';
import type { DocumentOptions, JobErrorInfo, PageOutcome } from './types.js';

export type JobState = 'queued' | 'running' | 'completed' | 'failed' | 'canceled';

export interface JobView {
  readonly id: string;
  readonly state: JobState;
  readonly name: string;
  readonly pagesDone: number;
  /** Pages to analyse; null until the document has been opened. */
  readonly pagesTotal: number | null;
  readonly pagesFailed: number;
  readonly createdAt: string;
  readonly finishedAt?: string;
  readonly error?: JobErrorInfo;
  /** Who submitted it, when tenants are configured. */
  readonly tenant?: string;
  /** Per-page results or errors, in page order, once the job is finished. */
  readonly pages?: readonly PageOutcome[];
}

export interface JobMetrics {
  readonly backend: 'embedded' | 'redis';
  /** Page jobs waiting for a device. */
  readonly waiting: number;
  readonly active: number;
  readonly completed: number;
  readonly failed: number;
  /** Jobs whose worker died under them and that were handed to another. */
  readonly stalled: number;
  readonly cacheHits: number;
  readonly cacheMisses: number;
  /** Pages stored per worker (the server itself in embedded mode). */
  readonly workers: ReadonlyArray<{ readonly id: string; readonly pagesStored: number; readonly active: number; readonly pagesPerSec: number }>;
}

/** A page's outcome as the job's event stream sends it: `seq` numbers a job's pages in the order they were stored, from 1. */
export interface StoredPage {
  readonly seq: number;
  readonly outcome: PageOutcome;
}

/** What a follower of a job (its event stream, its NDJSON results) reads on each look. */
export interface JobProgress {
  /** The job's state and counts (without its pages). */
  readonly view: JobView;
  /** Pages stored after the `afterSeq` asked for, in `seq` order (at most a few hundred a look). */
  readonly pages: readonly StoredPage[];
}

export interface JobService {
  readonly backend: JobMetrics['backend'];
  submit(file: UploadedFile, options: DocumentOptions): Promise<JobView>;
  get(id: string): Promise<JobView | undefined>;
  /** The job's state and the pages stored after `afterSeq`; undefined for an unknown job. */
  follow(id: string, afterSeq: number): Promise<JobProgress | undefined>;
  cancel(id: string): Promise<JobView | undefined>;
  metrics(): Promise<JobMetrics>;
  /** Stops taking jobs; embedded: pages in flight finish and unfinished jobs stay queued for the next start. Redis: closes connections. */
  close(): Promise<void>;
}

export function iso(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : new Date(ms).toISOString();
}
