/**
 * Following a job as it runs (embedded store, a real pool behind a listening server): the SSE
 * stream sends one `page` event per page with increasing ids, `progress` events and a final
 * `done`, and resumes after Last-Event-ID with exactly the pages after it; the NDJSON stream
 * sends one line per page and ends with the job; an unknown job is a 404.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { taggedPdf } from '../jobs/serve-process.js';
import { startServer, type TestServer } from './helpers.js';

interface SseEvent {
  readonly id?: string;
  readonly event: string;
  readonly data: Record<string, unknown>;
}

function parseSse(text: string): SseEvent[] {
  return text.split('\n\n').filter((block) => block.trim() && !block.startsWith(':')).map((block) => {
    const fields = Object.fromEntries(block.split('\n').map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 2)]));
    return { ...(fields.id ? { id: fields.id } : {}), event: fields.event ?? 'message', data: JSON.parse(fields.data ?? '{}') as Record<string, unknown> };
  });
}

describe('/v1/jobs/:id/events and /pages', { timeout: 120_000 }, () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ listen: true });
  });
  after(async () => server?.close());

  async function submit(tag: string, pages: number): Promise<string> {
    const res = await request(`${server.url}/v1/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ image: (await taggedPdf(tag, pages)).toString('base64'), name: `${tag}.pdf` }) });
    assert.equal(res.statusCode, 202);
    return ((await res.body.json()) as { id: string }).id;
  }

  it('streams a page event per page, progress, and done; resumes after Last-Event-ID', async () => {
    const id = await submit('sse', 4);
    const res = await request(`${server.url}/v1/jobs/${id}/events`);
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/event-stream/);
    const events = parseSse(await res.body.text());
    const pages = events.filter((e) => e.event === 'page');
    assert.deepEqual(pages.map((e) => e.id), ['1', '2', '3', '4']);
    assert.deepEqual(pages.map((e) => e.data.page).sort(), [1, 2, 3, 4]);
    assert.ok(pages.every((e) => e.data.ok === true && typeof e.data.result === 'object'));
    assert.ok(events.some((e) => e.event === 'progress'), 'progress events');
    const done = events.at(-1)!;
    assert.equal(done.event, 'done');
    assert.equal(done.data.state, 'completed');
    assert.equal(done.data.pagesDone, 4);

    const resumed = parseSse(await (await request(`${server.url}/v1/jobs/${id}/events`, { headers: { 'last-event-id': '2' } })).body.text());
    assert.deepEqual(resumed.filter((e) => e.event === 'page').map((e) => e.id), ['3', '4']);
    assert.equal(resumed.at(-1)!.event, 'done');
  });

  it('streams page results as NDJSON until the job finishes', async () => {
    const id = await submit('ndjson', 3);
    const res = await request(`${server.url}/v1/jobs/${id}/pages`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'application/x-ndjson');
    const lines = (await res.body.text()).trim().split('\n').map((l) => JSON.parse(l) as { seq: number; page: number; ok: boolean });
    assert.deepEqual(lines.map((l) => l.seq), [1, 2, 3]);
    assert.deepEqual(lines.map((l) => l.page).sort(), [1, 2, 3]);
    const rest = (await (await request(`${server.url}/v1/jobs/${id}/pages?after=2`)).body.text()).trim().split('\n');
    assert.equal(rest.length, 1);
    const missing = await request(`${server.url}/v1/jobs/job-0000000000000000/events`);
    assert.equal(missing.statusCode, 404);
    await missing.body.dump();
  });

  it('refuses a malformed Last-Event-ID or after, an unknown id and a malformed id with a 4xx JSON error', async () => {
    const id = await submit('bad', 1);
    const cases: Array<[string, Record<string, string>]> = [
      [`/v1/jobs/${id}/events`, { 'last-event-id': 'abc' }],
      [`/v1/jobs/${id}/events`, { 'last-event-id': '-1' }],
      [`/v1/jobs/${id}/events?lastEventId=2.5`, {}],
      [`/v1/jobs/${id}/events`, { 'last-event-id': '1e99' }],
      [`/v1/jobs/${id}/events`, { 'last-event-id': '0x10' }],
      [`/v1/jobs/${id}/pages?after=1e3`, {}],
      [`/v1/jobs/${id}/pages?after=9999999999999999`, {}],
      [`/v1/jobs/${id}/pages?after=x`, {}],
      ['/v1/jobs/00000000000000000000000000000000/events', {}],
      ['/v1/jobs/..%2F..%2Fetc/pages', {}],
    ];
    for (const [url, headers] of cases) {
      const res = await request(`${server.url}${url}`, { headers });
      const text = await res.body.text();
      assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${url} ${JSON.stringify(headers)}: ${res.statusCode} ${text}`);
      assert.match((JSON.parse(text) as { error: { code: string } }).error.code, /^LAYOUT_ERR_/, url);
    }
  });
});
