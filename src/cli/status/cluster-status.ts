/**
 * `doclayout status --redis URL`: the cluster as its queue sees it — workers alive (devices,
 * jobs held, pages stored, pages/s), queue depth and totals — as a table or JSON. Healthy means
 * at least one worker is alive.
 */
import { JobClient, listWorkers, type QueueCounts, type WorkerInfo } from '../../jobs/index.js';

interface ClusterStatus {
  readonly time: string;
  readonly queue: string;
  readonly healthy: boolean;
  readonly workers: readonly WorkerInfo[];
  readonly pagesPerSec: number;
  readonly documents: QueueCounts;
  readonly pages: QueueCounts;
  readonly stalled: number;
}

export async function readClusterStatus(client: JobClient): Promise<ClusterStatus> {
  const [workers, counts] = await Promise.all([listWorkers(client.cluster), client.queueCounts()]);
  return {
    time: new Date().toISOString(),
    queue: client.cluster.settings.queue,
    healthy: workers.length > 0,
    workers,
    pagesPerSec: Math.round(workers.reduce((sum, w) => sum + w.pagesPerSec, 0) * 100) / 100,
    documents: counts.documents,
    pages: counts.pages,
    stalled: counts.stalled,
  };
}

function table(rows: readonly string[][]): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => r[c]!.length)));
  return rows.map((r) => r.map((cell, c) => cell.padEnd(widths[c]!)).join('  ').trimEnd()).join('\n');
}

export function clusterTable(s: ClusterStatus): string {
  const header = `queue ${s.queue}: ${s.pages.waiting} pages waiting, ${s.pages.active} active, ${s.pages.delayed} retrying, ${s.pages.failed} failed; ` +
    `${s.documents.waiting + s.documents.waitingChildren + s.documents.active} documents open; ${s.stalled} stalled so far; ${s.pagesPerSec} pages/s`;
  if (s.workers.length === 0) return `${header}\nno worker alive\n`;
  const rows = [
    ['WORKER', 'HOST', 'DEVICES', 'CAPACITY', 'HELD', 'PAGES', 'CACHE HITS', 'PAGES/S', 'SEEN'],
    ...s.workers.map((w) => [
      w.id, w.host, w.devices.join(','), String(w.capacity), `${w.active}/${w.concurrency}`, String(w.pagesStored), String(w.cacheHits),
      w.pagesPerSec.toFixed(2), `${Math.round((Date.parse(s.time) - w.seenAt) / 1000)}s ago`,
    ]),
  ];
  return `${header}\n${table(rows)}\n`;
}
