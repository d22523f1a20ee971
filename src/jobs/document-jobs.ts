/**
 * A cluster worker's document jobs: the split — open the document, record its pages, add a child
 * page job for each page without a result — and, once every child is done, the document's final
 * state through the job lifecycle (lifecycle/): pages out of attempts are stored as failed
 * (LAYOUT_ERR_RETRIES_EXHAUSTED with their last error), and the failed-page rule decides. A split
 * that fails is retried by BullMQ unless the retry policy says otherwise; a document job out of
 * attempts fails its document with the last error, so every document reaches a final state.
 */
import { WaitingChildrenError, type Job } from 'bullmq';
import { RetriesExhaustedError } from '../errors.js';
import { waitForCapacity } from './capacity-wait.js';
import type { Cluster } from './cluster.js';
import type { Lifecycle } from './lifecycle/index.js';
import { pageJobId } from './names.js';
import type { OpenDocuments } from './open-documents.js';
import { planPages, type PageRunnerContext } from './page-runner.js';
import { classifyError } from './retry-policy.js';
import { docJobSchema, FINISHED_STATES, type DocumentRecord, type DocumentState, type PageOutcome } from './types.js';

/** Steps of a document job (kept in its data, so a retry resumes at the right one). */
type DocStep = 'split' | 'wait';

export interface DocumentJobsContext {
  readonly cluster: Cluster;
  readonly pages: PageRunnerContext;
  readonly open: OpenDocuments;
  readonly lifecycle: Lifecycle;
  /** A document this worker moved to its final state. */
  readonly finished: (docId: string, state: DocumentState) => void;
  /** A split refused for capacity, put back with a delay (capacity-wait.ts). */
  readonly capacityWait: () => void;
}

export class DocumentJobs {
  readonly #ctx: DocumentJobsContext;

  constructor(ctx: DocumentJobsContext) {
    this.#ctx = ctx;
  }

  /** One run of a document job: split (once), then wait for its children, then finalise. */
  async process(job: Job, token: string | undefined): Promise<string> {
    const { docId } = docJobSchema.parse(job.data);
    const doc = await this.#ctx.cluster.documents.getDocument(docId);
    if (!doc || FINISHED_STATES.includes(doc.state)) return 'finished';
    let step: DocStep = (job.data as { step?: DocStep }).step ?? 'split';
    if (step === 'split') {
      const failed = await this.#split(job, token, doc);
      if (failed) return 'failed';
      await job.updateData({ ...job.data, step: 'wait' });
      step = 'wait';
    }
    if (await job.moveToWaitingChildren(token!)) throw new WaitingChildrenError();
    return this.#finalize(job, docId);
  }

  /** A document job out of attempts (its split or its finalising kept failing): the document fails with the last error. */
  async outOfAttempts(job: Job, err: Error): Promise<void> {
    const { docId } = docJobSchema.parse(job.data);
    const doc = await this.#ctx.cluster.documents.getDocument(docId);
    if (!doc || FINISHED_STATES.includes(doc.state)) return;
    this.#ended(docId, 'failed', await this.#ctx.lifecycle.fail(docId, err, `document ${doc.name}`));
  }

  /** Plans the pages and adds a child job for each page without a result. True if the document failed. */
  async #split(job: Job, token: string | undefined, doc: DocumentRecord): Promise<boolean> {
    const { cluster, lifecycle } = this.#ctx;
    const { documents, results, pagesQueue } = cluster;
    let plan;
    try {
      plan = await planPages(this.#ctx.pages, doc, () => documents.getBytes(doc));
    } catch (err) {
      const error = classifyError(err, `document ${doc.name}`);
      // Refused for capacity (a full spool disk): the split waits in Redis without spending an attempt.
      await waitForCapacity(job, token, error, this.#ctx.capacityWait);
      // Another fault: BullMQ runs the split again (its attempts, its backoff), until the policy or its last attempt says no.
      const runs = job.opts.attempts ?? 1;
      const decision = await lifecycle.runFailed(doc.docId, error, { attempts: job.attemptsMade + 1, faultAttempts: runs, capacityAttempts: runs, what: `document ${doc.name}` });
      if (decision.retry) throw decision.error;
      this.#ended(doc.docId, 'failed', decision.changed);
      return true;
    }
    await documents.setPages(doc, plan.pages, plan.pageCount, plan.pdf);
    const pending: number[] = [];
    for (const page of plan.pages) if (!(await results.has(doc.docId, page))) pending.push(page);
    const parent = { id: job.id!, queue: job.queueQualifiedName };
    // The trace context goes on to each page with BullMQ's telemetry (in the job's options).
    await pagesQueue.addBulk(pending.map((page) => ({
      name: 'page',
      data: { batchId: doc.submissionId, docId: doc.docId, page }, // job data: batchId (names.ts)
      opts: cluster.pageJobOptions(pageJobId(doc.docId, page), parent),
    })));
    return false;
  }

  /** Every child is done: pages with no result failed for good; the document takes its state. */
  async #finalize(job: Job, docId: string): Promise<string> {
    const { cluster, lifecycle } = this.#ctx;
    const doc = await cluster.documents.getDocument(docId);
    if (!doc || FINISHED_STATES.includes(doc.state)) return 'finished';
    // Failed children by job key (<prefix>:<queue>:<job id>), with their last error.
    const failures = await job.getIgnoredChildrenFailures().catch(() => ({} as Record<string, string>));
    const stored = new Set((await cluster.results.read(docId)).map((o) => o.page));
    const outOfAttempts: PageOutcome[] = [];
    for (const page of doc.pages ?? []) {
      if (stored.has(page)) continue;
      const key = Object.keys(failures).find((k) => k.endsWith(`:${pageJobId(docId, page)}`));
      const reason = (key && failures[key]) || 'the page job failed';
      const error = RetriesExhaustedError(pageJobId(docId, page), cluster.settings.attempts, reason);
      outOfAttempts.push({ page, ok: false, error: { code: error.code, message: error.message } });
    }
    const { state, changed } = await lifecycle.pagesDone(docId, outOfAttempts);
    this.#ended(docId, state, changed);
    return state;
  }

  /** The document has a final state (set by this call when `changed`): its open PDF here is of no more use. */
  #ended(docId: string, state: DocumentState, changed: boolean): void {
    this.#ctx.open.finish(docId);
    if (changed) this.#ctx.finished(docId, state);
  }
}
