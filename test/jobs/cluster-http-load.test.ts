/**
 * Issue 27, item 5: a real `doclayout serve --redis … --cluster-worker` process whose pool is kept
 * full by HTTP load on /v1/layout (a one-page queue: callers get 429) while it runs a submission of
 * multi-page PDFs as cluster page jobs. A page refused for capacity waits in Redis without
 * spending an attempt (retry-policy.ts): every page ends stored ok — none failed, none lost, none
 * stored twice — and the worker's heartbeat shows the refusals it waited out.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { request } from 'undici';
import { resolveConfig } from '../../src/config.js';
import { Cluster, JobClient, jobSettings } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { killServes, ready, startServe, stop } from '../helpers/serve-child.js';
import { multipart } from '../server/helpers.js';
import { tallyPages, workerCounter } from './cluster-tally.js';
import { waitFor } from './helpers.js';
import { taggedPdf } from './serve-process.js';

const skip = skipWithoutRedis();
const DOCUMENTS = 6;
const PAGES = 4;
/** Interactive callers hammering /v1/layout at once. */
const CALLERS = 6;

describe('serve --cluster-worker with its pool full of HTTP load', { skip, timeout: 300_000 }, () => {
  let redis: RedisServer;
  let server: Awaited<ReturnType<typeof startServe>>;
  let cluster: Cluster;

  before(async () => {
    redis = await RedisServer.start();
    server = await startServe({ DOCLAYOUT_JOB_LOCK_MS: '2000' }, [
      '--redis', redis.url, '--cluster-worker', '--max-queue', '1', '--max-batch', '1',
      '--max-queue-delay-ms', '1', '--max-event-loop-lag-ms', '0', '--log-level', 'warn',
    ]);
    await ready(server.url);
    cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url }, {})));
  });

  after(async () => {
    if (server) await stop(server.child);
    killServes();
    await cluster?.close();
    await redis?.destroy();
  });

  it('no page ends failed: refusals wait in Redis, every page is stored once', async (t) => {
    const client = new JobClient(cluster);
    const png = await sharp({ create: { width: 1200, height: 1600, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const answers: Record<string, number> = {};
    let flooding = true;
    const flood = Array.from({ length: CALLERS }, async () => {
      while (flooding) {
        const body = multipart([{ name: 'load.png', bytes: png }]);
        const res = await request(`${server.url}/v1/layout`, { method: 'POST', headers: body.headers, body: body.payload });
        const json = (await res.body.json().catch(() => ({}))) as { error?: { code?: string } };
        const key = res.statusCode === 200 ? '200' : `${res.statusCode} ${json.error?.code ?? '?'}`;
        answers[key] = (answers[key] ?? 0) + 1;
        // A refusal comes at once: give the server's event loop room between tries.
        if (res.statusCode !== 200) await sleep(5);
      }
    });

    await client.createSubmission('load');
    for (let i = 0; i < DOCUMENTS; i++) {
      await client.submitDocument('load', { name: `load-${i}.pdf`, bytes: await taggedPdf(`load-${i}`, PAGES) }, { params: {}, pdfDpi: resolveConfig({}, {}).pdfDpi, maxPdfPages: 0 });
    }
    // Load until the worker has put pages back for capacity (its heartbeat says so), then stop.
    try {
      await waitFor(async () => (await workerCounter(cluster, 'capacityRetries')) >= 3, 'page jobs refused by the full pool and put back', 120_000);
    } finally {
      flooding = false;
      await Promise.all(flood);
    }
    await waitFor(async () => ['completed', 'failed'].includes((await client.status('load'))?.state ?? ''), 'the submission to finish', 180_000);
    const counts = await tallyPages(client, 'load', PAGES);
    // The heartbeat is at most a couple of seconds old: wait for it to show every page.
    await waitFor(async () => (await workerCounter(cluster, 'pagesStored')) >= DOCUMENTS * PAGES, 'the heartbeat to count every page', 10_000).catch(() => undefined);
    const capacityRetries = await workerCounter(cluster, 'capacityRetries');
    const stored = await workerCounter(cluster, 'pagesStored');
    const failedPages = await workerCounter(cluster, 'failedPages');
    const summary = `pages ${JSON.stringify(counts)}; HTTP answers ${JSON.stringify(answers)}; worker: ${capacityRetries} capacity retries, ${stored} pages stored, ${failedPages} page jobs failed`;
    t.diagnostic(summary);

    const refused = Object.entries(answers).filter(([k]) => k.startsWith('429')).reduce((n, [, v]) => n + v, 0);
    assert.ok(refused > 0, `the pool really was full: ${summary}`);
    assert.ok(answers['429 LAYOUT_ERR_POOL_QUEUE_FULL']! > 0, summary);
    assert.ok(capacityRetries > 0, summary);
    assert.deepEqual(
      { accepted: counts.accepted, finished: counts.finished, failed: counts.failed, lost: counts.lost, duplicated: counts.duplicated, documents: counts.documents },
      { accepted: DOCUMENTS * PAGES, finished: DOCUMENTS * PAGES, failed: 0, lost: 0, duplicated: 0, documents: { completed: DOCUMENTS } },
      summary,
    );
    assert.equal(stored, DOCUMENTS * PAGES, `each page stored once: ${summary}`);
    assert.equal(failedPages, 0, summary);
  });
});
