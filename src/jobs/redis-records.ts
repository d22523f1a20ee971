/**
 * The cluster's records as the job lifecycle sees them (lifecycle/): a document is a job, its
 * page outcomes are the result store's, and its final state is FINISH_DOCUMENT's (which writes
 * the callback's outbox entry with it). A document id names its submission, so the id is enough.
 */
import type { DocumentStore } from './document-store.js';
import type { StoredPage } from './job-service.js';
import type { FinalState, JobRecord, LifecycleStore } from './lifecycle/index.js';
import { submissionOfDocument } from './names.js';
import type { ResultStore } from './result-store.js';
import type { JobErrorInfo, PageOutcome, SubmissionStatus } from './types.js';

function ref(docId: string): { docId: string; submissionId: string } {
  return { docId, submissionId: submissionOfDocument(docId) };
}

export class RedisJobRecords implements LifecycleStore {
  readonly #documents: DocumentStore;
  readonly #results: ResultStore;

  constructor(documents: DocumentStore, results: ResultStore) {
    this.#documents = documents;
    this.#results = results;
  }

  pagesAfter(docId: string, afterSeq: number, limit: number): Promise<StoredPage[]> {
    return this.#results.readAfter(docId, afterSeq, limit);
  }

  storePage(docId: string, outcome: PageOutcome): Promise<boolean> {
    return this.#results.write(ref(docId), outcome);
  }

  finish(docId: string, state: FinalState, error?: JobErrorInfo): Promise<boolean> {
    return this.#documents.finish(ref(docId), state, error);
  }
}

/** A /v1/jobs job on the cluster (a submission of one document) as a job record; queued until its document is stored. */
export function submissionJobRecord(status: SubmissionStatus): JobRecord {
  const doc = status.documents[0];
  return {
    id: status.submissionId,
    state: doc?.state ?? 'queued',
    name: doc?.name ?? '',
    options: doc?.options ?? {},
    pagesTotal: doc?.pages?.length ?? null,
    pagesDone: doc?.pagesDone ?? 0,
    pagesFailed: doc?.pagesFailed ?? 0,
    ...(doc?.error ? { error: doc.error } : {}),
    createdAt: status.createdAt,
    ...(doc?.finishedAt ? { finishedAt: doc.finishedAt } : {}),
  };
}
