/**
 * Exactly-once results on a real Redis: a page written twice (a re-delivered job) is stored once
 * and counted once; documents are created once per (submission, name) and finish once; stored
 * names stay those of earlier versions; a Redis cache is shared by every client of the server.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { RedisCache } from '../../src/cache/index.js';
import { resolveConfig } from '../../src/config.js';
import { Cluster, documentId, jobSettings, type PageOutcome } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';

const skip = skipWithoutRedis();
const options = { params: {}, pdfDpi: 144, maxPdfPages: 0 };

describe('result and document stores', { skip, timeout: 60_000 }, () => {
  let redis: RedisServer;
  let cluster: Cluster;

  before(async () => {
    redis = await RedisServer.start();
    cluster = new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue: 'stores' }, {})));
  });
  after(async () => {
    await cluster?.close();
    await redis?.destroy();
  });

  it('stores a page run twice once, and counts it once', async () => {
    const { documents, results } = cluster;
    await documents.createSubmission('b1');
    const docId = documentId('b1', 'a.png');
    assert.equal(await documents.addDocument({ docId, submissionId: 'b1', name: 'a.png', bytes: Buffer.from('x'), options }), true);
    assert.equal(await documents.addDocument({ docId, submissionId: 'b1', name: 'a.png', bytes: Buffer.from('x'), options }), false);
    const first: PageOutcome = { page: 1, ok: false, error: { code: 'A', message: 'first' } };
    const second: PageOutcome = { page: 1, ok: false, error: { code: 'B', message: 'second' } };
    const writes = await Promise.all([results.write({ docId, submissionId: 'b1' }, first), results.write({ docId, submissionId: 'b1' }, second)]);
    assert.deepEqual(writes.sort(), [false, true]);
    const stored = await results.read(docId);
    assert.equal(stored.length, 1);
    const submission = (await documents.getSubmission('b1'))!;
    assert.deepEqual([submission.docsTotal, submission.pagesDone, submission.pagesFailed], [1, 1, 1]);
    const doc = (await documents.getDocument(docId))!;
    assert.equal(await documents.finish(doc, 'completed'), true);
    assert.equal(await documents.finish(doc, 'failed'), false);
    assert.equal((await documents.getSubmission('b1'))!.docsCompleted, 1);
    assert.deepEqual(await documents.documentIds('b1'), [docId]);
  });

  it('keeps the stored names of earlier versions: a submission is a `batch` in Redis', async () => {
    const { documents, redis: r } = cluster;
    await documents.createSubmission('b3');
    const docId = documentId('b3', 'a.png');
    await documents.addDocument({ docId, submissionId: 'b3', name: 'a.png', bytes: Buffer.from('x'), options });
    // Spelled out, not built with dataKeys: records written before the rename must still be found.
    assert.equal(await r.hget('doclayout-data:stores:batch:b3', 'docsTotal'), '1');
    assert.deepEqual(await r.lrange('doclayout-data:stores:batch:b3:docs', 0, -1), [docId]);
    assert.ok((await r.zscore('doclayout-data:stores:batches', 'b3')) !== null);
    assert.equal(await r.hget(`doclayout-data:stores:doc:${docId}`, 'batchId'), 'b3');
    assert.equal(await r.hget(`doclayout-data:stores:doc:${docId}`, 'submissionId'), null);
    assert.equal((await documents.getDocument(docId))!.submissionId, 'b3');
  });

  it('keeps document bytes for the TTL only', async () => {
    const short = new Cluster(jobSettings(resolveConfig({ redis: redis.url, queue: 'ttl', jobTtlS: 1 }, {})));
    try {
      const docId = documentId('b2', 'a.png');
      await short.documents.createSubmission('b2');
      await short.documents.addDocument({ docId, submissionId: 'b2', name: 'a.png', bytes: Buffer.from('bytes'), options });
      assert.ok((await short.redis.pttl(short.documents.keys.docBytes(docId))) > 0);
      await new Promise((r) => setTimeout(r, 1_200));
      assert.equal(await short.redis.exists(short.documents.keys.docBytes(docId)), 0);
    } finally {
      await short.close();
    }
  });

  it('shares cached results between clients through Redis', async () => {
    const a = new RedisCache(cluster.redis, 60);
    const b = new RedisCache(cluster.redis, 60);
    const result = { model: 'm', input: { name: 'x', page: 1, width: 1, height: 1 }, regions: [], timing: {} } as never;
    await a.set('k', result);
    assert.deepEqual(await b.get('k'), result);
    assert.equal(await b.get('missing'), undefined);
    assert.deepEqual([b.stats().hits, b.stats().misses], [1, 1]);
  });
});
