/**
 * What a cluster fault test counts, read from Redis as a client would find it: pages accepted (the
 * documents submitted × their pages), finished (stored ok), failed (stored as an error), lost (no
 * result at all) and duplicated (stored more than once: the per-document list of stored pages —
 * the one the event stream follows — would hold the page twice).
 */
import { JobClient, listWorkers, type Cluster } from '../../src/jobs/index.js';

export interface PageTally {
  accepted: number;
  finished: number;
  failed: number;
  lost: number;
  duplicated: number;
  /** Documents by final state (and those not finished). */
  documents: Record<string, number>;
}

/** Counts the submission's pages; `pagesEach` is what every document was submitted with. */
export async function tallyPages(client: JobClient, submissionId: string, pagesEach: number): Promise<PageTally> {
  const status = await client.status(submissionId);
  if (!status) throw new Error(`submission ${submissionId} is gone`);
  const t: PageTally = { accepted: 0, finished: 0, failed: 0, lost: 0, duplicated: 0, documents: {} };
  const { redis, documents } = client.cluster;
  for (const doc of status.documents) {
    t.documents[doc.state] = (t.documents[doc.state] ?? 0) + 1;
    t.accepted += pagesEach;
    const outcomes = await client.outcomes(doc.docId);
    const stored = new Set(outcomes.map((o) => o.page));
    t.finished += outcomes.filter((o) => o.ok).length;
    t.failed += outcomes.filter((o) => !o.ok).length;
    for (let page = 1; page <= pagesEach; page++) if (!stored.has(page)) t.lost += 1;
    const order = await redis.lrange(documents.keys.resultOrder(doc.docId), 0, -1);
    t.duplicated += order.length - new Set(order).size;
  }
  return t;
}

/** A counter summed over the live workers' heartbeats (capacityRetries, pagesStored…). */
export async function workerCounter(cluster: Cluster, name: string): Promise<number> {
  const workers = await listWorkers(cluster);
  return workers.reduce((sum, w) => sum + Number((w as unknown as Record<string, unknown>)[name] ?? 0), 0);
}
