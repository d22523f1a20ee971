/**
 * Each device worker runs with a temp dir of its own (onnxruntime writes mat-debug-<pid>.log and
 * .ses files into TMPDIR), removed when it exits — a closed pool and a SIGKILLed worker leave
 * nothing in the temp root — and a pool's start sweeps what killed owners left behind. Real CPU
 * worker processes on the fixture model, in a temp root of this test's own.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nextEvent, page, startPool, untilState, waitFor } from './helpers.js';

/** Entries of the temp root that onnxruntime or a worker left there. */
function litter(root: string): string[] {
  return fs.readdirSync(root).filter((name) => name.startsWith('mat-debug-') || name.endsWith('.ses') || name.startsWith('doclayout-worker-'));
}

/**
 * The temp dir worker `pid` runs with, if it is one of the root's: the TMPDIR in its environment
 * (onnxruntime 1.30 wrote mat-debug-<pid>.log there, 1.31 writes only a .ses file, so the files
 * themselves cannot name their process).
 */
function dirOf(root: string, pid: number): string | undefined {
  const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
  const dir = environ.find((entry) => entry.startsWith('TMPDIR='))?.slice('TMPDIR='.length);
  return dir && path.dirname(dir) === root && path.basename(dir).startsWith('doclayout-worker-') && fs.existsSync(dir) ? dir : undefined;
}

/** A pid that is certainly gone: a process that ran and exited. */
function deadPid(): number {
  const { pid } = spawnSync(process.execPath, ['-e', '0']);
  return pid;
}

describe('worker temp dirs', { timeout: 120_000 }, () => {
  let root: string;
  const previous = process.env.TMPDIR;
  before(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-temp-test-'));
    process.env.TMPDIR = root;
    assert.equal(os.tmpdir(), root);
  });
  after(() => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('each worker writes into its own temp dir, and a closed pool leaves nothing in the temp root', async () => {
    const pool = await startPool({ devices: 'cpu,cpu' });
    try {
      await pool.analyze(await page());
      const pids = pool.snapshot().devices.map((d) => d.pid!);
      const dirs = pids.map((pid) => dirOf(root, pid));
      assert.ok(dirs.every(Boolean), `each worker runs with a temp dir of its own: ${fs.readdirSync(root).join(', ')}`);
      assert.notEqual(dirs[0], dirs[1]);
    } finally {
      await pool.close();
    }
    assert.deepEqual(litter(root), []);
  });

  it("a SIGKILLed worker's temp dir is removed by the pool, and its replacement gets a new one", async () => {
    const pool = await startPool({ devices: 'cpu' });
    try {
      const killed = pool.snapshot().devices[0]!.pid!;
      const killedDir = dirOf(root, killed);
      assert.ok(killedDir, `the worker has its temp dir: ${fs.readdirSync(root).join(', ')}`);
      const exited = nextEvent(pool, 'worker-exit');
      process.kill(killed, 'SIGKILL');
      await exited;
      await untilState(pool, 0, 'ready');
      await waitFor(() => !fs.existsSync(killedDir), `${killedDir} removed`);
      const replacement = pool.snapshot().devices[0]!.pid!;
      assert.notEqual(replacement, killed);
      assert.ok(dirOf(root, replacement), 'the replacement has a temp dir of its own');
      assert.equal(litter(root).length, 1, litter(root).join(', '));
    } finally {
      await pool.close();
    }
    assert.deepEqual(litter(root), []);
  });

  it('a pool start sweeps the temp dirs and PDF spools of dead owners, and of this pid before this process, nothing else', async () => {
    const dead = deadPid();
    const make = (name: string, file: string, ageMs = 0): string => {
      const dir = path.join(root, name);
      fs.mkdirSync(dir);
      fs.writeFileSync(path.join(dir, file), 'x');
      if (ageMs > 0) fs.utimesSync(dir, new Date(Date.now() - ageMs), new Date(Date.now() - ageMs));
      return dir;
    };
    const stale = [
      make(`doclayout-worker-${dead}-aaaaaa`, `mat-debug-${dead}.log`),
      make(`doclayout-pdf-${dead}-bbbbbb`, 'document.pdf'),
      make(`doclayout-worker-${process.pid}-eeeeee`, 'mat-debug-1.log', 3_600_000), // this pid's, from before this process
    ];
    const kept = [
      make(`doclayout-pdf-${process.ppid}-cccccc`, 'document.pdf'), // a live process's spool
      make(`doclayout-pdf-${process.pid}-dddddd`, 'document.pdf'), // this process's own, made after it started
      make(`doclayout-pdf-${dead}`, 'document.pdf'), // not a name this service makes
    ];
    const pool = await startPool({ devices: 'cpu' });
    try {
      await waitFor(() => stale.every((dir) => !fs.existsSync(dir)), 'stale dirs swept');
      for (const dir of kept) assert.ok(fs.existsSync(dir), `${dir} kept`);
    } finally {
      await pool.close();
      for (const dir of kept) fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
