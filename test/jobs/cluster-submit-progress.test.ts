/**
 * `submit --wait` shows progress page by page from the pages' stored order — the per-document
 * list the job event stream follows — not from the submission's counters: with real Redis and a real
 * cluster worker on a slow device (300 ms a page), the pages of a document still running show up
 * one look at a time before the document's own line, results are still written as documents
 * finish, and a terminal's bar names each page as it is stored.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { waitForSubmission } from '../../src/cli/commands/submit.js';
import { resolveConfig } from '../../src/config.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { pageKeys, readJsonl, startFaultyCluster, tempDir, type FaultyCluster } from './helpers.js';
import { taggedPdf } from './serve-process.js';

const skip = skipWithoutRedis();

/** A stream that keeps what is written, seen as a terminal or not. */
function capture(isTTY: boolean): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns: 160, write: (chunk: unknown) => chunks.push(String(chunk)) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

describe('submit --wait follows the stored pages', { skip, timeout: 180_000 }, () => {
  let redis: RedisServer;
  let rig: FaultyCluster;
  const options = { params: {}, pdfDpi: resolveConfig({}, {}).pdfDpi, maxPdfPages: 0 };

  before(async () => {
    redis = await RedisServer.start();
    const config = resolveConfig({
      redis: redis.url, queue: 'follow', devices: 'cpu', cpuThreads: 1, gpuTelemetryMs: 0, maxQueueDelayMs: 1, maxBatch: 1,
      heartbeatIntervalMs: 100, restartBackoffMs: 50, jobLockMs: 5_000,
    }, {});
    rig = await startFaultyCluster(config, { delayMsPerPage: 300 });
  });

  after(async () => {
    await rig?.close();
    await redis?.destroy();
  });

  it('a non-terminal gets pages-done lines naming documents under way, then each document\'s line; results are written', async () => {
    const { client } = rig;
    await client.createSubmission('lines');
    await client.submitDocument('lines', { name: 'long.pdf', bytes: await taggedPdf('lines-long', 6) }, options);
    await client.submitDocument('lines', { name: 'short.pdf', bytes: await taggedPdf('lines-short', 2) }, options);
    const jsonl = path.join(tempDir('follow-out'), 'pages.jsonl');
    const out = capture(false);
    const code = await waitForSubmission(client, 'lines', { jsonl }, { stream: out.stream, lineEveryMs: 0 });
    const text = out.text();
    assert.equal(code, 0, text);

    const lines = text.split('\n');
    const doneLine = lines.findIndex((l) => /\] long\.pdf: 6 page\(s\)$/.test(l));
    assert.ok(doneLine > 0, text);
    // Before its own line, long.pdf was seen under way, page by page.
    const underWay = lines.slice(0, doneLine).flatMap((l) => {
      const m = /long\.pdf (\d)\/6/.exec(l);
      return m ? [Number(m[1])] : [];
    });
    assert.ok(underWay.length >= 3, `long.pdf shown under way at least 3 times before it finished:\n${text}`);
    assert.ok(underWay.every((n, i) => n >= 1 && n <= 6 && (i === 0 || n > underWay[i - 1]!)), `pages of long.pdf only grow:\n${text}`);
    assert.ok(underWay[0]! < 6, `long.pdf was seen with pages still to come:\n${text}`);
    // The pages-done counts move in small steps (one look ≈ one page), never backwards.
    const done = lines.flatMap((l) => {
      const m = /^\[(\d+)\/(\d+) pages/.exec(l);
      return m ? [Number(m[1])] : [];
    });
    assert.ok(done.length >= 4, text);
    assert.ok(done.every((n, i) => i === 0 || n > done[i - 1]!), text);
    assert.match(text, /\] short\.pdf: 2 page\(s\)/);
    assert.match(text, /batch lines completed: 2 ok, 0 failed; 8 pages/);
    assert.deepEqual(pageKeys(readJsonl(jsonl)), [...[1, 2, 3, 4, 5, 6].map((p) => `long.pdf#${p}`), 'short.pdf#1', 'short.pdf#2']);
  });

  it('a terminal\'s bar steps page by page, naming the page just stored', async () => {
    const { client } = rig;
    await client.createSubmission('bar');
    await client.submitDocument('bar', { name: 'bar.pdf', bytes: await taggedPdf('bar', 5) }, options);
    const out = capture(true);
    assert.equal(await waitForSubmission(client, 'bar', {}, { stream: out.stream }), 0, out.text());
    const text = out.text();
    const named = new Set([...text.matchAll(/bar\.pdf p\.(\d)/g)].map((m) => m[1]));
    assert.ok(named.size >= 3, `the bar named at least 3 of the 5 pages as they were stored:\n${JSON.stringify(text)}`);
    assert.match(text, /5\/5 pages/);
  });
});
