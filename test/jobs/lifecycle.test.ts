/**
 * One job lifecycle over both stores (lifecycle/): the same calls on the embedded SQLite store
 * and on the cluster's Redis records (a real redis-server) give the same outcomes — the
 * failed-page rule (the first failed page's error), a final state written once with its
 * callback's outbox entry (`<id>:<state>`) and the outbox woken once, the retry policy's
 * decisions, cancel — and the same view a client reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { OverloadedError, PdfError } from '../../src/errors.js';
import { Cluster, jobSettings, jobView, Lifecycle, RedisJobService, SqliteJobStore, type JobView, type LifecycleStore } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { tempDataDir } from '../server/helpers.js';

const options = { params: {}, pdfDpi: 144, maxPdfPages: 0, callbackUrl: 'https://hooks.example/done' };
const result = (page: number) => ({ regions: [], input: { name: 'a.pdf', page, width: 10, height: 10 } }) as never;

/** One store under test: a new job (running, two pages), the view of a job, and its outbox entry's key. */
interface StoreUnderTest {
  readonly store: LifecycleStore;
  newJob(name: string): Promise<string>;
  view(id: string): Promise<JobView>;
  callbackKey(id: string): Promise<string | undefined>;
  close(): Promise<void>;
}

async function sqliteStore(): Promise<StoreUnderTest> {
  const store = await SqliteJobStore.open(tempDataDir());
  let n = 0;
  return {
    store,
    async newJob(name) {
      const id = `job-${++n}`;
      await store.accept({ id, name, sha256: 'x', options, createdAt: Date.now() }, new Uint8Array([1]));
      await store.start(id);
      await store.opened(id, 2, true);
      return id;
    },
    async view(id) {
      const lifecycle = new Lifecycle(store);
      return jobView((await store.job(id))!, await lifecycle.outcomes(id));
    },
    async callbackKey(id) {
      return (await store.dueCallbacks(Date.now() + 1, 100)).find((e) => e.jobId === id)?.key;
    },
    close: () => store.close(),
  };
}

async function redisStore(url: string): Promise<StoreUnderTest> {
  const cluster = new Cluster(jobSettings(resolveConfig({ redis: url, queue: 'lifecycle' }, {})));
  const service = new RedisJobService(cluster);
  const submissionOf = new Map<string, string>();
  let n = 0;
  return {
    store: cluster.records,
    async newJob(name) {
      const submissionId = `job-${++n}`;
      await cluster.documents.createSubmission(submissionId);
      const docId = `${submissionId}.d`;
      await cluster.documents.addDocument({ docId, submissionId, name, options, bytes: new Uint8Array([1]) });
      const doc = (await cluster.documents.getDocument(docId))!;
      await cluster.documents.setPages(doc, [1, 2], 2, true);
      submissionOf.set(docId, submissionId);
      return docId;
    },
    async view(docId) {
      return (await service.get(submissionOf.get(docId)!))!;
    },
    async callbackKey(docId) {
      return (await cluster.redis.hget(cluster.documents.keys.callback(docId), 'key')) ?? undefined;
    },
    close: () => service.close(),
  };
}

const skip = skipWithoutRedis();

