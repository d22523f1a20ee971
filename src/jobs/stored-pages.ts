/**
 * Which pages of each document were stored since a follower last looked, in the order the
 * workers stored them: the per-document list a job's event stream follows (result-store.ts),
 * read as page numbers only — no results — for many documents in one round trip. What
 * `submit --wait` shows its progress from.
 */
import type { Cluster } from './cluster.js';

/** Page numbers read per document per look: a document with more is read on in the next look. */
const PAGES_PER_LOOK = 1_000;

/** For each document, the pages stored after the first `seen` (its seq so far), oldest first. */
export async function storedPagesAfter(cluster: Cluster, seen: ReadonlyMap<string, number>): Promise<Map<string, number[]>> {
  const docIds = [...seen.keys()];
  const out = new Map<string, number[]>();
  if (docIds.length === 0) return out;
  const pipeline = cluster.redis.pipeline();
  for (const docId of docIds) {
    const from = seen.get(docId)!;
    pipeline.lrange(cluster.documents.keys.resultOrder(docId), from, from + PAGES_PER_LOOK - 1);
  }
  const replies = (await pipeline.exec()) ?? [];
  for (const [i, docId] of docIds.entries()) {
    const [err, pages] = replies[i] ?? [new Error('no reply'), null];
    if (err) throw err;
    out.set(docId, (pages as string[]).map(Number));
  }
  return out;
}
