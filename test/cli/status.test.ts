/**
 * `doclayout status` against a real `doclayout serve` (fixture model, CPU worker) and against a
 * port nobody listens on, through the built CLI as an operator runs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import sharp from 'sharp';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { cliPath, killInstanceGroup, startInstance, type Instance } from '../deploy/instance-harness.js';
import { freePort } from '../helpers/free-port.js';

interface CliRun {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runCli(args: readonly string[], options: { timeoutMs?: number; onStdout?: (text: string, child: ReturnType<typeof spawn>) => void } = {}): Promise<CliRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      options.onStdout?.(stdout, child);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface StatusJson {
  healthy: boolean;
  instances: Array<{ url: string; up: boolean; healthy: boolean; problem?: string; status?: { state: string; completed: number; devices: Array<{ id: string; state: string; completed: number }> } }>;
}

describe('doclayout status', { timeout: 90_000 }, () => {
  let instance: Instance;
  let closedUrl: string;

  before(async () => {
    instance = await startInstance({ modelPath: writeFixtureModel({ variant: 'v3' }) });
    closedUrl = `http://127.0.0.1:${await freePort()}`;
    const page = await sharp({ create: { width: 800, height: 800, channels: 3, background: '#ffffff' } }).png().toBuffer();
    const res = await fetch(`${instance.url}/v1/layout`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: new Uint8Array(page) });
    assert.equal(res.status, 200, await res.text());
  });

  after(async () => {
    if (instance) {
      killInstanceGroup(instance.child);
      await instance.exited;
    }
  });

  it('prints instance and device tables and exits 0 for a healthy instance', async () => {
    const run = await runCli(['status', '--url', instance.url]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /1\/1 instance\(s\) healthy/);
    const lines = run.stdout.split('\n');
    const instanceRow = lines.find((l) => l.startsWith(instance.url) && / ready /.test(l));
    assert.ok(instanceRow, run.stdout);
    assert.match(instanceRow, /1\/1/, 'devices ready / total');
    const deviceRow = lines.find((l) => l.startsWith(instance.url) && l.includes('cpu:0'));
    assert.ok(deviceRow, run.stdout);
    assert.match(run.stdout, /IN-FLIGHT/);
    assert.match(run.stdout, /P95/);
    assert.doesNotMatch(run.stdout, /\x1b\[/, 'no screen control codes when not redrawing');
  });

  it('--json reports the pool snapshot, including pages already served', async () => {
    const run = await runCli(['status', '--url', instance.url, '--json']);
    assert.equal(run.code, 0, run.stderr);
    const doc = JSON.parse(run.stdout) as StatusJson;
    assert.equal(doc.healthy, true);
    const [only] = doc.instances;
    assert.equal(only!.up, true);
    assert.equal(only!.status!.state, 'ready');
    assert.ok(only!.status!.completed >= 1);
    assert.equal(only!.status!.devices[0]!.id, 'cpu:0');
  });

  it('exits 1 and says why when an instance is unreachable', async () => {
    const run = await runCli(['status', '--url', closedUrl]);
    assert.equal(run.code, 1);
    assert.match(run.stdout, /0\/1 instance\(s\) healthy/);
    assert.match(run.stdout, new RegExp(`${closedUrl.replace(/[.]/g, '\\.')}\\s+DOWN: ECONNREFUSED`));
    const json = await runCli(['status', '--url', closedUrl, '--json']);
    assert.equal(json.code, 1);
    const doc = JSON.parse(json.stdout) as StatusJson;
    assert.equal(doc.healthy, false);
    assert.equal(doc.instances[0]!.up, false);
    assert.equal(doc.instances[0]!.problem, 'ECONNREFUSED');
  });

  it('one instance down among several is enough for exit 1; all are still listed', async () => {
    const run = await runCli(['status', '--url', `${instance.url},${closedUrl}`, '--json']);
    assert.equal(run.code, 1);
    const doc = JSON.parse(run.stdout) as StatusJson;
    assert.deepEqual(doc.instances.map((i) => i.up), [true, false]);
  });

  it('--watch refreshes until Ctrl-C and exits with the health of the last refresh', async () => {
    let interrupted = false;
    const run = await runCli(['status', '--url', instance.url, '--watch', '0.2', '--json'], {
      onStdout: (text, child) => {
        if (!interrupted && text.split('\n').filter(Boolean).length >= 3) {
          interrupted = true;
          child.kill('SIGINT');
        }
      },
    });
    assert.ok(interrupted, `stdout: ${run.stdout}\nstderr: ${run.stderr}`);
    assert.equal(run.signal, null);
    assert.equal(run.code, 0);
    const docs = run.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l) as StatusJson);
    assert.ok(docs.length >= 3);
    assert.ok(docs.every((d) => d.healthy));
  });

  it('refuses a URL that is not http(s) as a usage error', async () => {
    const run = await runCli(['status', '--url', 'ftp://example']);
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, /http/);
    assert.equal(run.stdout, '');
  });
});
