/**
 * The real-model test without a real model reports a skip with its reason, never a pass: run
 * the way CI runs it (its own `node --test`), against an empty model folder.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { sharedSamplesProblem } from '../helpers/require-dep.js';

const testFile = new URL('./real-models.test.js', import.meta.url).pathname;

describe('real-model test without a model', { timeout: 60_000 }, () => {
  const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-no-models-'));
  after(() => fs.rmSync(emptyDir, { recursive: true, force: true }));

  it('counts one skipped test with the reason and no pass', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, DOCLAYOUT_REAL_MODELS_DIR: emptyDir };
    // Set by the runner running this file; left in, the child would not run its own tests.
    delete env.NODE_TEST_CONTEXT;
    delete env.DOCLAYOUT_REQUIRE;
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', testFile], { env, encoding: 'utf8', timeout: 50_000 });
    const output = `${run.stdout}${run.stderr}`;
    assert.equal(run.status, 0, output);
    assert.match(output, /^# pass 0$/m, output);
    assert.match(output, /^# skipped 1$/m, output);
    // Without ../shared/samples the reason is theirs; with them, the empty model folder.
    const reason = sharedSamplesProblem() ?? `no *.onnx in ${emptyDir} (real weights are optional)`;
    assert.ok(output.includes(`ok 1 - real models on real pages # SKIP ${reason}`), output);
  });
});
