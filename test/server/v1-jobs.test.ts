/**
 * The async job API end to end: without Redis (the embedded queue in the server process) and
 * with Redis (a real redis-server and a real `doclayout worker` process; a second server
 * instance answers for the first one's job). Results equal /v1/layout's; bad input fails the job
 * with its code; cancel, 404s, callbacks, and the queue and cache figures in /metrics.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { unzipSync } from 'fflate';
import { HEARTBEAT_MS } from '../../src/jobs/index.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { clusterEnv, fixtureModelPath, startWorker, stopWorker, waitFor, type WorkerProcess } from '../jobs/helpers.js';
import { json, multipart, startServer, testConfig, twoPagePdf, whitePage, type TestServer } from './helpers.js';

interface JobBody {
  id: string;
  statusUrl: string;
  state: string;
  pagesDone: number;
  pagesTotal: number | null;
  error?: { code: string };
  pages?: Array<{ page: number; ok: boolean; result?: { regions: unknown[]; input: { page: number; name: string } }; error?: { code: string } }>;
}

async function finished(app: FastifyInstance, id: string, timeoutMs = 60_000): Promise<JobBody> {
  let body: JobBody | undefined;
  await waitFor(async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/jobs/${id}` });
    assert.equal(res.statusCode, 200, res.body);
    body = json<JobBody>(res.body);
    return ['completed', 'failed', 'canceled'].includes(body.state);
  }, `job ${id} finished`, timeoutMs);
  return body!;
}

const corruptPng = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]);

/** A loopback receiver for callbackUrl that answers 500 the first time, then 200. */
async function callbackReceiver(): Promise<{ url: string; bodies: unknown[]; hits: () => number; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  let hits = 0;
  const server = http.createServer((req, res) => {
    let data = '';
    req.on('data', (d: Buffer) => (data += d.toString()));
    req.on('end', () => {
      hits += 1;
      if (hits === 1) {
        res.statusCode = 500;
        res.end();
        return;
      }
      bodies.push(JSON.parse(data));
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/done`, bodies, hits: () => hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

function sharedChecks(name: string, get: () => FastifyInstance) {
  it(`${name}: an image round trip gives /v1/layout's result`, async () => {
    const app = get();
    const page = await whitePage(640, 480);
    const res = await app.inject({ method: 'POST', url: '/v1/jobs?threshold=0.4', ...multipart([{ name: 'white.png', bytes: page, type: 'image/png' }]) });
    assert.equal(res.statusCode, 202, res.body);
    const queued = json<JobBody>(res.body);
    assert.equal(res.headers.location, queued.statusUrl);
    const done = await finished(app, queued.id);
    assert.equal(done.state, 'completed');
    assert.deepEqual([done.pagesDone, done.pagesTotal], [1, 1]);
    const direct = json<{ regions: unknown[] }>((await app.inject({ method: 'POST', url: '/v1/layout?threshold=0.4', ...multipart([{ name: 'white.png', bytes: page }]) })).body);
    assert.deepEqual(done.pages![0]!.result!.regions, direct.regions);
  });

  it(`${name}: a PDF as JSON with a page selection`, async () => {
    const app = get();
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await twoPagePdf()).toString('base64'), name: 'two.pdf', pages: '2' } });
    assert.equal(res.statusCode, 202, res.body);
    const done = await finished(app, json<JobBody>(res.body).id);
    assert.equal(done.state, 'completed');
    assert.deepEqual(done.pages!.map((p) => [p.page, p.result!.input.page]), [[2, 2]]);
  });

  it(`${name}: a finished job's results as ALTO, a PAGE zip and COCO (format=)`, async () => {
    const app = get();
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await twoPagePdf()).toString('base64'), name: 'two.pdf' } });
    const id = json<JobBody>(res.body).id;
    const done = await finished(app, id);
    assert.equal(done.state, 'completed');
    const alto = await app.inject({ method: 'GET', url: `/v1/jobs/${id}?format=alto` });
    assert.equal(alto.statusCode, 200, alto.body);
    assert.match(String(alto.headers['content-type']), /^application\/alto\+xml/);
    assert.equal([...alto.body.matchAll(/<Page /g)].length, 2);
    const page = await app.inject({ method: 'GET', url: `/v1/jobs/${id}?format=page` });
    assert.equal(page.headers['content-type'], 'application/zip');
    assert.deepEqual(Object.keys(unzipSync(page.rawPayload)).sort(), ['two-p0001.page.xml', 'two-p0002.page.xml']);
    const coco = json<{ images: unknown[]; annotations: unknown[] }>(new TextDecoder().decode(unzipSync((await app.inject({ method: 'GET', url: `/v1/jobs/${id}?format=coco` })).rawPayload)['coco.json']));
    assert.equal(coco.images.length, 2);
    assert.equal(coco.annotations.length, done.pages!.reduce((n, p) => n + p.result!.regions.length, 0));
    const bad = await app.inject({ method: 'GET', url: `/v1/jobs/${id}?format=tei` });
    assert.equal(bad.statusCode, 400);
  });

  it(`${name}: bad input is refused at once or fails the job alone with its code`, async () => {
    const app = get();
    const text = await app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'a.txt', bytes: Buffer.from('hello, not an image') }]) });
    assert.equal(text.statusCode, 415);
    assert.equal(json<{ error: { code: string } }>(text.body).error.code, 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    const badUrl = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await whitePage(10, 10)).toString('base64'), callbackUrl: 'ftp://x' } });
    assert.equal(badUrl.statusCode, 400);
    // SSRF guard: only 127.0.0.1/32 is allowed here; metadata, private and other loopback addresses are not.
    for (const url of ['http://169.254.169.254/latest/meta-data', 'http://10.1.2.3/hook', 'http://[::1]:9/hook', 'http://127.0.0.2:9/hook']) {
      const refused = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await whitePage(10, 10)).toString('base64'), callbackUrl: url } });
      assert.equal(refused.statusCode, 400, `${url}: ${refused.body}`);
      assert.match(json<{ error: { message: string } }>(refused.body).error.message, /--callback-allow/);
    }
    const corrupt = await app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'corrupt.png', bytes: corruptPng }]) });
    assert.equal(corrupt.statusCode, 202);
    const done = await finished(app, json<JobBody>(corrupt.body).id);
    assert.equal(done.state, 'failed');
    assert.equal(done.error?.code, 'LAYOUT_ERR_IMAGE_CORRUPT');
    // A job with no page result has nothing to export.
    const exported = await app.inject({ method: 'GET', url: `/v1/jobs/${done.id}?format=page` });
    assert.equal(exported.statusCode, 409);
    assert.equal(json<{ error: { code: string } }>(exported.body).error.code, 'LAYOUT_ERR_JOB_NOT_FINISHED');
    const missing = await app.inject({ method: 'GET', url: '/v1/jobs/job-does-not-exist' });
    assert.equal(missing.statusCode, 404);
    assert.equal(json<{ error: { code: string } }>(missing.body).error.code, 'LAYOUT_ERR_JOB_NOT_FOUND');
    assert.equal((await app.inject({ method: 'DELETE', url: '/v1/jobs/job-does-not-exist' })).statusCode, 404);
  });

  it(`${name}: /events sends each page once (ids 1, 2) and done; /pages the same pages as NDJSON`, async () => {
    const app = get();
    const res = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await twoPagePdf()).toString('base64'), name: 'follow.pdf' } });
    assert.equal(res.statusCode, 202, res.body);
    const id = json<JobBody>(res.body).id;
    // Both streams end with the job: inject collects them whole.
    const events = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events` });
    assert.equal(events.statusCode, 200);
    const blocks = events.body.split('\n\n').filter((b) => b.startsWith('id:') || b.startsWith('event:'));
    const pages = blocks.filter((b) => b.includes('event: page'));
    assert.deepEqual(pages.map((b) => /^id: (\d+)/.exec(b)?.[1]), ['1', '2']);
    assert.match(blocks.at(-1)!, /event: done\ndata: .*"state":"completed"/);
    const lines = (await app.inject({ method: 'GET', url: `/v1/jobs/${id}/pages` })).body.trim().split('\n').map((l) => json<{ seq: number; page: number; ok: boolean }>(l));
    assert.deepEqual(lines.map((l) => l.seq), [1, 2]);
    assert.deepEqual(lines.map((l) => l.page).sort(), [1, 2]);
    const resumed = await app.inject({ method: 'GET', url: `/v1/jobs/${id}/events`, headers: { 'last-event-id': '1' } });
    assert.deepEqual(resumed.body.split('\n\n').filter((b) => b.includes('event: page')).map((b) => /^id: (\d+)/.exec(b)?.[1]), ['2']);
  });

  it(`${name}: calls callbackUrl once done, retrying after a failure`, async () => {
    const app = get();
    const receiver = await callbackReceiver();
    try {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: 'cb.png', bytes: await whitePage(320, 200) }], { callbackUrl: receiver.url }) });
      assert.equal(res.statusCode, 202, res.body);
      await waitFor(() => receiver.bodies.length === 1, 'callback delivered', 30_000);
      assert.equal(receiver.hits(), 2);
      assert.match(JSON.stringify(receiver.bodies[0]), /completed/);
    } finally {
      await receiver.close();
    }
  });

  it(`${name}: the same page again is a cache hit, counted in /metrics`, async () => {
    const app = get();
    const page = await whitePage(500, 500);
    for (let i = 0; i < 2; i++) {
      const res = await app.inject({ method: 'POST', url: '/v1/jobs', ...multipart([{ name: `again-${i}.png`, bytes: page }]) });
      const done = await finished(app, json<JobBody>(res.body).id);
      assert.equal(done.pages![0]!.result!.input.name, `again-${i}.png`);
    }
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    const hits = Number(/^doclayout_cache_hits_total\{backend="\w+"\} (\d+)/m.exec(metrics)?.[1]);
    assert.ok(hits >= 1, metrics.split('\n').filter((l) => l.startsWith('doclayout_cache') || l.startsWith('doclayout_jobs')).join('\n'));
    assert.match(metrics, /^doclayout_jobs_queue_depth\{backend="\w+"\} \d+/m);
    assert.match(metrics, /^doclayout_jobs_completed_total\{backend="\w+"\} [1-9]/m);
  });
}

describe('/v1/jobs without Redis (embedded queue)', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ config: { callbackAllow: '127.0.0.1/32' } });
  });
  after(async () => server?.close());

  sharedChecks('embedded', () => server.app);

  it('embedded: an unknown id with odd characters is not echoed back decoded', async () => {
    const app = server.app;
    for (const method of ['GET', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/v1/jobs/${encodeURIComponent('<script>alert("x")</script>\r\nX-Evil: 1')}` });
      assert.equal(res.statusCode, 404, res.body);
      const { error } = json<{ error: { code: string; message: string } }>(res.body);
      assert.equal(error.code, 'LAYOUT_ERR_JOB_NOT_FOUND');
      assert.doesNotMatch(error.message, /[<>"\r\n]|script|Evil/, error.message);
    }
    // An id of the right form is named, so a client sees which one is gone.
    const plain = json<{ error: { message: string } }>((await app.inject({ method: 'GET', url: '/v1/jobs/job-0123abcd' })).body);
    assert.match(plain.error.message, /job-0123abcd/);
  });

  it('embedded: DELETE cancels a queued job', async () => {
    const app = server.app;
    const pdf = await twoPagePdf();
    const ids: string[] = [];
    // Fill the queue so the last job is still waiting when it is canceled.
    for (let i = 0; i < 4; i++) ids.push(json<JobBody>((await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: pdf.toString('base64'), name: `p${i}.pdf` } })).body).id);
    const res = await app.inject({ method: 'DELETE', url: `/v1/jobs/${ids[3]}` });
    assert.equal(res.statusCode, 200);
    assert.equal(json<JobBody>(res.body).state, 'canceled');
    assert.equal((await finished(app, ids[3]!)).state, 'canceled');
    assert.equal((await finished(app, ids[0]!)).state, 'completed');
  });
});

