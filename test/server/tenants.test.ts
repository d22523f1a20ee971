/**
 * Tenants over HTTP: API keys (none, unknown, hashed, bearer or x-api-key), a tenant's jobs hidden
 * from the others (404, never their results), per-tenant limits answered 429 with Retry-After and
 * the limit's name, the priority parameter, and a trusted proxy's tenant header.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApiKeys } from '../../src/server/api-keys.js';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

const KEYS = {
  acme: 'acme-secret-key',
  zeta: 'zeta-secret-key',
  nightly: 'nightly-secret-key',
};

function keysFile(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-keys-'));
  const file = path.join(dir, 'api-keys');
  fs.writeFileSync(file, [
    '# tenant:key, or tenant:sha256:<hex> so the file holds no secret',
    `acme:${KEYS.acme}`,
    `zeta:sha256:${sha256(KEYS.zeta)} pages=1 queued=0`,
    `nightly:${KEYS.nightly} priority=batch`,
    '',
  ].join('\n'));
  return file;
}

interface ErrorBody { error: { code: string; message: string; details?: Record<string, unknown> } }

describe('tenants and API keys', { timeout: 120_000 }, () => {
  let server: TestServer;
  let png: Buffer;
  const upload = async (headers: Record<string, string> = {}, url = '/v1/layout') => {
    const body = multipart([{ name: 'page.png', bytes: png, type: 'image/png' }]);
    return server.app.inject({ method: 'POST', url, payload: body.payload, headers: { ...body.headers, ...headers } });
  };

  before(async () => {
    png = await whitePage(200, 200);
    // 400 ms per page on the device: a page stays in flight long enough to hit a tenant's limit.
    server = await startServer({ config: { apiKeys: keysFile() }, faults: { 0: { delayMsPerPage: 400 } } });
  });
  after(() => server?.close());

  it('refuses work without a key or with an unknown one (401), on every work route; probes stay open', async () => {
    for (const url of ['/v1/layout', '/analyze', '/v1/jobs']) {
      const none = await upload({}, url);
      assert.equal(none.statusCode, 401, url);
      assert.equal(json<ErrorBody>(none.body).error.code, 'LAYOUT_ERR_API_KEY');
      assert.match(json<ErrorBody>(none.body).error.message, /none was sent/);
      const bad = await upload({ authorization: 'Bearer not-a-key' }, url);
      assert.equal(bad.statusCode, 401, url);
      assert.match(json<ErrorBody>(bad.body).error.message, /not known/);
    }
    const job = await server.app.inject({ method: 'GET', url: '/v1/jobs/whatever' });
    assert.equal(job.statusCode, 401);
    assert.equal((await server.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    assert.equal((await server.app.inject({ method: 'GET', url: '/v1/status' })).statusCode, 200);
  });

  it('serves a known key as Bearer or x-api-key, the hashed entry too, and counts pages per tenant', async () => {
    assert.equal((await upload({ authorization: `Bearer ${KEYS.acme}` })).statusCode, 200);
    assert.equal((await upload({ 'x-api-key': KEYS.zeta })).statusCode, 200);
    const { tenants } = server.pool.snapshot();
    assert.ok((tenants?.acme?.dispatched ?? 0) >= 1);
    assert.ok((tenants?.zeta?.dispatched ?? 0) >= 1);
  });

  it('hides a tenant\'s job from every other tenant: 404 on read and cancel, never its result', async () => {
    const submitted = await upload({ authorization: `Bearer ${KEYS.acme}` }, '/v1/jobs');
    assert.equal(submitted.statusCode, 202);
    const { id } = json<{ id: string }>(submitted.body);
    for (const method of ['GET', 'DELETE'] as const) {
      const other = await server.app.inject({ method, url: `/v1/jobs/${id}`, headers: { 'x-api-key': KEYS.zeta } });
      assert.equal(other.statusCode, 404, method);
      assert.equal(json<ErrorBody>(other.body).error.code, 'LAYOUT_ERR_JOB_NOT_FOUND');
      assert.doesNotMatch(other.body, /regions|acme/);
    }
    // The owner's job was not canceled by the other tenant's DELETE and completes.
    let view: { state: string; tenant?: string; pages?: unknown[] } = { state: 'queued' };
    while (view.state === 'queued' || view.state === 'running') {
      const res = await server.app.inject({ method: 'GET', url: `/v1/jobs/${id}`, headers: { authorization: `Bearer ${KEYS.acme}` } });
      assert.equal(res.statusCode, 200);
      view = json(res.body);
      if (view.state === 'queued' || view.state === 'running') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal(view.state, 'completed');
    assert.equal(view.tenant, 'acme');
    assert.equal(view.pages?.length, 1);
    assert.ok((server.pool.snapshot().classes?.batch.dispatched ?? 0) >= 1, 'a job\'s page is batch work');
  });

  it('answers a tenant past its page limit with 429, Retry-After and the limit\'s name; other tenants go on', async () => {
    const first = upload({ 'x-api-key': KEYS.zeta });
    const deadline = Date.now() + 10_000;
    while ((server.pool.snapshot().tenants?.zeta?.dispatched ?? 0) < 2 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    const refused = await upload({ 'x-api-key': KEYS.zeta });
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) >= 1);
    const error = json<ErrorBody>(refused.body).error;
    assert.equal(error.code, 'LAYOUT_ERR_TENANT_LIMIT');
    assert.equal(error.details?.limit, 'concurrent-pages');
    assert.match(error.message, /zeta/);
    assert.equal((await upload({ authorization: `Bearer ${KEYS.acme}` })).statusCode, 200);
    assert.equal((await first).statusCode, 200);
    assert.ok((server.pool.snapshot().tenants?.zeta?.rejected ?? 0) >= 1);
  });

  it('takes priority=batch from the caller, refuses an unknown class, and holds a batch-only tenant to batch', async () => {
    const before = server.pool.snapshot().classes!;
    assert.equal((await upload({ authorization: `Bearer ${KEYS.acme}` }, '/v1/layout?priority=batch')).statusCode, 200);
    assert.equal((await upload({ authorization: `Bearer ${KEYS.nightly}` }, '/v1/layout?priority=interactive')).statusCode, 200);
    const bad = await upload({ authorization: `Bearer ${KEYS.acme}` }, '/v1/layout?priority=urgent');
    assert.equal(bad.statusCode, 400);
    const now = server.pool.snapshot().classes!;
    assert.equal(now.batch.dispatched - before.batch.dispatched, 2);
    assert.equal(now.interactive.dispatched - before.interactive.dispatched, 0);
  });
});

describe('tenant from a trusted proxy header (no API keys)', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ config: { tenantHeader: 'x-tenant' } });
  });
  after(() => server?.close());

  it('names the tenant from the header, anonymous without it, and refuses a malformed name', async () => {
    const png = await whitePage(200, 200);
    const send = (headers: Record<string, string>) => {
      const body = multipart([{ name: 'p.png', bytes: png, type: 'image/png' }]);
      return server.app.inject({ method: 'POST', url: '/v1/layout', payload: body.payload, headers: { ...body.headers, ...headers } });
    };
    assert.equal((await send({ 'x-tenant': 'team-blue' })).statusCode, 200);
    assert.equal((await send({})).statusCode, 200);
    assert.equal((await send({ 'x-tenant': 'no spaces allowed' })).statusCode, 400);
    const { tenants } = server.pool.snapshot();
    assert.equal(tenants?.['team-blue']?.dispatched, 1);
    assert.equal(tenants?.anonymous?.dispatched, 1);
  });
});

describe('API keys file', () => {
  it('finds a plain or hashed key and nothing else', () => {
    const keys = ApiKeys.parse(`a:plain\nb:sha256:${sha256('hidden')} pages=3 queued=7 priority=batch`);
    assert.equal(keys.lookup('plain')?.tenant, 'a');
    assert.deepEqual(keys.lookup('hidden'), { tenant: 'b', maxPriority: 'batch', maxPages: 3, maxQueued: 7 });
    assert.equal(keys.lookup('sha256:' + sha256('hidden')), undefined, 'the digest itself is not a key');
    assert.equal(keys.lookup('plai'), undefined);
  });

  it('refuses a malformed file naming the line', () => {
    assert.throws(() => ApiKeys.parse('# only comments\n'), /holds no key/);
    assert.throws(() => ApiKeys.parse('a:x\nno-colon'), /line 2/);
    assert.throws(() => ApiKeys.parse('a:x\nb:x'), /line 2: the same key twice/);
    assert.throws(() => ApiKeys.parse('a:x pages=lots'), /unknown option "pages=lots"/);
    assert.throws(() => ApiKeys.parse('bad tenant!:x'), /line 1/);
  });
});
