/**
 * Where the jobs of /v1/jobs live, behind one interface: the job's row and its upload, each
 * page's outcome (stored once: a page stored twice keeps its first outcome), the state machine
 * queued → running → completed | failed | canceled (running goes back to queued when the server
 * stops under it), TTL expiry, and the outbox of callbacks still to deliver. The embedded store is
 * SQLite in a data directory (sqlite-store.ts).
 */
import type { OutboxEntry, OutboxStore } from '../callback-outbox.js';
import type { JobState, StoredPage } from '../job-service.js';
import type { DocumentOptions, JobErrorInfo, PageOutcome } from '../types.js';

export interface StoredJob {
  readonly id: string;
  readonly name: string;
  readonly state: JobState;
  readonly sha256: string;
  readonly size: number;
  readonly options: DocumentOptions;
  /** Pages to analyse; null until the document has been opened. */
  readonly pagesTotal: number | null;
  /** Whether the bytes sniffed as a PDF; null until opened. */
  readonly pdf: boolean | null;
  readonly pagesDone: number;
  readonly pagesFailed: number;
  /** Runs that ended in an error the retry policy retries. */
  readonly attempts: number;
  readonly error?: JobErrorInfo;
  readonly createdAt: number;
  readonly finishedAt?: number;
}

export interface NewJob {
  readonly id: string;
  readonly name: string;
  readonly sha256: string;
  readonly options: DocumentOptions;
  readonly createdAt: number;
}

export type { OutboxEntry };

export interface JobCounts {
  readonly queued: number;
  readonly running: number;
  readonly completed: number;
  readonly failed: number;
  readonly canceled: number;
}

/** The job store, and the outbox of its callbacks (callback-outbox.ts delivers them). */
export interface JobStore extends OutboxStore {
  /** The data directory (for messages and metrics). */
  readonly location: string;
  /** Spools the upload and records the job, both on disk (fsync'd) before this resolves. */
  accept(job: NewJob, bytes: Uint8Array): Promise<StoredJob>;
  job(id: string): Promise<StoredJob | undefined>;
  /** Stored page outcomes, in page order. */
  pages(id: string): Promise<PageOutcome[]>;
  /** Pages stored after `afterSeq`, in the order they were stored (a job's event stream). */
  pagesAfter(id: string, afterSeq: number, limit: number): Promise<StoredPage[]>;
  /** The pages that have an outcome already: a rerun skips them. */
  donePages(id: string): Promise<Set<number>>;
  /** The upload's bytes; LAYOUT_ERR_DOCUMENT_EXPIRED when the spool file is gone. */
  upload(id: string): Promise<Uint8Array>;
  /** queued (or left running) → running; false when the job is finished (canceled meanwhile). */
  start(id: string): Promise<boolean>;
  opened(id: string, pagesTotal: number, pdf: boolean): Promise<void>;
  /** Stores a page's outcome unless it has one; true when this call stored it. */
  storePage(id: string, outcome: PageOutcome): Promise<boolean>;
  /** running → queued (stopped, or a retryable error); `failedRun` counts an attempt. */
  requeue(id: string, failedRun?: JobErrorInfo): Promise<void>;
  /**
   * A terminal state, once: false when the job was finished already. The upload is deleted, and
   * with a callback URL an outbox entry is written in the same transaction.
   */
  finish(id: string, state: 'completed' | 'failed' | 'canceled', error?: JobErrorInfo): Promise<boolean>;
  /** Jobs to run, oldest first (at start: those left running by a stopped server too). */
  runnable(): Promise<string[]>;
  counts(): Promise<JobCounts>;
  /** Deletes jobs finished more than ttlMs ago, with their pages, uploads and callbacks; returns how many. */
  expire(now: number, ttlMs: number): Promise<number>;
  close(): Promise<void>;
}
