/**
 * What the SQLite store fsyncs, counted with strace on a real process: a job's acceptance (its
 * upload, the upload's folder, its row) and its terminal state with its outbox entry — never a
 * page outcome, a start or a requeue (synchronous=NORMAL: durable across kill -9, and a page lost
 * to a power cut is run again).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { tempDataDir } from '../server/helpers.js';

const storeModule = pathToFileURL(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/jobs/index.js')).href;

const JOBS = 10;
const PAGES = 4;

/** The store's life in phases, each announced on stderr so the trace can be cut at it. */
const script = `
import fs from 'node:fs';
const { SqliteJobStore } = await import(${JSON.stringify(storeModule)});
const mark = (m) => fs.writeSync(2, 'PHASE ' + m + '\\n');
const store = await SqliteJobStore.open(process.argv[2]);
const options = { params: {}, pdfDpi: 144, maxPdfPages: 0, callbackUrl: 'http://127.0.0.1:9/cb' };
const result = { model: 'm', input: { name: 'a.pdf', page: 1, width: 10, height: 10 }, regions: [] };
mark('accept');
for (let j = 0; j < ${JOBS}; j++) await store.accept({ id: 'job-' + j, name: 'a.pdf', sha256: 'x', options, createdAt: Date.now() }, new Uint8Array(1000));
mark('run');
for (let j = 0; j < ${JOBS}; j++) {
  await store.start('job-' + j);
  await store.opened('job-' + j, ${PAGES}, true);
  for (let p = 1; p <= ${PAGES}; p++) await store.storePage('job-' + j, { page: p, ok: true, result });
  await store.requeue('job-' + j);
  await store.start('job-' + j);
}
mark('finish');
for (let j = 0; j < ${JOBS}; j++) await store.finish('job-' + j, 'completed');
mark('end');
await store.close();
`;

function haveStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('SQLite store fsyncs', { skip: process.platform === 'linux' && haveStrace() ? false : 'needs strace (Linux)', timeout: 60_000 }, () => {
  it('a job\'s acceptance and its terminal state, never a page', () => {
    const dir = tempDataDir();
    const scriptFile = path.join(dir, 'store-life.mjs');
    const traceFile = path.join(dir, 'trace.txt');
    fs.writeFileSync(scriptFile, script);
    const run = spawnSync('strace', ['-f', '-e', 'trace=fsync,fdatasync,write', '-o', traceFile, process.execPath, scriptFile, path.join(dir, 'data')], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const syncs: Record<string, number> = {};
    let phase = 'open';
    for (const line of fs.readFileSync(traceFile, 'utf8').split('\n')) {
      const marked = /write\(2, "PHASE (\w+)/.exec(line);
      if (marked) phase = marked[1]!;
      else if (/\b(fsync|fdatasync)\(/.test(line) && !line.includes('resumed')) syncs[phase] = (syncs[phase] ?? 0) + 1;
    }
    // Accepting: the upload, its folder and the row, each fsync'd; finishing: one commit, fsync'd.
    assert.equal(syncs.accept, 3 * JOBS, JSON.stringify(syncs));
    assert.equal(syncs.run ?? 0, 0, `pages, starts and requeues fsync nothing: ${JSON.stringify(syncs)}`);
    assert.equal(syncs.finish, JOBS, JSON.stringify(syncs));
  });
});
