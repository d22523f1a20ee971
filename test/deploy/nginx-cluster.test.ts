/**
 * The nginx deployment for real: three `doclayout serve` processes (fixture model, CPU workers)
 * behind a real nginx running the generated config, driven by the load tool. Checks that
 * least_conn spreads the work, that a backend killed with SIGKILL mid-load costs no request at
 * all (nginx re-sends the ones it had in flight, see nginx-config.ts), and that a restarted
 * backend on the same port rejoins.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { nginxConfig } from '../../src/deploy/nginx-config.js';
import { runLoad, type LoadFile, type LoadReport } from '../../src/loadtest/index.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { cliPath, completedPages, killInstanceGroup, startInstance, type Instance } from './instance-harness.js';
import { missingDependency } from '../helpers/require-dep.js';
import { freePort } from '../helpers/free-port.js';
import { findNginx, startNginx, writeNginxConf, type NginxProcess } from './nginx-harness.js';

const nginx = findNginx();
const skip = process.platform === 'win32' ? 'POSIX only' : missingDependency('nginx', nginx === undefined ? 'nginx is not installed (apt-get install nginx-light)' : undefined);

const execFileAsync = promisify(execFile);
const CONCURRENCY = 6;
/** Short passive-health window so the killed backend is retried soon after it comes back. */
const FAIL_TIMEOUT_S = 1;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Scanned-page-sized JPEGs (decode + resize make each request real work, not just a round trip). */
async function pages(): Promise<LoadFile[]> {
  const make = async (shade: number, name: string): Promise<LoadFile> => ({
    name,
    bytes: await sharp({ create: { width: 1654, height: 2339, channels: 3, background: { r: shade, g: shade, b: shade } } }).jpeg({ quality: 90 }).toBuffer(),
  });
  return Promise.all([make(255, 'white.jpg'), make(235, 'grey.jpg')]);
}

/** The victim's own view: pages completed since it started, and pages it holds right now. */
async function victimStatus(url: string): Promise<{ completed: number; busy: number }> {
  const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { completed: number; queueDepth: number; devices: Array<{ inflight: number }> };
  return { completed: body.completed, busy: body.queueDepth + body.devices.reduce((n, d) => n + d.inflight, 0) };
}

function failures(report: LoadReport): number {
  return report.requests - report.ok;
}

