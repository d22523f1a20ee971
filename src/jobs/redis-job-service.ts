/**
 * /v1/jobs on a cluster: a job is a submission of one document, stored in Redis and run by the
 * cluster's workers. Nothing lives in the server, so a restarted server (or any other instance)
 * answers for every job.
 */
import type { UploadedFile } from '../document/index.js';
import type { Cluster } from './cluster.js';
import { JobClient } from './job-client.js';
import type { JobMetrics, JobProgress, JobService, JobView } from './job-service.js';
import { jobView } from './lifecycle/index.js';
import { newSubmissionId } from './names.js';
import { submissionJobRecord } from './redis-records.js';
import { FINISHED_STATES, type DocumentOptions, type SubmissionStatus } from './types.js';
import { listWorkers } from './worker-registry.js';

/** Pages a follower reads per look. */
const FOLLOW_PAGES = 200;

export class RedisJobService implements JobService {
  readonly backend = 'redis' as const;
  readonly #client: JobClient;

  constructor(cluster: Cluster) {
    this.#client = new JobClient(cluster);
  }

  async submit(file: UploadedFile, options: DocumentOptions): Promise<JobView> {
    const id = newSubmissionId('job');
    await this.#client.createSubmission(id);
    await this.#client.submitDocument(id, { name: file.name, bytes: file.bytes }, options);
    return (await this.get(id))!;
  }

  async get(id: string): Promise<JobView | undefined> {
    const status = await this.#client.status(id);
    return status ? this.#view(status) : undefined;
  }

  /** The job's state, and its pages in the order the workers stored them (a list beside the results). */
  async follow(id: string, afterSeq: number): Promise<JobProgress | undefined> {
    const status = await this.#client.status(id);
    if (!status) return undefined;
    const view = await this.#view(status, false);
    const doc = status.documents[0];
    const pages = doc && afterSeq < Number.MAX_SAFE_INTEGER ? await this.#client.outcomesAfter(doc.docId, afterSeq, FOLLOW_PAGES) : [];
    return { view, pages };
  }

  async cancel(id: string): Promise<JobView | undefined> {
    const status = await this.#client.cancel(id);
    return status ? this.#view(status) : undefined;
  }

  async #view(status: SubmissionStatus, withPages = true): Promise<JobView> {
    const doc = status.documents[0];
    const finished = doc !== undefined && FINISHED_STATES.includes(doc.state);
    const pages = withPages && finished && doc.state !== 'canceled' ? await this.#client.outcomes(doc.docId) : undefined;
    return jobView(submissionJobRecord(status), pages);
  }

  async metrics(): Promise<JobMetrics> {
    const cluster = this.#client.cluster;
    const [counts, workers, counters] = await Promise.all([
      this.#client.queueCounts(),
      listWorkers(cluster),
      cluster.redis.hgetall(cluster.documents.keys.counters),
    ]);
    return {
      backend: 'redis',
      waiting: counts.pages.waiting + counts.pages.delayed,
      active: counts.pages.active,
      completed: Number(counters.pagesDone ?? 0),
      failed: counts.pages.failed,
      stalled: counts.stalled,
      cacheHits: Number(counters.cacheHits ?? 0),
      cacheMisses: Number(counters.cacheMisses ?? 0),
      workers: workers.map((w) => ({ id: w.id, pagesStored: w.pagesStored, active: w.active, pagesPerSec: w.pagesPerSec })),
    };
  }

  close(): Promise<void> {
    return this.#client.cluster.close();
  }
}
