/**
 * deploy/compose/docker-compose.yml with the CPU override: two doclayout containers behind the
 * nginx container, all on the host network at 127.0.0.1. The load is spread over both, and one
 * instance crashing mid-load costs no request (nginx re-sends what it had in flight there); the
 * crashed container comes back by its restart policy.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { runLoad, type LoadFile } from '../../../src/loadtest/index.js';
import { completedPages } from '../instance-harness.js';
import { freePort } from '../../helpers/free-port.js';
import { stack, type Stack } from './compose.js';
import { busy, crashAndAwaitRestart, initPid, logs, ready, samplePage, waitFor } from './live-helpers.js';
import type { LiveContext } from './live-context.js';

const CONCURRENCY = 4;

export function composeBalancedSuite(ctx: LiveContext): void {
  describe('compose, CPU override: two instances behind nginx', { timeout: 900_000 }, () => {
    let lb: string;
    let backends: string[];
    let compose: Stack | undefined;
    const files: LoadFile[] = ['paper-page.jpg', 'table.jpg', 'layout.jpg'].map((name) => ({ name, bytes: samplePage(name) }));

    after(async () => {
      await compose?.down();
    });

    it('up: nginx starts once both instances are healthy, and answers for them', async () => {
      const { engine, modelDir, tmp } = ctx.get();
      const [p0, p1, lbPort] = [await freePort(), await freePort(), await freePort()];
      backends = [`http://127.0.0.1:${p0}`, `http://127.0.0.1:${p1}`];
      lb = `http://127.0.0.1:${lbPort}`;
      // The nginx config from the image's own CLI, as the override's comment tells operators;
      // a short fail_timeout so the crashed instance is retried soon after it is back.
      const conf = path.join(tmp, 'doclayout-cpu.conf');
      const generated = await engine.docker(['run', '--rm', '--network', 'none', 'doclayout:cpu', 'deploy', 'nginx',
        '--upstream', `127.0.0.1:${p0}`, '--upstream', `127.0.0.1:${p1}`, '--listen', `127.0.0.1:${lbPort}`, '--fail-timeout-s', '1']);
      fs.writeFileSync(conf, generated.stdout);
      fs.chmodSync(conf, 0o644);
      compose = stack(engine, 'dlbalanced', {
        DOCLAYOUT_MODELS: modelDir,
        DOCLAYOUT_CPU0_PORT: String(p0),
        DOCLAYOUT_CPU1_PORT: String(p1),
        DOCLAYOUT_NGINX_CONF: conf,
        DOCLAYOUT_NGINX_IMAGE: 'doclayout-local/nginx:bookworm',
      });
      await compose.compose(['up', '-d', '--no-build', 'nginx-cpu'], 400_000);
      await waitFor(() => ready(lb), `${lb}/readyz through nginx`, 120_000, async () => (await compose!.compose(['logs', '--tail', '30'])).stdout);
      for (const url of backends) assert.ok(await ready(url), url);
      // Warm both (first pages pay for JIT and session warm-up), so the split below is balancing.
      for (const url of backends) {
        const warm = await runLoad({ url, files, concurrency: 2, requests: 4, timeoutMs: 60_000 });
        assert.equal(warm.ok, 4, JSON.stringify(warm.errors));
      }
    });

    it('spreads the load over both instances (least_conn)', async (t) => {
      const before = await Promise.all(backends.map((u) => completedPages(u)));
      const total = 60;
      const report = await runLoad({ url: lb, files, concurrency: CONCURRENCY, requests: total, timeoutMs: 60_000 });
      assert.equal(report.ok, total, JSON.stringify(report.errors));
      const served = (await Promise.all(backends.map((u) => completedPages(u)))).map((n, k) => n - before[k]!);
      t.diagnostic(`pages per instance: ${served.join(', ')}`);
      assert.equal(served[0]! + served[1]!, total);
      for (const n of served) assert.ok(n >= total / 8, `unfair split: ${served.join(', ')}`);
    });

    it('one instance crashes mid-load: no request is lost, and it comes back', async (t) => {
      const { engine } = ctx.get();
      const victim = await compose!.container('doclayout-cpu1');
      const victimPid = await initPid(engine, victim);
      const total = 80;
      let settled = false;
      const load = runLoad({ url: lb, files, concurrency: CONCURRENCY, requests: total, timeoutMs: 60_000 }).finally(() => {
        settled = true;
      });
      const base = await completedPages(backends[1]!);
      await waitFor(async () => {
        assert.ok(!settled, 'the load ended before the victim got busy');
        return (await completedPages(backends[1]!)) >= base + 3 && (await busy(backends[1]!)) >= 1;
      }, 'the victim to serve this load and hold a request', 120_000);
      assert.equal(settled, false, 'the load must still be running at the crash');
      const restarts = await crashAndAwaitRestart(engine, victim, victimPid);
      const report = await load;
      t.diagnostic(`${report.requests} requests, ${report.ok} ok; victim restarted ${restarts}×`);
      assert.equal(report.requests, total);
      assert.equal(report.ok, total, `lost ${report.requests - report.ok}: ${JSON.stringify(report.errors)}`);
      await waitFor(() => ready(backends[1]!), 'the restarted instance to be ready', 120_000, () => logs(engine, victim));
      // nginx takes it back once its fail_timeout has passed: keep a light load on until it does.
      await waitFor(async () => {
        const more = await runLoad({ url: lb, files, concurrency: CONCURRENCY, requests: 8, timeoutMs: 60_000 });
        assert.equal(more.ok, more.requests, JSON.stringify(more.errors));
        return (await completedPages(backends[1]!)) > 0;
      }, 'the restarted instance to get traffic again', 120_000);
    });
  });
}