describe('nginx in front of three doclayout instances', { skip, timeout: 150_000 }, () => {
  let dir: string;
  let modelPath: string;
  let files: LoadFile[];
  const instances: Instance[] = [];
  const started: Instance[] = [];
  let lb: NginxProcess | undefined;
  let lbUrl: string;
  let accessLog: string;

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-nginx-cluster-'));
    modelPath = writeFixtureModel({ variant: 'v3' });
    files = await pages();
    const all = await Promise.all([0, 1, 2].map(() => startInstance({ modelPath })));
    instances.push(...all);
    started.push(...all);
    // Warm each backend directly (first pages pay for JIT and session warm-up), so the split
    // measured below reflects balancing, not which backend happened to start warm.
    for (const instance of all) await runLoad({ url: instance.url, files, concurrency: 2, requests: 4, timeoutMs: 30_000 });
    const port = await freePort();
    lbUrl = `http://127.0.0.1:${port}`;
    accessLog = path.join(dir, 'access.log');
    const snippet = nginxConfig({
      upstreams: instances.map((i) => `127.0.0.1:${i.port}`),
      listen: `127.0.0.1:${port}`,
      failTimeoutS: FAIL_TIMEOUT_S,
      accessLog,
    });
    writeNginxConf(dir, snippet);
    lb = await startNginx(nginx!, dir, port);
  });

  after(async () => {
    await lb?.stop();
    for (const instance of started) killInstanceGroup(instance.child);
    await Promise.all(started.map((i) => i.exited));
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('spreads the load over all three backends (least_conn)', async (t) => {
    const before = await Promise.all(instances.map((i) => completedPages(i.url)));
    const total = 120;
    const report = await runLoad({ url: lbUrl, files, concurrency: CONCURRENCY, requests: total, timeoutMs: 30_000 });
    assert.equal(report.ok, total, JSON.stringify(report.errors));
    const served = (await Promise.all(instances.map((i) => completedPages(i.url)))).map((n, k) => n - before[k]!);
    t.diagnostic(`pages per backend: ${served.join(', ')}`);
    assert.equal(served.reduce((a, b) => a + b, 0), total, `per backend: ${served.join(', ')}`);
    // least_conn gives each backend work in proportion to its speed; three equal backends (here
    // sharing the test machine's cores with everything else) each get a third, give or take.
    // Each must get at least 3/8 of that: a backend left out or starved fails this.
    for (const n of served) assert.ok(n >= total / 8, `unfair split: ${served.join(', ')}`);
  });

  it('doclayout status reads every backend through the per-backend routes', async () => {
    const urls = instances.map((_, k) => `${lbUrl}/backends/${k}`);
    const { stdout } = await execFileAsync(process.execPath, [cliPath, 'status', '--json', ...urls.flatMap((u) => ['--url', u])], { timeout: 20_000 });
    type Status = { devices: Array<{ pid: number }> };
    const doc = JSON.parse(stdout) as { healthy: boolean; instances: Array<{ url: string; up: boolean; status: Status }> };
    assert.equal(doc.healthy, true);
    assert.deepEqual(doc.instances.map((i) => i.url), urls);
    // Worker pids are unique per instance: route N must reach backend N, not any backend.
    const direct = await Promise.all(instances.map(async (i) => ((await (await fetch(`${i.url}/v1/status`)).json()) as Status).devices[0]!.pid));
    assert.deepEqual(doc.instances.map((i) => i.status.devices[0]!.pid), direct);
    assert.equal(new Set(direct).size, 3);
  });

  it('survives kill -9 of a backend mid-load: nginx re-sends the requests it had in flight, none fails', async (t) => {
    const victim = instances[1]!;
    const victimAddress = `127.0.0.1:${victim.port}`;
    fs.writeFileSync(accessLog, '');
    // Sized by count, not time: however slow the machine, the load is still running when the kill
    // lands (asserted below) and goes on long after it.
    const total = 90;
    let loadSettled = false;
    const load = runLoad({ url: lbUrl, files, concurrency: CONCURRENCY, requests: total, timeoutMs: 30_000 }).finally(() => {
      loadSettled = true;
    });
    // Kill once the victim is demonstrably serving this run and holds a request right now.
    const base = await completedPages(victim.url);
    const deadline = Date.now() + 60_000;
    for (;;) {
      const status = await victimStatus(victim.url);
      if (status.completed >= base + 3 && status.busy >= 1) break;
      assert.ok(Date.now() < deadline, `the victim served ${status.completed - base} pages of this run in 60 s, busy ${status.busy}`);
      assert.ok(!loadSettled, 'the load ended before the victim got busy');
      await sleep(20);
    }
    assert.equal(loadSettled, false, 'the load must still be running at the kill');
    // Freeze the victim (server and its workers) for a moment first: the requests nginx sends it
    // meanwhile are certainly in flight there when the kill lands, however fast a page is (on a
    // loaded machine a page can finish between the status poll above and the kill).
    process.kill(-victim.child.pid!, 'SIGSTOP');
    await sleep(300);
    const killedAtS = Date.now() / 1000;
    process.kill(-victim.child.pid!, 'SIGKILL');
    await victim.exited;
    const report = await load;

    // Every request succeeds: a connect error (after the kill) and a connection lost mid-request
    // (at the kill) are both re-sent to another backend by the generated config.
    assert.equal(report.requests, total);
    assert.equal(report.ok, total, `failed ${failures(report)}: ${JSON.stringify(report.errors)}`);
    // nginx logs a request as it finishes it, which can be a moment after the client has read it.
    const logged = (): string[] => fs.readFileSync(accessLog, 'utf8').split('\n').filter(Boolean);
    const logDeadline = Date.now() + 5_000;
    while (logged().length < total && Date.now() < logDeadline) await sleep(20);
    const lines = logged();
    assert.equal(lines.length, total, 'one access-log line per request');
    // "t=END rt=DURATION … upstream=\"127.0.0.1:A, 127.0.0.1:B\"": tried the victim, then another.
    const entries = lines.map((line) => {
      const t = /\bt=([\d.]+) rt=([\d.]+)/.exec(line);
      assert.ok(t, `no t=/rt= in the access log line: ${line}`);
      return { line, startS: Number(t[1]) - Number(t[2]), endS: Number(t[1]), rerouted: line.includes(`upstream="${victimAddress}, `) && / 200 /.test(line) };
    });
    // In flight at the kill: arrived before it, answered after it, by another backend.
    const inFlightRerouted = entries.filter((e) => e.rerouted && e.startS < killedAtS && e.endS > killedAtS);
    const afterKill = entries.filter((e) => e.startS > killedAtS);
    t.diagnostic(`${report.requests} requests, ${inFlightRerouted.length} in flight on the killed backend re-sent, ${afterKill.length} sent after the kill`);
    assert.ok(inFlightRerouted.length >= 1, `no request in flight on the killed backend was re-sent:\n${lines.slice(-20).join('\n')}`);
    assert.ok(afterKill.length >= CONCURRENCY, `the load hardly outlasted the kill (${afterKill.length} requests after it)`);
  });

  it('a backend restarted on the same port rejoins and serves again', async () => {
    const old = instances[1]!;
    const restarted = await startInstance({ modelPath, port: old.port });
    started.push(restarted);
    instances[1] = restarted;
    assert.equal(await completedPages(restarted.url), 0);
    // nginx takes it back once its fail_timeout has passed; keep a light load on until it does.
    const deadline = Date.now() + 30_000;
    let served = 0;
    const reports: LoadReport[] = [];
    while (served === 0 && Date.now() < deadline) {
      reports.push(await runLoad({ url: lbUrl, files, concurrency: CONCURRENCY, requests: 24, timeoutMs: 30_000 }));
      served = await completedPages(restarted.url);
    }
    assert.ok(served > 0, 'the restarted backend got no traffic');
    for (const r of reports) assert.equal(r.ok, r.requests, JSON.stringify(r.errors));
  });
});
