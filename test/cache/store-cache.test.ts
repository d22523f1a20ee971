/**
 * `--cache store`: page results in the job store's SQLite database. A server restarted on the same
 * data directory answers a resubmitted document from it (hits counted, the devices never asked);
 * the table stays under its byte bound, least recently used first; an entry past its age or
 * damaged is a miss; a full disk skips the write without failing anything; and the option is
 * parsed, and refused where it cannot work, with LAYOUT_ERR_INVALID_PARAM at start.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { createResultCache, parseCacheSpec, StoreCache } from '../../src/cache/index.js';
import { SqliteJobStore } from '../../src/jobs/index.js';
import type { PageResult } from '../../src/model/index.js';
import { buildServer, createServiceState } from '../../src/server/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { waitFor } from '../jobs/helpers.js';
import { fillToLastByte, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';
import { json, tempDataDir, testConfig, twoPagePdf } from '../server/helpers.js';

const result = (i: number): PageResult => ({
  model: 'm',
  input: { name: `p${String(i).padStart(2, '0')}`, page: 1, width: 10, height: 10 },
  regions: [{ label: 'text', labelId: 22, score: 0.9, bbox: [0, 0, 5, 5], order: 1 }],
  timing: { decodeMs: 1, preprocessMs: 1, inferMs: 1, postprocessMs: 1 },
});

const invalidParam = (err: Error & { code?: string; statusCode?: number }): boolean => err.code === 'LAYOUT_ERR_INVALID_PARAM' && err.statusCode === 400;

describe('--cache store', () => {
  it('is the default for embedded jobs; parses store:SIZE; refused without the job store or with a bad size', () => {
    assert.deepEqual(parseCacheSpec(undefined, false, true), { kind: 'store', maxBytes: 256 * 1024 ** 2 });
    assert.deepEqual(parseCacheSpec('store:64MiB', false, true), { kind: 'store', maxBytes: 64 * 1024 ** 2 });
    assert.deepEqual(parseCacheSpec(undefined, true, false), { kind: 'redis' }, 'Redis stays the default with --redis');
    assert.deepEqual(parseCacheSpec('memory:1kb', false, true), { kind: 'memory', maxBytes: 1000 });
    assert.deepEqual(parseCacheSpec('off', false, true), { kind: 'off' });
    assert.throws(() => parseCacheSpec('store', true, false), (err: Error & { code?: string; statusCode?: number }) => invalidParam(err) && /store needs the embedded job store/.test(err.message));
    assert.throws(() => parseCacheSpec('store:lots', false, true), (err: Error) => invalidParam(err) && /expected a size/.test(err.message));
    assert.throws(() => parseCacheSpec('store:0', false, true), invalidParam);
    assert.throws(() => parseCacheSpec('disk', false, true), (err: Error) => invalidParam(err) && /store\[:SIZE\]/.test(err.message));
    assert.throws(() => createResultCache({ kind: 'store', maxBytes: 1 }, { ttlSeconds: 1 }), invalidParam);
  });

  it('with --redis is refused at start, before any device starts', async () => {
    const config = testConfig({ redis: 'redis://127.0.0.1:1', clusterWorker: true, cache: 'store' });
    await assert.rejects(createServiceState({ config, modelPath: writeFixtureModel({ variant: 'v3' }) }), invalidParam);
  });
});

describe('store cache', () => {
  it('stays under its byte bound, the least recently used first, and keeps its entries across a reopen', async () => {
    const dir = tempDataDir();
    let clock = 1_000_000;
    let store = await SqliteJobStore.open(dir);
    const entryBytes = JSON.stringify(result(0)).length + 'k00'.length;
    let cache = new StoreCache({ database: store.database, maxBytes: 10 * entryBytes, maxAgeMs: 86_400_000, now: () => clock });
    for (let i = 0; i < 10; i++) {
      await cache.set(`k${String(i).padStart(2, '0')}`, result(i));
      clock += 1_000;
    }
    assert.deepEqual({ entries: cache.stats().entries, bytes: cache.stats().bytes }, { entries: 10, bytes: 10 * entryBytes });
    // k00 is used again after a while (its use time is rewritten), so k01 is now the oldest.
    clock += 120_000;
    assert.ok(await cache.get('k00'));
    for (let i = 10; i < 13; i++) await cache.set(`k${i}`, result(i));
    const stats = cache.stats();
    assert.ok(stats.bytes! <= 10 * entryBytes, `${stats.bytes} bytes held`);
    assert.equal(stats.entries, 10);
    assert.equal(await cache.get('k01'), undefined, 'the least recently used went first');
    assert.equal(await cache.get('k03'), undefined);
    assert.ok(await cache.get('k00'), 'the one used again stayed');
    assert.deepEqual((await cache.get('k12'))?.input, result(12).input);
    assert.equal(cache.stats().kind, 'store');
    assert.deepEqual({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 3, misses: 2 });

    // A value larger than the whole bound is not stored (nothing else is evicted for it).
    await cache.set('huge', { ...result(99), model: 'x'.repeat(20 * entryBytes) });
    assert.equal(cache.stats().entries, 10);

    // Reopened (a restart) with a smaller bound: the entries are there, trimmed to the new bound.
    await store.close();
    store = await SqliteJobStore.open(dir);
    cache = new StoreCache({ database: store.database, maxBytes: 4 * entryBytes, maxAgeMs: 86_400_000, now: () => clock });
    assert.deepEqual({ entries: cache.stats().entries, bytes: cache.stats().bytes }, { entries: 4, bytes: 4 * entryBytes });
    assert.ok(await cache.get('k12'));
    assert.equal(await cache.get('k05'), undefined);
    await store.close();
  });

  it('answers a miss for an entry past its age or damaged, and removes it', async () => {
    const store = await SqliteJobStore.open(tempDataDir());
    let clock = 5_000_000;
    const cache = new StoreCache({ database: store.database, maxBytes: 1_000_000, maxAgeMs: 60_000, now: () => clock });
    const errors: string[] = [];
    const late = new StoreCache({ database: store.database, maxBytes: 1_000_000, maxAgeMs: 60_000, onError: (_err, action) => errors.push(action) });
    try {
      await cache.set('old', result(1));
      await cache.set('damaged', result(2));
      await cache.set('wrong-shape', result(3));
      store.database.prepare(`UPDATE page_cache SET value = '{"regions": [{"label": "te' WHERE key = 'damaged'`).run();
      store.database.prepare(`UPDATE page_cache SET value = '{"hello": 1}' WHERE key = 'wrong-shape'`).run();
      assert.equal(await cache.get('damaged'), undefined, 'truncated JSON: a miss, not an error');
      assert.equal(await cache.get('wrong-shape'), undefined, 'JSON that is no page result: a miss');
      assert.equal(cache.stats().entries, 1, 'damaged entries are removed');
      assert.equal(Number(store.database.prepare('SELECT count(*) AS n FROM page_cache').get()!.n), 1);
      clock += 59_000;
      assert.ok(await cache.get('old'));
      clock += 2_000;
      assert.equal(await cache.get('old'), undefined, 'past its age: a miss');
      assert.deepEqual(cache.stats(), { kind: 'store', hits: 1, misses: 3, entries: 0, bytes: 0 });
      // A damaged entry is replaced by the page's fresh result.
      await cache.set('damaged', result(2));
      assert.deepEqual((await cache.get('damaged'))?.input, result(2).input);
    } finally {
      await store.close();
    }
    // After the store closed (a page finishing while the server stops): a read misses and a write
    // is skipped; each is reported, neither throws.
    assert.equal(await late.get('k'), undefined);
    await assert.doesNotReject(late.set('k', result(1)));
    assert.deepEqual(errors, ['read', 'write']);
  });

  it('a server restarted on the same data directory answers a resubmitted document from it, never asking the devices', { timeout: 120_000 }, async () => {
    const dataDir = tempDataDir();
    const modelPath = writeFixtureModel({ variant: 'v3' });
    const pdf = await twoPagePdf();
    const runJob = async (): Promise<{ hits: number; misses: number; accepted: number; metrics: string }> => {
      const state = await createServiceState({ config: testConfig({ dataDir }), modelPath });
      const app = await buildServer({ state });
      try {
        assert.ok(state.cache instanceof StoreCache, 'embedded jobs with a data directory: the store cache');
        const submitted = await app.inject({ method: 'POST', url: '/v1/jobs', payload: { image: pdf.toString('base64'), name: 'two.pdf' } });
        assert.equal(submitted.statusCode, 202, submitted.body);
        const { id } = json<{ id: string }>(submitted.body);
        let view: { state: string; pages?: Array<{ ok: boolean }> } = { state: '' };
        await waitFor(async () => {
          view = json((await app.inject({ method: 'GET', url: `/v1/jobs/${id}` })).body);
          return view.state !== 'queued' && view.state !== 'running';
        }, `job ${id} finished`, 60_000);
        assert.equal(view.state, 'completed');
        assert.equal(view.pages?.filter((p) => p.ok).length, 2);
        const { hits, misses } = state.cache.stats();
        const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
        return { hits, misses, accepted: state.engine.pool.snapshot().accepted, metrics };
      } finally {
        await app.close();
      }
    };
    const first = await runJob();
    assert.deepEqual({ hits: first.hits, misses: first.misses, accepted: first.accepted }, { hits: 0, misses: 2, accepted: 2 });
    const second = await runJob();
    assert.deepEqual({ hits: second.hits, misses: second.misses }, { hits: 2, misses: 0 }, 'both pages from the cache');
    assert.equal(second.accepted, 0, 'no page reached the devices');
    assert.match(second.metrics, /^doclayout_cache_hits_total\{backend="embedded"\} 2$/m);
  });
});

const tmpfs = mountTmpfs(2048);

describe('store cache on a full disk', { skip: tmpfs.skip }, () => {
  const mountDir = tmpfs.dir;
  after(() => unmountTmpfs(tmpfs));

  it('skips the write and reports it, never throwing; writes again once space returns', async () => {
    const store = await SqliteJobStore.open(mountDir);
    const errors: unknown[] = [];
    const cache = new StoreCache({ database: store.database, maxBytes: 100_000_000, maxAgeMs: 60_000, onError: (err) => errors.push(err) });
    try {
      await cache.set('before', result(1));
      const filler = fillToLastByte(mountDir);
      const big = { ...result(2), regions: Array.from({ length: 2_000 }, (_, i) => ({ ...result(2).regions[0]!, order: i })) };
      for (let i = 0; i < 20; i++) await assert.doesNotReject(cache.set(`full-${i}`, big));
      assert.ok(errors.length > 0, 'the skipped writes were reported');
      assert.match(String((errors[0] as Error).message), /full|disk I\/O/i);
      assert.ok(await cache.get('before'), 'what was stored before is still there');
      assert.equal(cache.stats().entries, Number(store.database.prepare('SELECT count(*) AS n FROM page_cache').get()!.n), 'the totals match the rows');
      fs.rmSync(filler);
      await cache.set('after', big);
      assert.ok(await cache.get('after'), 'stored again once space returned');
    } finally {
      await store.close();
    }
  });
});
