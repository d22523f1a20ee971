/**
 * The image as `docker run` starts it (deploy/docker/Dockerfile's own comment): ready, healthy by
 * its HEALTHCHECK, non-root, analyses a real page and a PDF, comes back by its restart policy
 * after a crash, and on `docker stop` finishes the request in flight and exits 0.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { freePort } from '../../helpers/free-port.js';
import { busy, crashAndAwaitRestart, inspect, logs, postLayout, ready, samplePage, samplePdf, waitFor } from './live-helpers.js';
import type { LiveContext } from './live-context.js';

export function singleServiceSuite(ctx: LiveContext): void {
  describe('the image, one container (docker run)', { timeout: 600_000 }, () => {
    const name = 'doclayout-single';
    let url: string;

    it('starts as uid 10001 on the host network at 127.0.0.1, becomes ready and healthy', async () => {
      const { engine, modelDir } = ctx.get();
      const port = await freePort();
      url = `http://127.0.0.1:${port}`;
      await engine.docker(['run', '-d', '--name', name, '--network', 'host', '--restart', 'unless-stopped',
        '-e', 'DOCLAYOUT_HOST=127.0.0.1', '-e', `DOCLAYOUT_PORT=${port}`, '-e', 'DOCLAYOUT_DEVICES=cpu', '-e', 'DOCLAYOUT_GPU_TELEMETRY_MS=0',
        '-e', 'DOCLAYOUT_DRAIN_TIMEOUT_MS=60000', '-v', `${modelDir}:/models:ro`, '--stop-timeout', '70', 'doclayout:cpu']);
      await waitFor(() => ready(url), `${url}/readyz`, 120_000, () => logs(engine, name));
      // The image's HEALTHCHECK (node fetching /healthz) passes: what Docker and Compose go by.
      await waitFor(async () => (await inspect(engine, name, '{{.State.Health.Status}}')) === 'healthy', 'the HEALTHCHECK to report healthy', 120_000, () => logs(engine, name));
      assert.equal(await inspect(engine, name, '{{.Config.User}}'), '10001:10001');
      assert.equal((await engine.docker(['exec', name, 'id', '-u'])).stdout.trim(), '10001');
    });

    it('analyses a real page and a two-page PDF', async () => {
      const page = await postLayout(url, 'paper-page.jpg', samplePage());
      assert.equal(page.status, 200, JSON.stringify(page.body));
      assert.ok(page.body.regions.length > 0, 'regions found');
      assert.equal(page.body.input.name, 'paper-page.jpg');
      const pdf = await postLayout(url, 'two.pdf', await samplePdf(['paper-page.jpg', 'table.jpg']));
      assert.equal(pdf.status, 200, JSON.stringify(pdf.body));
      assert.equal(pdf.body.input.pageCount, 2);
      assert.deepEqual(pdf.body.pages.map((p: { input: { page: number } }) => p.input.page), [1, 2]);
      for (const p of pdf.body.pages) assert.ok(p.regions.length > 0);
      const garbage = await postLayout(url, 'page.jpg', Buffer.from('not an image at all'));
      assert.equal(garbage.status, 415, JSON.stringify(garbage.body));
      assert.equal(garbage.body.error.code, 'LAYOUT_ERR_UNSUPPORTED_MEDIA');
    });

    it('a crashed container (SIGKILL) is restarted by its restart policy and answers again', async () => {
      const { engine } = ctx.get();
      const restarts = await crashAndAwaitRestart(engine, name);
      assert.ok(restarts >= 1);
      await waitFor(() => ready(url), 'readyz after the restart', 120_000, () => logs(engine, name));
      const page = await postLayout(url, 'table.jpg', samplePage('table.jpg'));
      assert.equal(page.status, 200, JSON.stringify(page.body));
    });

    it('docker stop drains: the request in flight is answered, then the container exits 0', async () => {
      const { engine } = ctx.get();
      const long = await samplePdf(Array.from({ length: 12 }, (_, i) => ['paper-page.jpg', 'table.jpg', 'layout.jpg'][i % 3]!));
      const inFlight = postLayout(url, 'long.pdf', long);
      await waitFor(async () => (await busy(url)) > 0, 'the PDF to be in flight', 60_000);
      const stopped = engine.docker(['stop', '-t', '70', name], { timeoutMs: 90_000 });
      const answer = await inFlight;
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.pages.length, 12);
      await stopped;
      assert.equal(await inspect(engine, name, '{{.State.ExitCode}}'), '0', await logs(engine, name));
      assert.equal(await inspect(engine, name, '{{.State.Running}}'), 'false');
      // Stopped on purpose: the restart policy leaves it stopped.
      await engine.docker(['rm', name]);
    });
  });
}
