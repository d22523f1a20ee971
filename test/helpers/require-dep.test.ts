/**
 * The skip-or-fail rule for missing outside dependencies, run the way CI runs it: a test file
 * under `node --test`, with and without DOCLAYOUT_REQUIRE.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { requiredDependencies } from './require-dep.js';

const helper = new URL('./require-dep.js', import.meta.url).href;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-require-dep-'));
const file = path.join(dir, 'needs-cv2.test.mjs');
fs.writeFileSync(file, `import { test } from 'node:test';
import { missingDependency } from ${JSON.stringify(helper)};
const skip = missingDependency('cv2', 'the probe found no cv2');
test('uses cv2', { skip }, () => { throw new Error('ran although cv2 is missing'); });
test('needs nothing', () => {});
`);

function runTestFile(require: string | undefined): { status: number | null; output: string } {
  const env = { ...process.env };
  delete env.DOCLAYOUT_REQUIRE;
  // Set by the runner running this file; left in, the child would not run its own tests.
  delete env.NODE_TEST_CONTEXT;
  if (require !== undefined) env.DOCLAYOUT_REQUIRE = require;
  const result = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { env, encoding: 'utf8', timeout: 30_000 });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('missingDependency', { timeout: 60_000 }, () => {
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('skips with the reason printed when DOCLAYOUT_REQUIRE does not list the dependency', () => {
    const { status, output } = runTestFile('nginx,redis');
    assert.equal(status, 0, output);
    assert.match(output, /# cv2 missing .*: the probe found no cv2/);
    assert.match(output, /# SKIP the probe found no cv2/);
    assert.match(output, /# pass 1/);
  });

  it('fails the run, naming the dependency, when DOCLAYOUT_REQUIRE lists it (or says all)', () => {
    for (const require of ['nginx,cv2', 'all']) {
      const { status, output } = runTestFile(require);
      assert.equal(status, 1, output);
      assert.match(output, /cv2 is required but missing: the probe found no cv2/);
      assert.match(output, /# fail 1/);
    }
  });

  it('refuses a name it does not know, so a typo cannot turn a requirement off', () => {
    assert.deepEqual([...requiredDependencies(' nginx, chromium ,cv2,redis,')], ['nginx', 'chromium', 'cv2', 'redis']);
    assert.deepEqual(requiredDependencies('').size, 0);
    assert.throws(() => requiredDependencies('nginx,opencv'), /"opencv"/);
  });
});
