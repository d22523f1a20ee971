import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { formatLoadReport, runLoad } from '../../src/loadtest/index.js';
import { repoRoot } from '../fixtures/paths.js';

const cli = path.join(repoRoot, 'dist/src/cli/index.js');

/**
 * A small HTTP server standing in for "any service": answers each POST after a few ms with the
 * device of its choice (two alternating devices), every 5th request with 429, and records the
 * most requests it ever had open at once and what it received.
 */
function startTarget(): Promise<{ url: string; stats: { maxOpen: number; received: Array<{ path: string; type: string; bytes: number }> }; close: () => Promise<void> }> {
  const stats = { maxOpen: 0, received: [] as Array<{ path: string; type: string; bytes: number }> };
  let open = 0;
  let n = 0;
  const server = http.createServer((req, res) => {
    open++;
    stats.maxOpen = Math.max(stats.maxOpen, open);
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = n++;
      stats.received.push({ path: req.url ?? '', type: String(req.headers['content-type']), bytes: Buffer.concat(chunks).length });
      setTimeout(() => {
        open--;
        if (i % 5 === 4) {
          res.writeHead(429, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ error: { code: 'LAYOUT_ERR_POOL_QUEUE_FULL', message: 'full' } }));
          return;
        }
        const device = i % 2 === 0 ? 'cuda:0' : 'cuda:1';
        res.writeHead(200, { 'content-type': 'application/json', 'x-doclayout-device': device });
        res.end(JSON.stringify({ device, regions: [] }));
      }, 5);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({ url: `http://127.0.0.1:${port}`, stats, close: () => new Promise((r) => server.close(() => r())) });
    });
  });
}

/** A port nobody listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

const file = { name: 'page.png', bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]) };

describe('load generator', { timeout: 60_000 }, () => {
  let target: Awaited<ReturnType<typeof startTarget>>;
  before(async () => {
    target = await startTarget();
  });
  after(() => target.close());

  it('sends exactly N requests with at most C open at once, and counts statuses and devices', async () => {
    target.stats.maxOpen = 0;
    target.stats.received.length = 0;
    const report = await runLoad({ url: target.url, files: [file], concurrency: 3, requests: 20, params: { threshold: '0.4' } });
    assert.equal(report.requests, 20);
    assert.equal(target.stats.received.length, 20);
    assert.ok(target.stats.maxOpen <= 3, `max open ${target.stats.maxOpen}`);
    assert.deepEqual(report.statusCodes, { 200: 16, 429: 4 });
    assert.equal(report.ok, 16);
    assert.equal(report.httpErrors, 4);
    assert.equal(report.transportErrors, 0);
    assert.deepEqual(report.errors, { LAYOUT_ERR_POOL_QUEUE_FULL: 4 });
    assert.equal((report.devices['cuda:0'] ?? 0) + (report.devices['cuda:1'] ?? 0), 16);
    assert.ok((report.devices['cuda:0'] ?? 0) > 0 && (report.devices['cuda:1'] ?? 0) > 0);
    assert.equal(report.latencyMs.count, 16);
    assert.ok(report.latencyMs.min! >= 4 && report.latencyMs.p50! <= report.latencyMs.p99! && report.latencyMs.p99! <= report.latencyMs.max!);
    assert.ok(report.throughputRps > 0);
    // Multipart upload with the layout parameters in the query string.
    assert.equal(target.stats.received[0]!.path, '/v1/layout?threshold=0.4');
    assert.match(target.stats.received[0]!.type, /^multipart\/form-data; boundary=/);
    assert.match(formatLoadReport(report), /p50 .* p95 .* p99 .* max/);
  });

  it('runs for a duration and sends PaddleX endpoints base64 JSON', async () => {
    target.stats.received.length = 0;
    const report = await runLoad({ url: target.url, endpoint: '/object-detection', files: [file], concurrency: 2, durationS: 0.3 });
    assert.ok(report.requests >= 2);
    assert.ok(report.elapsedS >= 0.3);
    const sent = target.stats.received[0]!;
    assert.equal(sent.path, '/object-detection');
    assert.equal(sent.type, 'application/json');
  });

  it('counts refused connections as transport errors, apart from HTTP statuses', async () => {
    const report = await runLoad({ url: `http://127.0.0.1:${await closedPort()}`, files: [file], concurrency: 2, requests: 4, timeoutMs: 5_000 });
    assert.equal(report.requests, 4);
    assert.equal(report.transportErrors, 4);
    assert.equal(report.ok, 0);
    assert.deepEqual(report.statusCodes, { transport: 4 });
    assert.equal(report.latencyMs.p50, null);
  });

  it('refuses nonsense options before sending anything', async () => {
    await assert.rejects(runLoad({ url: target.url, files: [file], concurrency: 0, requests: 1 }), /concurrency/);
    await assert.rejects(runLoad({ url: target.url, files: [file], concurrency: 1 }), /duration/);
    await assert.rejects(runLoad({ url: target.url, files: [], concurrency: 1, requests: 1 }), /file/);
  });

  it('doclayout bench prints the report, writes JSON, and exits 1 only on transport errors', { skip: !fs.existsSync(cli) && 'CLI not built' }, async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-'));
    const input = path.join(dir, 'page.png');
    fs.writeFileSync(input, file.bytes);
    const out = path.join(dir, 'report.json');
    const run = (args: string[]) => new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [cli, 'bench', ...args], { timeout: 30_000 }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
    const ok = await run(['--url', target.url, '--concurrency', '2', '--requests', '5', '--json', out, input]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /throughput/);
    assert.match(ok.stdout, /pages by device/);
    const saved = JSON.parse(fs.readFileSync(out, 'utf8')) as { requests: number; concurrency: number };
    assert.equal(saved.requests, 5);
    assert.equal(saved.concurrency, 2);

    const refused = await run(['--url', `http://127.0.0.1:${await closedPort()}`, '--requests', '2', input]);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /no HTTP answer/);

    const usage = await run(['--url', target.url, input]);
    assert.notEqual(usage.code, 0, 'neither --duration nor --requests');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