describe('one job lifecycle over the SQLite and the Redis store', { skip, timeout: 60_000 }, () => {
  let redis: RedisServer;
  const stores: Array<[string, StoreUnderTest]> = [];

  before(async () => {
    redis = await RedisServer.start();
    stores.push(['sqlite', await sqliteStore()], ['redis', await redisStore(redis.url)]);
  });

  after(async () => {
    for (const [, s] of stores) await s.close();
    await redis?.destroy();
  });

  /** A lifecycle over the store whose outbox wakes are counted. */
  function counted(store: LifecycleStore): { lifecycle: Lifecycle; wakes: () => number } {
    let wakes = 0;
    return { lifecycle: new Lifecycle(store, { wake: () => void (wakes += 1) }), wakes: () => wakes };
  }

  it('all pages with an outcome: the failed-page rule, once, with the callback written and woken', async () => {
    const views: Record<string, JobView> = {};
    for (const [name, s] of stores) {
      const { lifecycle, wakes } = counted(s.store);
      const id = await s.newJob('a.pdf');
      await s.store.storePage(id, { page: 1, ok: true, result: result(1) });
      const failed = { page: 2, ok: false as const, error: { code: 'LAYOUT_ERR_PDF', message: 'page 2 is broken' } };
      assert.deepEqual(await lifecycle.pagesDone(id, [failed]), { state: 'failed', changed: true }, name);
      assert.deepEqual(await lifecycle.pagesDone(id, [failed]), { state: 'failed', changed: false }, `${name}: a final state is written once`);
      assert.equal(wakes(), 1, `${name}: the outbox is woken once`);
      assert.equal(await s.callbackKey(id), `${id}:failed`, name);
      assert.deepEqual((await lifecycle.outcomes(id)).map((o) => [o.page, o.ok]), [[1, true], [2, false]], name);
      views[name] = await s.view(id);
    }
    const comparable = ({ state, name, pagesDone, pagesTotal, pagesFailed, error, pages }: JobView) => ({ state, name, pagesDone, pagesTotal, pagesFailed, error, pages: pages?.map((p) => [p.page, p.ok]) });
    assert.deepEqual(comparable(views.sqlite!), { state: 'failed', name: 'a.pdf', pagesDone: 2, pagesTotal: 2, pagesFailed: 1, error: { code: 'LAYOUT_ERR_PDF', message: 'page 2 is broken' }, pages: [[1, true], [2, false]] });
    assert.deepEqual(comparable(views.redis!), comparable(views.sqlite!));
  });

  it('a failed run: capacity is retried with backoff, bad input fails the job, a fault after its tries fails it', async () => {
    for (const [name, s] of stores) {
      const { lifecycle, wakes } = counted(s.store);
      const busy = await s.newJob('busy.pdf');
      const retried = await lifecycle.runFailed(busy, OverloadedError('full', { details: { retryAfterSeconds: 3 } }), { attempts: 1, faultAttempts: 3, what: 'busy' });
      assert.deepEqual([retried.retry, retried.retry && retried.delayMs, retried.error.code], [true, 3_000, 'LAYOUT_ERR_OVERLOADED'], name);
      const bad = await s.newJob('bad.pdf');
      const failed = await lifecycle.runFailed(bad, PdfError('bad.pdf', 'not a PDF'), { attempts: 1, faultAttempts: 3, what: 'bad' });
      assert.deepEqual([failed.retry, !failed.retry && failed.changed], [false, true], name);
      assert.equal((await s.view(bad)).error?.code, 'LAYOUT_ERR_PDF', name);
      const crashed = await s.newJob('crashed.pdf');
      assert.equal((await lifecycle.runFailed(crashed, new Error('boom'), { attempts: 2, faultAttempts: 3, what: 'crashed' })).retry, true, name);
      const out = await lifecycle.runFailed(crashed, new Error('boom'), { attempts: 3, faultAttempts: 3, what: 'crashed' });
      assert.equal(out.retry, false, name);
      assert.equal((await s.view(crashed)).state, 'failed', name);
      assert.equal(wakes(), 2, `${name}: woken for the two failures, not the retries`);
    }
  });

  it('cancel: once, with its callback', async () => {
    for (const [name, s] of stores) {
      const { lifecycle } = counted(s.store);
      const id = await s.newJob('c.pdf');
      assert.equal(await lifecycle.cancel(id), true, name);
      assert.equal(await lifecycle.cancel(id), false, name);
      assert.equal(await lifecycle.pagesDone(id).then((r) => r.changed), false, `${name}: a canceled job stays canceled`);
      const view = await s.view(id);
      assert.equal(view.state, 'canceled', name);
      assert.equal(view.pages, undefined, `${name}: a canceled job shows no pages`);
      assert.equal(await s.callbackKey(id), `${id}:canceled`, name);
    }
  });
});
