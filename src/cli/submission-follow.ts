/**
 * `submit --wait`'s view of a submission. Each document's pages are read as they are stored — the
 * per-document list that a job's event stream (/v1/jobs/:id/events) follows — so progress moves
 * page by page, documents still running included. The submission's record (its documents' states and
 * planned pages) has no stream: it is read on some looks only. A document seen finished had all
 * its pages in the list when its state was read, so it is reported once they are all followed,
 * and before its results are written (writing them deletes the list).
 */
import { FINISHED_STATES, storedPagesAfter, type DocumentRecord, type JobClient, type SubmissionStatus } from '../jobs/index.js';

export interface FollowedPage {
  readonly doc: DocumentRecord;
  readonly page: number;
}

export interface SubmissionCounts {
  /** Pages stored so far: those followed, or a finished document's own count where higher (pages written by an earlier run). */
  readonly pagesDone: number;
  /** Pages known: the total grows as workers open the documents. */
  readonly pagesTotal: number;
  readonly docsDone: number;
  readonly docsTotal: number;
  /** Documents under way (some pages stored, more to come): name, pages done, pages planned. */
  readonly running: ReadonlyArray<{ readonly name: string; readonly done: number; readonly total: number }>;
}

export interface SubmissionLook {
  /** The submission as last read (this look, or an earlier one). */
  readonly status: SubmissionStatus;
  /** Pages stored since the last look, in the order stored, document by document. */
  readonly pages: readonly FollowedPage[];
  /** Documents finished since the last look, every page of theirs followed. */
  readonly finished: readonly DocumentRecord[];
  readonly counts: SubmissionCounts;
  /** The submission ended and every document was followed to its end. */
  readonly ended: boolean;
}

export class SubmissionFollower {
  readonly #client: JobClient;
  readonly #submissionId: string;
  /** Pages followed per document (how far into its stored-page list). */
  readonly #seen = new Map<string, number>();
  readonly #finished = new Set<string>();
  #status: SubmissionStatus | undefined;

  constructor(client: JobClient, submissionId: string) {
    this.#client = client;
    this.#submissionId = submissionId;
  }

  /** Reads the pages stored since the last look; the submission's record too with `readStatus` (always on the first look). */
  async look(readStatus: boolean): Promise<SubmissionLook> {
    if (readStatus || !this.#status) {
      const status = await this.#client.status(this.#submissionId);
      if (!status) throw new Error(`batch ${this.#submissionId} is gone (expired?)`);
      this.#status = status;
    }
    const status = this.#status;
    const follow = new Map<string, number>();
    for (const doc of status.documents) {
      if (doc.state !== 'queued' && !this.#finished.has(doc.docId)) follow.set(doc.docId, this.#seen.get(doc.docId) ?? 0);
    }
    const stored = await storedPagesAfter(this.#client.cluster, follow);
    const pages: FollowedPage[] = [];
    const finished: DocumentRecord[] = [];
    for (const doc of status.documents) {
      const numbers = stored.get(doc.docId);
      if (!numbers) continue;
      for (const page of numbers) pages.push({ doc, page });
      const seen = (this.#seen.get(doc.docId) ?? 0) + numbers.length;
      this.#seen.set(doc.docId, seen);
      // Its list read to the end (or gone: written by an earlier run, expired).
      if (FINISHED_STATES.includes(doc.state) && (seen >= doc.pagesDone || numbers.length === 0)) {
        this.#finished.add(doc.docId);
        finished.push(doc);
      }
    }
    const ended = status.state !== 'queued' && status.state !== 'running' && status.documents.every((d) => this.#finished.has(d.docId));
    return { status, pages, finished, counts: this.#counts(status), ended };
  }

  #counts(status: SubmissionStatus): SubmissionCounts {
    let pagesDone = 0;
    const running: Array<{ name: string; done: number; total: number }> = [];
    for (const doc of status.documents) {
      const seen = this.#seen.get(doc.docId) ?? 0;
      const finished = this.#finished.has(doc.docId);
      pagesDone += finished ? Math.max(seen, doc.pagesDone) : seen;
      if (!finished && seen > 0) running.push({ name: doc.name, done: seen, total: doc.pages?.length ?? seen });
    }
    return { pagesDone, pagesTotal: Math.max(status.pagesTotal, pagesDone), docsDone: this.#finished.size, docsTotal: status.documents.length, running };
  }
}
