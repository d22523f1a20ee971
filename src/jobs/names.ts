/**
 * Every name the cluster shares through Redis, built in one place: the two BullMQ queues of a
 * cluster queue name (documents and pages), our own keys beside them, and the ids of
 * submissions, documents and page jobs. Ids are deterministic, so submitting the same files under
 * the same id again finds the jobs and records it already made instead of adding duplicates.
 *
 * A cluster's set of submitted documents is a *submission* in the code. Everything stored or on
 * the wire keeps the name it had, *batch*, so data written and scripts written for earlier
 * versions still work: the Redis keys (`…:batch:<id>`, `…:batch:<id>:docs`, `…:batches`), the
 * document hash's `batchId` field, the `batchId` in BullMQ job data, and `batchId` in public JSON
 * (a callback's `document`, `jobs status|list --json`: documentJson/submissionJson below), and
 * the CLI's `--batch-id`, `<batch-id>` and the word its help and messages use.
 */
import { createHash, randomBytes } from 'node:crypto';
import { InvalidParamError } from '../errors.js';
import type { DocumentRecord, SubmissionRecord } from './types.js';

/** The queue a cluster uses when none is named. */
export const DEFAULT_QUEUE = 'doclayout';
/** BullMQ's key prefix: `doclayout-bull:<queue>-docs:…`. */
export const BULL_PREFIX = 'doclayout-bull';
/** Our own records (documents, results, submissions, workers): `doclayout-data:<queue>:…`. */
const DATA_PREFIX = 'doclayout-data';

const QUEUE_NAME = /^[a-z0-9][a-z0-9_-]{0,63}$/i;
/** BullMQ job ids may not contain ':' nor be integers; ours always start with a letter. */
const SUBMISSION_ID = /^[A-Za-z][\w.-]{0,63}$/;

export function checkQueueName(name: string): string {
  if (!QUEUE_NAME.test(name)) throw InvalidParamError('--queue', `expected letters, digits, "_" or "-" (at most 64), got "${name}"`);
  return name;
}

export function checkSubmissionId(id: string): string {
  if (!SUBMISSION_ID.test(id)) throw InvalidParamError('batch id', `expected a letter then letters, digits, "_", "." or "-" (at most 64), got "${id}"`);
  return id;
}

/** A new submission id: `b-` + 16 hex digits. */
export function newSubmissionId(prefix = 'b'): string {
  return `${prefix}-${randomBytes(8).toString('hex')}`;
}

/** A document's id within its submission: stable for the same input name, so a resumed submission finds it. */
export function documentId(submissionId: string, inputName: string): string {
  return `${submissionId}.${createHash('sha256').update(inputName).digest('hex').slice(0, 16)}`;
}

/** The submission a document id belongs to. */
export function submissionOfDocument(docId: string): string {
  return docId.slice(0, docId.lastIndexOf('.'));
}

export function pageJobId(docId: string, page: number): string {
  return `${docId}.p${page}`;
}

export interface QueueNames {
  readonly name: string;
  /** BullMQ queue of document jobs (split into pages, then finalised when the pages are done). */
  readonly docs: string;
  /** BullMQ queue of page jobs, the children of document jobs. */
  readonly pages: string;
}

export function queueNames(name = DEFAULT_QUEUE): QueueNames {
  checkQueueName(name);
  return { name, docs: `${name}-docs`, pages: `${name}-pages` };
}

/** Our keys for one cluster queue. */
export function dataKeys(queue: string) {
  const base = `${DATA_PREFIX}:${queue}`;
  return {
    /** Hash of the submission's counters (stored under `batch`, as before: see the top). */
    submission: (submissionId: string) => `${base}:batch:${submissionId}`,
    /** List of the submission's document ids, in submission order. */
    submissionDocs: (submissionId: string) => `${base}:batch:${submissionId}:docs`,
    doc: (docId: string) => `${base}:doc:${docId}`,
    docBytes: (docId: string) => `${base}:doc:${docId}:bytes`,
    /** Hash page number → result JSON (or error JSON): one field per (document, page). */
    results: (docId: string) => `${base}:doc:${docId}:results`,
    /** The pages in the order their results were stored (a job's event stream numbers them so). */
    resultOrder: (docId: string) => `${base}:doc:${docId}:order`,
    /** A finished document's callback still to deliver (url, key, attempts): the cluster's outbox entry. */
    callback: (docId: string) => `${base}:doc:${docId}:callback`,
    /** Sorted set of document ids with a callback to deliver, by when it is due (or its lease ends). */
    callbacks: `${base}:callbacks`,
    /** Sorted set of submission ids by creation time, for `jobs list`. */
    submissions: `${base}:batches`,
    /** Hash worker id → heartbeat JSON. */
    workers: `${base}:workers`,
    /** Cluster-wide counters (stalled jobs seen, pages done). */
    counters: `${base}:counters`,
  };
}

export type DataKeys = ReturnType<typeof dataKeys>;

/** A document record as public JSON: its submission's id is `batchId` (see the top). */
export function documentJson({ docId, submissionId, ...rest }: DocumentRecord): Record<string, unknown> {
  return { docId, batchId: submissionId, ...rest };
}

/** A submission's record (and its documents, when it has them) as public JSON: `batchId` (see the top). */
export function submissionJson<T extends SubmissionRecord & { documents?: readonly DocumentRecord[] }>({ submissionId, ...rest }: T): Record<string, unknown> {
  return { batchId: submissionId, ...rest, ...(rest.documents ? { documents: rest.documents.map(documentJson) } : {}) };
}
