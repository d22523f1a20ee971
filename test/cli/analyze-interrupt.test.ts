/**
 * Ctrl-C during `doclayout analyze`: the run stops after the pages in flight, keeps every
 * finished file's output, says how far it got and how to carry on, and exits 130; the
 * `--resume` run it suggests reports the finished files as skipped, not as empty results.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import sharp from 'sharp';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { cliPath } from '../deploy/instance-harness.js';
import { doclayout } from '../helpers/run-cli.js';

const FILES = 150;

describe('doclayout analyze interrupted', { timeout: 180_000 }, () => {
  it('SIGINT prints what finished and the --resume command; --resume skips those files as skipped', async () => {
    const model = writeFixtureModel({ variant: 'v3' });
    const inputs = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-int-in-'));
    const out = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-int-out-'));
    const page = await sharp({ create: { width: 200, height: 260, channels: 3, background: '#fff' } }).png().toBuffer();
    for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(inputs, `p${String(i).padStart(3, '0')}.png`), page);

    const child = spawn(process.execPath, [cliPath, 'analyze', inputs, '--out', out, '--model', model], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      // A few files in: interrupt.
      if (!sent && /\[3\/150\]/.test(stderr)) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    assert.equal(code, 130, stderr);
    const match = /interrupted by SIGINT: (\d+) of 150 files done/.exec(stderr);
    assert.ok(match, stderr);
    const done = Number(match[1]);
    assert.ok(done >= 3 && done < FILES, `done ${done}`);
    assert.match(stderr, /to carry on:\n {2}doclayout analyze .* --resume\n/);
    // Every file reported done has its JSON; nothing else was written.
    assert.equal(fs.readdirSync(out).filter((f) => f.endsWith('.json')).length, done, `${stderr}\n${fs.readdirSync(out).join(' ')}`);

    const resumed = await doclayout(['analyze', inputs, '--out', out, '--model', model, '--resume']);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.equal((resumed.stderr.match(/skipped p\d{3}\.png: output exists \(--resume\)/g) ?? []).length, done);
    assert.doesNotMatch(resumed.stderr, /0 page\(s\), 0\.00 pages\/s/);
    assert.match(resumed.stderr, new RegExp(`${FILES - done} ok, 0 failed, ${done} skipped`));
  });
});
