/**
 * The page-result cache: keys that ignore how parameters were spelled but not what they are, a
 * memory LRU that stays under its byte bound, the option parser, and — on a real model — a
 * cached result equal to a fresh one, with the hit never reaching the analyzer.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { cacheKey, MemoryCache, parseByteSize, parseCacheSpec } from '../../src/cache/index.js';
import { createEngine } from '../../src/engine/index.js';
import { runPage, sha256Hex, type DocumentRecord } from '../../src/jobs/index.js';
import { defaultLayoutParams, type PageResult } from '../../src/model/index.js';
import { fixtureModel, poolConfig } from '../pool/helpers.js';

const base = { documentSha256: 'a'.repeat(64), page: 1, modelSha256: 'b'.repeat(64) };

describe('cache keys', () => {
  it('are equal for {} and the explicit defaults, whatever the key order', () => {
    const explicit = Object.fromEntries(Object.entries(defaultLayoutParams).reverse());
    assert.equal(cacheKey({ ...base, params: {} }), cacheKey({ ...base, params: explicit }));
  });

  it('differ by page, model, document, parameter value and PDF resolution', () => {
    const key = cacheKey({ ...base, params: {} });
    assert.notEqual(key, cacheKey({ ...base, page: 2, params: {} }));
    assert.notEqual(key, cacheKey({ ...base, modelSha256: 'c'.repeat(64), params: {} }));
    assert.notEqual(key, cacheKey({ ...base, documentSha256: 'd'.repeat(64), params: {} }));
    assert.notEqual(key, cacheKey({ ...base, params: { threshold: 0.3 } }));
    assert.notEqual(cacheKey({ ...base, params: {}, pdfDpi: 144 }), cacheKey({ ...base, params: {}, pdfDpi: 200 }));
  });
});

describe('memory cache', () => {
  const result = (i: number): PageResult => ({
    model: 'm',
    input: { name: `p${i}`, page: 1, width: 10, height: 10 },
    regions: [{ label: 'text', labelId: 22, score: 0.9, bbox: [0, 0, 5, 5], order: 1 }],
    timing: { decodeMs: 1, preprocessMs: 1, inferMs: 1, postprocessMs: 1 } as PageResult['timing'],
  });

  it('stays within its byte bound, evicting the least recently used', async () => {
    const cache = new MemoryCache(4_000);
    for (let i = 0; i < 50; i++) await cache.set(`k${i}`, result(i));
    const stats = cache.stats();
    assert.ok(stats.bytes! <= 4_000, `${stats.bytes} bytes held`);
    assert.ok(stats.entries! > 0 && stats.entries! < 50);
    assert.equal(await cache.get('k0'), undefined);
    assert.deepEqual((await cache.get('k49'))?.input, result(49).input);
    assert.deepEqual({ hits: cache.stats().hits, misses: cache.stats().misses }, { hits: 1, misses: 1 });
  });

  it('stores results without the device that produced them', async () => {
    const cache = new MemoryCache(1_000_000);
    await cache.set('k', { ...result(1), device: 'cpu:0', deviceIndex: 0 } as PageResult);
    assert.equal((await cache.get('k') as unknown as Record<string, unknown>).device, undefined);
  });
});

describe('--cache option', () => {
  it('parses off, memory, memory:SIZE and redis, and refuses the rest', () => {
    assert.deepEqual(parseCacheSpec('off', false), { kind: 'off' });
    assert.deepEqual(parseCacheSpec('memory:64MiB', false), { kind: 'memory', maxBytes: 64 * 1024 ** 2 });
    assert.deepEqual(parseCacheSpec(undefined, true), { kind: 'redis' });
    assert.equal(parseCacheSpec(undefined, false).kind, 'memory');
    assert.throws(() => parseCacheSpec('redis', false), /needs --redis/);
    assert.throws(() => parseCacheSpec('disk', false), /LAYOUT_ERR_INVALID_PARAM|expected off/);
    assert.throws(() => parseByteSize('--cache', '12 parsecs'), /expected a size/);
    assert.equal(parseByteSize('x', '1.5kb'), 1500);
  });
});

describe('a cached page', () => {
  it('equals a fresh one, and the hit skips the devices', async () => {
    const cache = new MemoryCache(1_000_000);
    const engine = await createEngine({ config: poolConfig(), modelPath: fixtureModel(), cache });
    await engine.ready();
    const bytes = await sharp({ create: { width: 300, height: 400, channels: 3, background: '#fff' } }).png().toBuffer();
    const doc = {
      docId: 'b.1', submissionId: 'b', name: 'one.png', state: 'running', size: bytes.byteLength, sha256: sha256Hex(bytes), source: 'redis',
      options: { params: { threshold: 0.4 }, pdfDpi: 144, maxPdfPages: 0 }, pdf: false, pagesDone: 0, pagesFailed: 0, createdAt: 0,
    } satisfies DocumentRecord;
    const ctx = { engine, maxPixels: 100_000_000 };
    try {
      const fresh = await runPage(ctx, doc, bytes, 1);
      const cached = await runPage(ctx, doc, bytes, 1);
      const renamed = await runPage(ctx, { ...doc, docId: 'b.2', name: 'two.png' }, bytes, 1);
      assert.ok(fresh.ok && cached.ok && renamed.ok);
      assert.equal(engine.pool.snapshot().accepted, 1, 'one page reached the devices');
      assert.equal(cached.cached, true);
      // What describes one run (device, timing) is not the page's: the cache keeps the rest.
      const { timing: _t1, device: _d, deviceIndex: _i, ...freshRest } = fresh.result as typeof fresh.result & { deviceIndex?: number };
      const { timing: _t2, ...cachedRest } = cached.result;
      assert.deepEqual(cachedRest, freshRest);
      assert.ok(freshRest.regions.length > 0);
      assert.equal(renamed.result.input.name, 'two.png');
      assert.deepEqual(cache.stats(), { kind: 'memory', hits: 2, misses: 1, entries: 1, bytes: cache.stats().bytes });
    } finally {
      await engine.close();
    }
  });
});
