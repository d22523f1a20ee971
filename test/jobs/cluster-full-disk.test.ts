/**
 * Issue 27, item 7: a full disk under a cluster worker's spool. A real `doclayout worker` process
 * spools PDFs to its TMPDIR, here a small tmpfs filled to the last byte before a submission of
 * multi-page PDFs is made. While no byte can be written, nothing fails: a split or a page
 * refused with LAYOUT_ERR_STORAGE_FULL (a `capacity` error in retry-policy.ts) waits in Redis
 * without spending an attempt. Once the tmpfs is enlarged (`mount -o remount,size=…`) every
 * document completes and each page is stored once. Needs `mount -t tmpfs` (root on Linux);
 * skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { Cluster, JobClient, jobSettings } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { tallyPages, workerCounter } from './cluster-tally.js';
import { clusterEnv, startWorker, stopWorker, waitFor, type WorkerProcess } from './helpers.js';
import { taggedPdf } from './serve-process.js';
import { fillToLastByte, mountTmpfs, resizeTmpfs, unmountTmpfs, type Tmpfs } from '../helpers/tmpfs.js';

const DOCUMENTS = 4;
const PAGES = 3;
/** How long the disk stays full once every split has been refused: longer than a failing document's attempts take (2, 1 s apart). */
const FULL_FOR_MS = 8_000;

const redisSkip = skipWithoutRedis();
const tmpfs: Tmpfs = redisSkip ? { dir: '', skip: redisSkip } : mountTmpfs(1024);

describe('a full disk under a cluster worker\'s spool', { skip: tmpfs.skip, timeout: 300_000 }, () => {
  let redis: RedisServer;
  let worker: WorkerProcess | undefined;
  let cluster: Cluster;

  before(async () => {
    redis = await RedisServer.start();
    cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url }, {})));
  });

  after(async () => {
    if (worker) await stopWorker(worker, 'SIGKILL');
    await cluster?.close();
    await redis?.destroy();
    if (tmpfs.dir) unmountTmpfs(tmpfs);
  });

  it('nothing fails while the spool is full; once it has room every document completes, each page stored once', async (t) => {
    // Two attempts 1 s apart: a document or page that counted the full disk as a fault would fail within seconds.
    worker = await startWorker(clusterEnv(redis.url, { TMPDIR: tmpfs.dir, DOCLAYOUT_JOB_ATTEMPTS: '2' }));
    const filler = fillToLastByte(tmpfs.dir);
    const client = new JobClient(cluster);
    await client.createSubmission('full');
    for (let i = 0; i < DOCUMENTS; i++) {
      await client.submitDocument('full', { name: `full-${i}.pdf`, bytes: await taggedPdf(`full-${i}`, PAGES) }, { params: {}, pdfDpi: resolveConfig({}, {}).pdfDpi, maxPdfPages: 0 });
    }

    // Every document's split is refused for the full spool at least once (the heartbeat counts it)…
    await waitFor(async () => (await workerCounter(cluster, 'capacityRetries')) >= DOCUMENTS || (await client.status('full'))!.docsFailed > 0, 'the splits to be refused for the full disk', 60_000);
    // …and the disk stays full well past what a failing document's attempts would take.
    await sleep(FULL_FOR_MS);
    const whileFull = (await client.status('full'))!;
    const refusedWhileFull = await workerCounter(cluster, 'capacityRetries');
    assert.equal(fs.statfsSync(tmpfs.dir).bavail, 0, 'the disk was still full');
    assert.deepEqual(
      { docsFailed: whileFull.docsFailed, pagesFailed: whileFull.pagesFailed, pagesDone: whileFull.pagesDone },
      { docsFailed: 0, pagesFailed: 0, pagesDone: 0 },
      `nothing fails while the spool is full: ${JSON.stringify(whileFull.documents.map((d) => [d.name, d.state, d.error]))}`,
    );

    // Space returns: the tmpfs grows under the filler.
    resizeTmpfs(tmpfs, 64 * 1024);
    await waitFor(async () => ['completed', 'failed'].includes((await client.status('full'))?.state ?? ''), 'the submission to finish once space returned', 180_000);
    const counts = await tallyPages(client, 'full', PAGES);
    await waitFor(async () => (await workerCounter(cluster, 'pagesStored')) >= DOCUMENTS * PAGES, 'the heartbeat to count every page', 10_000).catch(() => undefined);
    const stored = await workerCounter(cluster, 'pagesStored');
    const summary = `pages ${JSON.stringify(counts)}; worker: ${refusedWhileFull} capacity retries while full, ${stored} pages stored`;
    t.diagnostic(summary);
    assert.deepEqual(
      { accepted: counts.accepted, finished: counts.finished, failed: counts.failed, lost: counts.lost, duplicated: counts.duplicated, documents: counts.documents },
      { accepted: DOCUMENTS * PAGES, finished: DOCUMENTS * PAGES, failed: 0, lost: 0, duplicated: 0, documents: { completed: DOCUMENTS } },
      summary,
    );
    assert.equal(stored, DOCUMENTS * PAGES, `each page stored once: ${summary}`);
    fs.rmSync(filler);
  });
});
