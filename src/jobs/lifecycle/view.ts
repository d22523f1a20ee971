/**
 * What a client reads of a job (GET /v1/jobs/:id, the event stream, a callback's body on the
 * embedded store), built from either store's record by one function.
 */
import { iso, type JobState, type JobView } from '../job-service.js';
import type { JobErrorInfo, PageOutcome } from '../types.js';

/** A job as both stores keep it: the embedded store's StoredJob is one; the cluster's document maps to one. */
export interface JobRecord {
  readonly id: string;
  readonly state: JobState;
  readonly name: string;
  readonly options: { readonly tenant?: string };
  /** Pages to analyse; null until the document has been opened. */
  readonly pagesTotal: number | null;
  readonly pagesDone: number;
  readonly pagesFailed: number;
  /** A final state's error (a queued job may carry its last failed run's: not shown). */
  readonly error?: JobErrorInfo;
  readonly createdAt: number;
  readonly finishedAt?: number;
}

/**
 * The job's view. `pages` (its outcomes in page order) is shown once the job is completed or
 * failed; left out, the view has none (a follower reads pages on their own). In a failed job,
 * pages that never got an outcome count as failed.
 */
export function jobView(job: JobRecord, pages?: readonly PageOutcome[]): JobView {
  const finished = job.state === 'completed' || job.state === 'failed';
  return {
    id: job.id,
    state: job.state,
    name: job.name,
    pagesDone: job.pagesDone,
    pagesTotal: job.pagesTotal,
    pagesFailed: job.pagesFailed + (job.state === 'failed' && job.pagesTotal !== null ? Math.max(0, job.pagesTotal - job.pagesDone) : 0),
    createdAt: iso(job.createdAt)!,
    ...(job.options.tenant ? { tenant: job.options.tenant } : {}),
    ...(job.finishedAt ? { finishedAt: iso(job.finishedAt)! } : {}),
    ...(job.error && job.state !== 'queued' && job.state !== 'running' ? { error: job.error } : {}),
    ...(finished && pages ? { pages } : {}),
  };
}