const skip = skipWithoutRedis();

describe('/v1/jobs with Redis (a worker process runs the pages)', { skip, timeout: 180_000 }, () => {
  let redis: RedisServer;
  let worker: WorkerProcess;
  const servers: FastifyInstance[] = [];

  const serverOnRedis = async (): Promise<FastifyInstance> => {
    const config = testConfig({ redis: redis.url, queue: 'http', callbackAllow: '127.0.0.1/32' });
    const state = await createServiceState({ config, modelPath: fixtureModelPath() });
    await state.engine.ready();
    // With `redis` set, the state's /v1/jobs is the Redis job service, as under `serve --redis`.
    const app = await buildServer({ state });
    servers.push(app);
    return app;
  };

  before(async () => {
    redis = await RedisServer.start();
    worker = await startWorker(clusterEnv(redis.url, { DOCLAYOUT_QUEUE: 'http', DOCLAYOUT_CALLBACK_ALLOW: '127.0.0.1/32' }));
    await serverOnRedis();
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.close()));
    if (worker) await stopWorker(worker, 'SIGKILL');
    await redis?.destroy();
  });

  sharedChecks('redis', () => servers[0]!);

  it('redis: another server instance answers for the job, and DELETE cancels', async () => {
    const res = await servers[0]!.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await twoPagePdf()).toString('base64'), name: 'shared.pdf' } });
    const id = json<JobBody>(res.body).id;
    await servers[0]!.close();
    const second = await serverOnRedis();
    const done = await finished(second, id);
    assert.equal(done.state, 'completed');
    assert.equal(done.pages!.length, 2);
    // The worker publishes its page count with its heartbeat (every HEARTBEAT_MS): the job can
    // finish before the next one, so the figure is awaited, not read once.
    const workerPages = /^doclayout_jobs_worker_pages\{worker="[^"]+"\} [1-9]/m;
    await waitFor(async () => workerPages.test((await second.inject({ method: 'GET', url: '/metrics' })).body), 'the worker\'s stored pages in /metrics', 5 * HEARTBEAT_MS);

    await stopWorker(worker, 'SIGTERM');
    const queued = json<JobBody>((await second.inject({ method: 'POST', url: '/v1/jobs', payload: { image: (await whitePage(50, 50)).toString('base64') } })).body);
    const canceled = await second.inject({ method: 'DELETE', url: `/v1/jobs/${queued.id}` });
    assert.equal(json<JobBody>(canceled.body).state, 'canceled');
  });
});
