/**
 * A real cluster: redis-server, two `doclayout worker` processes and a `doclayout submit --wait`
 * over images, a PDF and two broken files. Every page result arrives exactly once, the bad files
 * fail alone with their error codes, and the output is the layout `analyze` writes.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { clusterEnv, pageKeys, readJsonl, runCli, startWorker, stopWorker, tempDir, writePages, writePdf, type WorkerProcess } from './helpers.js';

const skip = skipWithoutRedis();

describe('a cluster of two workers', { skip, timeout: 180_000 }, () => {
  let redis: RedisServer;
  let workers: WorkerProcess[] = [];
  let inputs: string;

  before(async () => {
    redis = await RedisServer.start();
    inputs = tempDir('cluster-in');
    await writePages(inputs, 12);
    await writePdf(path.join(inputs, 'doc.pdf'), 5);
    fs.writeFileSync(path.join(inputs, 'broken.pdf'), '%PDF-1.7\nnot really a pdf at all');
    // A PNG signature with garbage after it: sniffs as an image, fails to decode on the device.
    fs.writeFileSync(path.join(inputs, 'corrupt.png'), Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 7)]));
    workers = await Promise.all([startWorker(clusterEnv(redis.url)), startWorker(clusterEnv(redis.url))]);
  });

  after(async () => {
    await Promise.all(workers.map((w) => stopWorker(w, 'SIGKILL')));
    await redis?.destroy();
  });

  it('writes every page exactly once; the bad files fail alone with their codes', async () => {
    const jsonl = path.join(tempDir('cluster-out'), 'pages.jsonl');
    const result = await runCli(['submit', inputs, '--wait', '--jsonl', jsonl, '--batch-id', 'run1'], clusterEnv(redis.url));
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /batch run1 failed: 13 ok, 2 failed; 18 pages/);
    assert.match(result.stderr, /broken\.pdf: .*\[LAYOUT_ERR_PDF\]/);
    assert.match(result.stderr, /corrupt\.png: .*\[LAYOUT_ERR_IMAGE_CORRUPT\]/);
    // Not a terminal: a line per finished document, as its pages were followed from the stored order.
    assert.match(result.stderr, /^\[\d+ pages, [\d.]+ pages\/s\] doc\.pdf: 5 page\(s\)$/m);
    assert.match(result.stderr, /^\[\d+ pages, [\d.]+ pages\/s\] FAILED broken\.pdf: .*\[LAYOUT_ERR_PDF\]$/m);
    const keys = pageKeys(readJsonl(jsonl));
    const expected = [
      ...Array.from({ length: 5 }, (_, i) => `doc.pdf#${i + 1}`),
      ...Array.from({ length: 12 }, (_, i) => `page-${String(i).padStart(3, '0')}.png#1`),
    ].sort();
    assert.deepEqual(keys, expected);
    // Both workers took part.
    const status = await runCli(['jobs', 'status', 'run1', '--json'], clusterEnv(redis.url));
    const record = JSON.parse(status.stdout);
    assert.equal(record.state, 'failed');
    assert.equal(record.pagesDone, 18);
    assert.equal(record.pagesFailed, 1);
    // Scripts read `batchId` (the code's submissionId), on the record and on each document.
    assert.equal(record.batchId, 'run1');
    assert.equal(record.submissionId, undefined);
    assert.ok(record.documents.length === 15 && record.documents.every((d: Record<string, unknown>) => d.batchId === 'run1' && !('submissionId' in d)));
    const devices = new Set(readJsonl(jsonl).map((l) => (l as unknown as { device?: string }).device));
    assert.ok(devices.size >= 1);
  });

  it('submit --wait --out (with --shared-path) writes exactly the files analyze writes', async () => {
    const clean = tempDir('cluster-clean');
    await writePages(clean, 3, 'img');
    fs.mkdirSync(path.join(clean, 'sub'));
    await writePdf(path.join(clean, 'sub', 'doc.pdf'), 3);
    const viaCluster = tempDir('via-cluster');
    const viaAnalyze = tempDir('via-analyze');
    const submitted = await runCli(['submit', clean, '--shared-path', '--wait', '--out', viaCluster, '--batch-id', 'layout'], clusterEnv(redis.url));
    assert.equal(submitted.code, 0, submitted.stderr);
    const analyzed = await runCli(['analyze', clean, '--out', viaAnalyze], clusterEnv(redis.url));
    assert.equal(analyzed.code, 0, analyzed.stderr);
    const list = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[]).filter((f) => f.endsWith('.json')).sort();
    assert.deepEqual(list(viaCluster), list(viaAnalyze));
    assert.deepEqual(list(viaCluster), ['img-000.json', 'img-001.json', 'img-002.json', path.join('sub', 'doc.json')]);
    // Run-specific fields (timings, the device that answered) aside, the files are the same.
    const strip = (value: unknown): unknown => JSON.parse(JSON.stringify(value, (key, v) => (['timing', 'device', 'deviceIndex'].includes(key) ? undefined : v)));
    for (const file of list(viaCluster)) {
      const a = JSON.parse(fs.readFileSync(path.join(viaCluster, file), 'utf8'));
      const b = JSON.parse(fs.readFileSync(path.join(viaAnalyze, file), 'utf8'));
      assert.deepEqual(strip(a), strip(b), file);
    }
    // Results are removed from Redis once written: `jobs results` has nothing left to write.
    const again = await runCli(['jobs', 'results', 'layout', '--out', tempDir('again')], clusterEnv(redis.url));
    assert.match(again.stderr, /0 document\(s\) written/);
  });

  it('submit, then jobs results --format page,alto,coco writes the export formats of the finished documents', async () => {
    const clean = tempDir('cluster-formats');
    await writePages(clean, 2, 'fmt');
    await writePdf(path.join(clean, 'doc.pdf'), 2);
    const submitted = await runCli(['submit', clean, '--wait', '--batch-id', 'formats'], clusterEnv(redis.url));
    assert.equal(submitted.code, 0, submitted.stderr);
    const out = tempDir('formats-out');
    const written = await runCli(['jobs', 'results', 'formats', '--out', out, '--format', 'page,alto,coco'], clusterEnv(redis.url));
    assert.equal(written.code, 0, written.stderr);
    assert.match(written.stderr, /3 document\(s\) written/);
    const files = (fs.readdirSync(out, { recursive: true, encoding: 'utf8' }) as string[]).sort();
    assert.deepEqual(files, ['coco.json', 'doc.alto.xml', 'doc.page', path.join('doc.page', 'doc-p0001.page.xml'), path.join('doc.page', 'doc-p0002.page.xml'),
      'fmt-000.alto.xml', 'fmt-000.page.xml', 'fmt-001.alto.xml', 'fmt-001.page.xml']);
    const coco = JSON.parse(fs.readFileSync(path.join(out, 'coco.json'), 'utf8'));
    assert.deepEqual(coco.images.map((i: { file_name: string }) => i.file_name).sort(), ['images/doc-p0001.jpg', 'images/doc-p0002.jpg', 'images/fmt-000.png', 'images/fmt-001.png']);
    const bad = await runCli(['jobs', 'results', 'formats', '--out', out, '--format', 'hocr'], clusterEnv(redis.url));
    assert.equal(bad.code, 2);
  });

  it('status --redis shows both workers and the queue; jobs list shows the submission', async () => {
    const status = await runCli(['status', '--redis', redis.url, '--json'], clusterEnv(redis.url));
    assert.equal(status.code, 0, status.stderr);
    const cluster = JSON.parse(status.stdout);
    assert.equal(cluster.healthy, true);
    assert.equal(cluster.workers.length, 2);
    assert.equal(cluster.workers.reduce((sum: number, w: { pagesStored: number }) => sum + w.pagesStored, 0), 18 + 6 + 4);
    assert.equal(cluster.pages.waiting, 0);
    const table = await runCli(['status', '--redis', redis.url], clusterEnv(redis.url));
    assert.match(table.stdout, /WORKER\s+HOST\s+DEVICES/);
    const list = await runCli(['jobs', 'list'], clusterEnv(redis.url));
    assert.match(list.stdout, /run1\s+failed\s+docs 15\/15 \(2 failed\)\s+pages 18\/18/);
    const listed = JSON.parse((await runCli(['jobs', 'list', '--json'], clusterEnv(redis.url))).stdout) as Array<Record<string, unknown>>;
    const run1 = listed.find((s) => s.batchId === 'run1');
    assert.ok(run1 && run1.state === 'failed' && !('submissionId' in run1) && !('documents' in run1), JSON.stringify(listed));
  });
});
