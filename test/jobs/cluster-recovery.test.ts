/**
 * The failure paths of a cluster, each with real processes: a worker killed with SIGKILL mid-run
 * (its jobs come back through BullMQ's stalled-job check and the other worker finishes them),
 * Redis itself restarted mid-run (AOF keeps the queue; clients reconnect), a submitter that
 * resumes with the same --batch-id, a worker stopped with SIGTERM (finishes what it holds, exits
 * 0), and a submission canceled before any worker takes it.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { Cluster, JobClient, jobSettings } from '../../src/jobs/index.js';
import { RedisServer, skipWithoutRedis } from '../fixtures/redis-server.js';
import { clusterEnv, pageKeys, readJsonl, runCli, startWorker, stopWorker, tempDir, waitFor, writePages, writePdf, type WorkerProcess } from './helpers.js';

const skip = skipWithoutRedis();
const IMAGES = 14;
const PDF_PAGES = 4;
const PAGES = IMAGES + PDF_PAGES;

function client(redisUrl: string, queue: string): JobClient {
  return new JobClient(new Cluster(jobSettings(resolveConfig({ redis: redisUrl, queue }, {}))));
}

function expectedKeys(images: number, pdfPages: number): string[] {
  return [
    ...Array.from({ length: pdfPages }, (_, i) => `doc.pdf#${i + 1}`),
    ...Array.from({ length: images }, (_, i) => `page-${String(i).padStart(3, '0')}.png#1`),
  ].sort();
}

describe('cluster recovery', { skip, timeout: 300_000 }, () => {
  let redis: RedisServer;
  let inputs: string;
  const started: WorkerProcess[] = [];
  const clients: JobClient[] = [];

  before(async () => {
    redis = await RedisServer.start();
    inputs = tempDir('recovery-in');
    await writePages(inputs, IMAGES);
    await writePdf(path.join(inputs, 'doc.pdf'), PDF_PAGES);
  });

  after(async () => {
    await Promise.all(started.map((w) => stopWorker(w, 'SIGKILL')));
    await Promise.all(clients.map((c) => c.cluster.close()));
    await redis?.destroy();
  });

  const worker = async (queue: string): Promise<WorkerProcess> => {
    const w = await startWorker(clusterEnv(redis.url, { DOCLAYOUT_QUEUE: queue }));
    started.push(w);
    return w;
  };
  const open = (queue: string): JobClient => {
    const c = client(redis.url, queue);
    clients.push(c);
    return c;
  };

  it('kill -9 of a worker mid-run: the other finishes, nothing lost or duplicated', async () => {
    const queue = 'kill9';
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: queue });
    const [victim] = [await worker(queue), await worker(queue)];
    const jobs = open(queue);
    const submitted = await runCli(['submit', inputs, '--batch-id', 'k9'], env);
    assert.equal(submitted.code, 0, submitted.stderr);
    await waitFor(async () => ((await jobs.status('k9'))?.pagesDone ?? 0) >= 6, 'six pages done');
    victim!.child.kill('SIGKILL');
    assert.equal((await victim!.exited).signal, 'SIGKILL');
    // The submitter resumes the submission (same id: nothing is queued twice) and collects everything.
    const jsonl = path.join(tempDir('k9-out'), 'pages.jsonl');
    const waited = await runCli(['submit', inputs, '--batch-id', 'k9', '--wait', '--jsonl', jsonl], env);
    assert.equal(waited.code, 0, waited.stderr);
    assert.match(waited.stderr, new RegExp(`0 document\\(s\\) queued, ${IMAGES + 1} already in the batch`));
    assert.deepEqual(pageKeys(readJsonl(jsonl)), expectedKeys(IMAGES, PDF_PAGES));
    const status = (await jobs.status('k9'))!;
    assert.equal(status.pagesDone, PAGES);
    assert.equal(status.pagesTotal, PAGES);
    const counts = await jobs.queueCounts();
    assert.ok(counts.stalled >= 1, `the killed worker's jobs went through the stalled check (${counts.stalled})`);
  });

  it('Redis restarted mid-run: the run completes with every page once', async () => {
    const queue = 'restart';
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: queue });
    await worker(queue);
    await worker(queue);
    const jobs = open(queue);
    const submitted = await runCli(['submit', inputs, '--batch-id', 'rr'], env);
    assert.equal(submitted.code, 0, submitted.stderr);
    await waitFor(async () => ((await jobs.status('rr'))?.pagesDone ?? 0) >= 4, 'four pages done');
    await redis.restart();
    const jsonl = path.join(tempDir('rr-out'), 'pages.jsonl');
    const waited = await runCli(['submit', inputs, '--batch-id', 'rr', '--wait', '--jsonl', jsonl], env);
    assert.equal(waited.code, 0, waited.stderr);
    assert.deepEqual(pageKeys(readJsonl(jsonl)), expectedKeys(IMAGES, PDF_PAGES));
    assert.equal((await jobs.status('rr'))!.pagesDone, PAGES);
  });

  it('SIGTERM: the worker finishes the jobs it holds and exits 0', async () => {
    const queue = 'sigterm';
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: queue });
    const w = await worker(queue);
    const jobs = open(queue);
    assert.equal((await runCli(['submit', inputs, '--batch-id', 'st'], env)).code, 0);
    await waitFor(async () => ((await jobs.status('st'))?.pagesDone ?? 0) >= 3, 'three pages done');
    const exit = await stopWorker(w, 'SIGTERM');
    assert.equal(exit.code, 0, w.stderr());
    // Nothing it held is left active or lost: a second worker finishes the submission.
    const counts = await jobs.queueCounts();
    assert.equal(counts.pages.active, 0);
    await worker(queue);
    const waited = await runCli(['submit', inputs, '--batch-id', 'st', '--wait'], env);
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal((await jobs.status('st'))!.pagesDone, PAGES);
  });

  it('cancel: a canceled submission is never run', async () => {
    const queue = 'cancel';
    const env = clusterEnv(redis.url, { DOCLAYOUT_QUEUE: queue });
    const jobs = open(queue);
    assert.equal((await runCli(['submit', inputs, '--batch-id', 'cx'], env)).code, 0);
    const canceled = await runCli(['jobs', 'cancel', 'cx'], env);
    assert.equal(canceled.code, 0, canceled.stderr);
    assert.match(canceled.stdout, /cx\s+canceled/);
    await worker(queue);
    // Give the worker time to find anything left, then check it found nothing to run.
    await new Promise((r) => setTimeout(r, 1500));
    const status = (await jobs.status('cx'))!;
    assert.equal(status.state, 'canceled');
    assert.equal(status.pagesDone, 0);
    assert.ok(status.documents.every((d) => d.state === 'canceled'));
    const counts = await jobs.queueCounts();
    assert.equal(counts.documents.waiting + counts.pages.waiting, 0);
    const unknown = await runCli(['jobs', 'status', 'nope'], env);
    assert.equal(unknown.code, 1);
    assert.match(unknown.stderr, /LAYOUT_ERR_JOB_NOT_FOUND/);
  });
});
