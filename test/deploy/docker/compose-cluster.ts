/**
 * The compose "cluster" profile with the CPU override: Redis (AOF) and two worker containers; a
 * `doclayout submit --wait` from the host finishes a submission with every page exactly once although
 * one worker container is crashed mid-run (its jobs come back through the stalled-job check,
 * and the container itself by its restart policy).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { resolveConfig } from '../../../src/config.js';
import { Cluster, JobClient, jobSettings } from '../../../src/jobs/index.js';
import { cli, pageKeys, readJsonl, writePdf } from '../../jobs/helpers.js';
import { freePort } from '../../helpers/free-port.js';
import { stack, type Stack } from './compose.js';
import { crashAndAwaitRestart, initPid, inspect, logs, samplePage, waitFor } from './live-helpers.js';
import type { LiveContext } from './live-context.js';

const IMAGES = 90;
const PDF_PAGES = 6;
const PAGES = IMAGES + PDF_PAGES;
const samples = ['paper-page.jpg', 'table.jpg', 'layout.jpg', 'demo-rot0.jpg', 'demo-rot180.jpg'];

/** Short job locks so a crashed worker's pages come back in seconds, not the default 30 s. */
const testTimings = `services:
  doclayout-worker-cpu:
    environment:
      DOCLAYOUT_JOB_LOCK_MS: "2000"
      DOCLAYOUT_HEARTBEAT_MS: "200"
      DOCLAYOUT_CPU_THREADS: "1"
`;

export function composeClusterSuite(ctx: LiveContext): void {
  describe('compose, cluster profile: Redis with AOF and two workers', { timeout: 900_000 }, () => {
    let compose: Stack | undefined;
    let client: JobClient | undefined;
    let redisUrl: string;

    after(async () => {
      await client?.cluster.close();
      await compose?.down();
    });

    it('up: Redis with AOF on 127.0.0.1, two workers ready', async () => {
      const { engine, modelDir, tmp } = ctx.get();
      const port = await freePort();
      redisUrl = `redis://127.0.0.1:${port}`;
      const timings = path.join(tmp, 'cluster-test-timings.yml');
      fs.writeFileSync(timings, testTimings);
      compose = stack(engine, 'dlcluster', {
        DOCLAYOUT_MODELS: modelDir,
        DOCLAYOUT_REDIS_PORT: String(port),
        DOCLAYOUT_REDIS_IMAGE: 'doclayout-local/redis:bookworm',
      }, [timings]);
      await compose.compose(['--profile', 'cluster', 'up', '-d', '--no-build', '--scale', 'doclayout-worker-cpu=2', 'doclayout-worker-cpu'], 400_000);
      const redis = await compose.container('redis-cpu');
      assert.equal(await inspect(engine, redis, '{{.State.Health.Status}}'), 'healthy');
      const aof = await engine.docker(['exec', redis, 'redis-cli', '-h', '127.0.0.1', '-p', String(port), 'config', 'get', 'appendonly']);
      assert.match(aof.stdout, /appendonly\s+yes/);
      for (const index of [0, 1]) {
        const id = await compose.container('doclayout-worker-cpu', index);
        await waitFor(async () => /doclayout worker .* capacity/.test(await logs(engine, id)), `worker ${index} to be ready`, 120_000, () => logs(engine, id));
      }
      client = new JobClient(new Cluster(jobSettings(resolveConfig({ redis: redisUrl, queue: 'doclayout' }, {}))));
    });

    it('submit --wait: a worker container crashed mid-run, every page arrives exactly once', async (t) => {
      const { engine, tmp } = ctx.get();
      const inputs = fs.mkdtempSync(path.join(tmp, 'batch-'));
      for (let i = 0; i < IMAGES; i++) fs.writeFileSync(path.join(inputs, `page-${String(i).padStart(3, '0')}.jpg`), samplePage(samples[i % samples.length]));
      await writePdf(path.join(inputs, 'doc.pdf'), PDF_PAGES);
      const jsonl = path.join(tmp, 'batch.jsonl');
      // Read before the submission starts, so the crash lands the moment it is under way.
      const victim = await compose!.container('doclayout-worker-cpu', 0);
      const victimPid = await initPid(engine, victim);
      const submit = spawn(process.execPath, [cli, 'submit', inputs, '--redis', redisUrl, '--batch-id', 'deploy', '--wait', '--jsonl', jsonl], {
        stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCLAYOUT_LOG_LEVEL: 'warn' },
      });
      let stderr = '';
      submit.stderr!.setEncoding('utf8').on('data', (d: string) => {
        stderr += d;
      });
      const exited = new Promise<number | null>((resolve) => submit.once('exit', (code) => resolve(code)));
      const timer = setTimeout(() => submit.kill('SIGKILL'), 400_000);
      try {
        const done = async (): Promise<number> => (await client!.status('deploy'))?.pagesDone ?? 0;
        await waitFor(async () => (await done()) >= 4, 'four pages of the submission done', 180_000, () => stderr);
        const atCrash = await done();
        const restarts = await crashAndAwaitRestart(engine, victim, victimPid);
        assert.ok(atCrash < PAGES, `the submission was over (${atCrash} pages) before the crash`);
        const code = await exited;
        t.diagnostic(`crashed a worker at ${atCrash}/${PAGES} pages; it restarted ${restarts}×`);
        assert.equal(code, 0, stderr);
        const lines = readJsonl(jsonl);
        const expected = [
          ...Array.from({ length: PDF_PAGES }, (_, i) => `doc.pdf#${i + 1}`),
          ...Array.from({ length: IMAGES }, (_, i) => `page-${String(i).padStart(3, '0')}.jpg#1`),
        ].sort();
        assert.deepEqual(pageKeys(lines), expected, 'every page exactly once');
        const status = (await client!.status('deploy'))!;
        assert.equal(status.state, 'completed');
        assert.equal(status.pagesDone, PAGES);
        assert.equal(status.pagesTotal, PAGES);
      } finally {
        clearTimeout(timer);
        submit.kill('SIGKILL');
      }
    });
  });
}
