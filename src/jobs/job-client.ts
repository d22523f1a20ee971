/**
 * The submitting and reading side of a cluster: add documents to a submission, read a
 * submission's state and results, cancel it, list submissions, count the queues. Used by `doclayout submit` / `jobs`,
 * and by the HTTP server's /v1/jobs when it has Redis.
 */
import { FINISHED_STATES, type DocumentOptions, type DocumentRecord, type PageOutcome, type SubmissionRecord, type SubmissionState, type SubmissionStatus } from './types.js';
import type { Cluster } from './cluster.js';
import { Lifecycle } from './lifecycle/index.js';
import { checkSubmissionId, documentId } from './names.js';

export interface SubmittedDocument {
  readonly docId: string;
  /** False when the submission already had it (a resumed submission): nothing was stored again. */
  readonly created: boolean;
}

export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly completed: number;
  readonly failed: number;
  readonly waitingChildren: number;
}

export function submissionState(submission: SubmissionRecord, documents: readonly DocumentRecord[]): SubmissionState {
  if (submission.canceled) return 'canceled';
  const finished = documents.filter((d) => FINISHED_STATES.includes(d.state));
  if (documents.length > 0 && finished.length === documents.length) {
    return documents.some((d) => d.state === 'failed') ? 'failed' : documents.every((d) => d.state === 'canceled') ? 'canceled' : 'completed';
  }
  return documents.some((d) => d.state !== 'queued') ? 'running' : 'queued';
}

export class JobClient {
  readonly cluster: Cluster;
  /** Cancel is the lifecycle's (the workers deliver the callbacks it leaves in the outbox). */
  readonly #lifecycle: Lifecycle;

  constructor(cluster: Cluster) {
    this.cluster = cluster;
    this.#lifecycle = new Lifecycle(cluster.records);
  }

  async createSubmission(submissionId: string): Promise<void> {
    await this.cluster.documents.createSubmission(checkSubmissionId(submissionId));
  }

  /**
   * Stores one document of the submission (bytes, or a shared path) and queues its document job.
   * Idempotent: the job id is the document id, so a resumed submitter adds nothing twice.
   */
  async submitDocument(submissionId: string, input: { name: string; bytes?: Uint8Array; path?: string }, options: DocumentOptions): Promise<SubmittedDocument> {
    const docId = documentId(submissionId, input.name);
    const created = await this.cluster.documents.addDocument({ docId, submissionId, name: input.name, options, ...(input.bytes ? { bytes: input.bytes } : { path: input.path! }) });
    if (!created) {
      const existing = await this.cluster.documents.getDocument(docId);
      if (existing && FINISHED_STATES.includes(existing.state)) return { docId, created };
    }
    // A document job that failed for good (workers crashing under it) is retried by a resume;
    // one still queued or waiting for its pages is left alone (same job id: add is a no-op).
    const existing = created ? undefined : await this.cluster.docsQueue.getJob(docId);
    if (existing && (await existing.isFailed())) await existing.retry();
    // When tracing is on, BullMQ's telemetry puts the active trace context in the job's options.
    else await this.cluster.docsQueue.add('document', { batchId: submissionId, docId }, this.cluster.docJobOptions(docId)); // job data: batchId (names.ts)
    return { docId, created };
  }

  async status(submissionId: string): Promise<SubmissionStatus | undefined> {
    // Documents first: the submission's counters only grow, so once every document read is finished,
    // the counters read after them count all of them (read the other way round, the last document
    // could finish in between and be missing from docsCompleted).
    const documents = await this.cluster.documents.getDocuments(await this.cluster.documents.documentIds(submissionId));
    const submission = await this.cluster.documents.getSubmission(submissionId);
    if (!submission) return undefined;
    return { ...submission, state: submissionState(submission, documents), documents };
  }

  outcomes(docId: string): Promise<PageOutcome[]> {
    return this.cluster.results.read(docId);
  }

  /** Outcomes stored after the `afterSeq`-th, in the order they were stored. */
  outcomesAfter(docId: string, afterSeq: number, limit: number): Promise<Array<{ seq: number; outcome: PageOutcome }>> {
    return this.cluster.results.readAfter(docId, afterSeq, limit);
  }

  markFetched(doc: DocumentRecord): Promise<void> {
    return this.cluster.documents.markFetched(doc);
  }

  /**
   * Cancels every unfinished document of the submission and removes its waiting jobs. Jobs a worker
   * holds right now finish on their own and find their document canceled.
   */
  async cancel(submissionId: string): Promise<SubmissionStatus | undefined> {
    const { documents, docsQueue } = this.cluster;
    if (!(await documents.getSubmission(submissionId))) return undefined;
    await documents.markCanceled(submissionId);
    const docs = await documents.getDocuments(await documents.documentIds(submissionId));
    for (const doc of docs) {
      if (FINISHED_STATES.includes(doc.state)) continue;
      await this.#lifecycle.cancel(doc.docId);
      // A locked job (in a worker's hands) cannot be removed; it ends by itself.
      await docsQueue.remove(doc.docId, { removeChildren: true }).catch(() => 0);
    }
    return this.status(submissionId);
  }

  async listSubmissions(limit?: number): Promise<SubmissionRecord[]> {
    const ids = await this.cluster.documents.listSubmissions(limit);
    const submissions = await Promise.all(ids.map((id) => this.cluster.documents.getSubmission(id)));
    return submissions.filter((s): s is SubmissionRecord => s !== undefined);
  }

  async queueCounts(): Promise<{ documents: QueueCounts; pages: QueueCounts; stalled: number }> {
    const read = async (queue: Cluster['pagesQueue']): Promise<QueueCounts> => {
      const c = await queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed', 'waiting-children', 'prioritized');
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        completed: c.completed ?? 0,
        failed: c.failed ?? 0,
        waitingChildren: c['waiting-children'] ?? 0,
      };
    };
    const [documents, pages, stalled] = await Promise.all([
      read(this.cluster.docsQueue),
      read(this.cluster.pagesQueue),
      this.cluster.redis.hget(this.cluster.documents.keys.counters, 'stalled'),
    ]);
    return { documents, pages, stalled: Number(stalled ?? 0) };
  }
}
