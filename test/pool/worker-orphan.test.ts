/**
 * A device worker whose pool process is killed (kill -9: no close, no SIGTERM, only the IPC channel
 * dropping) exits within 2 s, even when its cleanup hangs: it must not hold its device as an orphan.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { processGone, waitUntil } from '../jobs/serve-process.js';

const PARENT = fileURLToPath(new URL('../fixtures/orphan-pool-parent.js', import.meta.url));

describe('a device worker whose pool is killed', { timeout: 120_000 }, () => {
  it('exits within 2 s although its cleanup never finishes', async (t) => {
    const parent = spawn(process.execPath, [PARENT, '--hold-pool'], { stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const [line] = (await once(parent.stdout, 'data')) as [Buffer];
      const pids = JSON.parse(line.toString('utf8').trim()) as number[];
      assert.equal(pids.length, 1);
      assert.ok(pids.every((pid) => !processGone(pid)), 'the worker runs');
      parent.kill('SIGKILL');
      const killedAt = Date.now();
      await waitUntil(() => pids.every(processGone), 'the orphaned worker to exit', 10_000);
      const goneMs = Date.now() - killedAt;
      t.diagnostic(`worker gone ${goneMs} ms after its pool was killed`);
      assert.ok(goneMs <= 2_000, `the worker outlived its killed pool by ${goneMs} ms`);
    } finally {
      if (parent.exitCode === null) parent.kill('SIGKILL');
    }
  });
});
