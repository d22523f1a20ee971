/**
 * Nothing accepted is lost (issue 27), with real `doclayout serve` processes on one data
 * directory: 30 four-page jobs accepted with 202, then the server is killed (kill -9) or stopped
 * (SIGTERM) mid-run and started again on the same directory. Every job finishes, each page is
 * stored once, pages stored before are not run again, SIGTERM leaves queued jobs queued (never
 * canceled), and no device worker outlives a killed server by more than 2 s. A second server on
 * the same directory, and a corrupt database, are refused at start with a clear error.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { DatabaseSync } from 'node:sqlite';
import { loadSqlite } from '../../src/jobs/durable/sqlite-module.js';
import { tempDataDir } from '../server/helpers.js';
import {
  childPids, metric, processGone, serveRefuses, startServe, submitJob, taggedPdf, tally, getJob, waitUntil, type ServeProcess,
} from './serve-process.js';

const JOBS = 30;
const PAGES = 4;

async function withDatabase<T>(dir: string, read: (db: DatabaseSync) => T): Promise<T> {
  const { DatabaseSync } = await loadSqlite();
  const db = new DatabaseSync(path.join(dir, 'jobs.db'));
  try {
    return read(db);
  } finally {
    db.close();
  }
}

async function acceptJobs(server: ServeProcess, tag: string): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < JOBS; i++) {
    const res = await submitJob(server.url, await taggedPdf(`${tag}-${i}`, PAGES), `${tag}-${i}.pdf`);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    ids.push(res.body.id);
  }
  return ids;
}

describe('durable embedded jobs: faults of the server process', { timeout: 600_000 }, () => {
  const running: ServeProcess[] = [];
  after(() => {
    for (const server of running) if (server.child.exitCode === null) server.child.kill('SIGKILL');
  });

  it('kill -9 with 30 jobs in flight: after a restart every job finishes, none lost or duplicated, no page run twice', async (t) => {
    const dir = tempDataDir();
    const first = await startServe(dir);
    running.push(first);
    const ids = await acceptJobs(first, 'kill');

    // One server per data directory: a second one refuses to start, naming the directory.
    const second = await serveRefuses(dir);
    assert.notEqual(second.code, 0);
    assert.match(second.output, /LAYOUT_ERR_DATA_DIR_IN_USE/);
    assert.ok(second.output.includes(dir), second.output);

    await waitUntil(async () => (await getJob(first.url, ids[0]!)).body.state === 'completed', 'a first job to finish');
    const workers = childPids(first.child.pid!);
    assert.ok(workers.length >= 1, 'the server has device worker processes');
    first.child.kill('SIGKILL');
    const killedAt = Date.now();
    await first.exited;
    await waitUntil(() => workers.every(processGone), 'device workers to exit after their server died', 10_000);
    const workersGoneMs = Date.now() - killedAt;
    assert.ok(workersGoneMs <= 2_000, `device workers outlived the killed server by ${workersGoneMs} ms`);

    const storedBefore = await withDatabase(dir, (db) => Number(db.prepare('SELECT count(*) AS n FROM pages').get()!.n));
    assert.ok(storedBefore < JOBS * PAGES, 'the kill came while pages were left to run');

    const restarted = await startServe(dir);
    running.push(restarted);
    const counts = await tally(restarted.url, ids, PAGES, 300_000);
    const storedAfter = await metric(restarted.url, 'doclayout_jobs_worker_pages');
    const runAfter = await metric(restarted.url, 'doclayout_pool_accepted_total');
    // A page whose result reached the cache (a table of the same database) but not its job before the kill is answered from the cache.
    const cachedAfter = await metric(restarted.url, 'doclayout_cache_hits_total');
    t.diagnostic(`kill -9: ${JSON.stringify(counts)}; pages stored before the kill ${storedBefore}, stored after the restart ${storedAfter}, run after the restart ${runAfter}, from the cache ${cachedAfter}; device workers gone ${workersGoneMs} ms after the kill`);
    assert.deepEqual(counts, { accepted: JOBS, finished: JOBS, lost: 0, duplicated: 0, failed: 0, canceled: 0 });
    // Pages stored before the kill are neither run nor stored again; the rest (the ones in flight included) once each.
    assert.equal(storedAfter, JOBS * PAGES - storedBefore);
    assert.equal(runAfter + cachedAfter, JOBS * PAGES - storedBefore);
    restarted.child.kill('SIGTERM');
    assert.equal(await restarted.exited, 0);
  });

  it('SIGTERM with 30 jobs in flight: pages in flight finish, queued jobs stay queued (not canceled), all finish after a restart', async (t) => {
    const dir = tempDataDir();
    const first = await startServe(dir);
    running.push(first);
    const ids = await acceptJobs(first, 'term');
    await waitUntil(async () => (await getJob(first.url, ids[0]!)).body.state === 'completed', 'a first job to finish');
    first.child.kill('SIGTERM');
    assert.equal(await first.exited, 0, first.output());

    const states = await withDatabase(dir, (db) => Object.fromEntries(
      db.prepare('SELECT state, count(*) AS n FROM jobs GROUP BY state').all().map((r) => [String(r.state), Number(r.n)]),
    ));
    const storedBefore = await withDatabase(dir, (db) => Number(db.prepare('SELECT count(*) AS n FROM pages').get()!.n));
    assert.equal(states.canceled, undefined, JSON.stringify(states));
    assert.equal(states.running, undefined, `nothing is left running: ${JSON.stringify(states)}`);
    assert.ok((states.queued ?? 0) >= 1, `jobs were left queued: ${JSON.stringify(states)}`);
    assert.equal((states.queued ?? 0) + (states.completed ?? 0), JOBS, JSON.stringify(states));

    const restarted = await startServe(dir);
    running.push(restarted);
    const counts = await tally(restarted.url, ids, PAGES, 300_000);
    const storedAfter = await metric(restarted.url, 'doclayout_jobs_worker_pages');
    t.diagnostic(`SIGTERM: states at exit ${JSON.stringify(states)}; ${JSON.stringify(counts)}; pages stored before ${storedBefore}, after the restart ${storedAfter}`);
    assert.deepEqual(counts, { accepted: JOBS, finished: JOBS, lost: 0, duplicated: 0, failed: 0, canceled: 0 });
    assert.equal(storedAfter, JOBS * PAGES - storedBefore);
    restarted.child.kill('SIGTERM');
    assert.equal(await restarted.exited, 0);
  });

  it('a corrupt database at start: a clear error naming the file, and the file left as it was', async () => {
    const dir = tempDataDir();
    const file = path.join(dir, 'jobs.db');
    const garbage = Buffer.from('this is not a SQLite database, but somebody\'s jobs were in it\n'.repeat(200));
    fs.writeFileSync(file, garbage);
    const refused = await serveRefuses(dir);
    assert.notEqual(refused.code, 0);
    assert.match(refused.output, /LAYOUT_ERR_JOB_STORE_CORRUPT/);
    assert.ok(refused.output.includes(file), refused.output);
    assert.deepEqual(fs.readFileSync(file), garbage, 'never a silent reset');
  });
});
