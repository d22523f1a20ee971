import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { listenLine } from '../../src/cli/listen-line.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { repoRoot } from '../fixtures/paths.js';

describe('where serve listens', () => {
  it('binds loopback unless told otherwise', () => {
    assert.equal(resolveConfig({}, {}).host, '127.0.0.1');
    assert.equal(resolveConfig({}, { DOCLAYOUT_HOST: '0.0.0.0' }).host, '0.0.0.0');
  });

  it('says who can connect and whether API keys are required', () => {
    const loop = listenLine({ address: '127.0.0.1', family: 'IPv4', port: 8000 }, false);
    assert.match(loop, /^doclayout listening on http:\/\/127\.0\.0\.1:8000 — this machine only/);
    assert.match(loop, /API keys: not required/);
    const open = listenLine({ address: '0.0.0.0', family: 'IPv4', port: 8000 }, true);
    assert.match(open, /^doclayout listening on http:\/\/localhost:8000 — every network interface \(0\.0\.0\.0\): other machines can connect/);
    assert.match(open, /API keys: required/);
    assert.match(listenLine({ address: '::1', family: 'IPv6', port: 9 }, false), /http:\/\/\[::1\]:9 — this machine only/);
  });
});

describe('doclayout serve without --host', { timeout: 120_000 }, () => {
  it('listens on 127.0.0.1 only and its start-up line says so, and that no API key is required', async () => {
    const child = spawn(process.execPath, [
      path.join(repoRoot, 'dist/src/cli/index.js'), 'serve', '--port', '0', '--model', writeFixtureModel({ variant: 'v3' }),
      '--devices', 'cpu', '--cpu-threads', '1', '--gpu-telemetry-ms', '0',
    ], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DOCLAYOUT_HOST: '' } });
    try {
      let stderr = '';
      const line = await new Promise<string>((resolve, reject) => {
        child.stderr!.on('data', (c: Buffer) => {
          stderr += c.toString();
          const match = /doclayout listening on .*\n.*\n/.exec(stderr);
          if (match) resolve(match[0]);
        });
        child.once('exit', (code) => reject(new Error(`serve exited early (${code}):\n${stderr}`)));
      });
      assert.match(line, /^doclayout listening on http:\/\/127\.0\.0\.1:\d+ — this machine only \(--host 0\.0\.0\.0 to serve others\); API keys: not required/);
      assert.match(line, /web UI http:\/\/127\.0\.0\.1:\d+\/ · jobs .*\/jobs · dashboard .*\/dashboard · API docs .*\/docs/);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
