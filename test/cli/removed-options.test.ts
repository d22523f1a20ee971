/**
 * Options removed by the review of issue 20 (config.ts `removedOptions`) stay accepted for one
 * release by the commands that had them: given as a flag or set in the environment, each prints a
 * DeprecationWarning naming what replaced it and the command goes on; `--help` no longer lists
 * them, and a misspelt flag is still refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { doclayout } from '../helpers/run-cli.js';

/** No queue and no model: each command stops right after reading its options, with its own error. */
const bare = { DOCLAYOUT_REDIS: '', DOCLAYOUT_MODEL: '/nonexistent/removed-options.onnx' };

const deprecation = (flag: string): RegExp => new RegExp(`DeprecationWarning: ${flag} / DOCLAYOUT_[A-Z_]+ is no longer an option and is ignored`);

describe('removed options', { timeout: 120_000 }, () => {
  it('serve accepts all four as flags, warns for each, and goes on to its own error', async () => {
    const run = await doclayout(['serve', '--job-stalled-ms', '500', '--job-max-stalled', '3', '--job-backoff-ms', '50', '--restart-backoff-max-ms', '100'], bare);
    assert.notEqual(run.code, 0);
    for (const flag of ['--job-stalled-ms', '--job-max-stalled', '--job-backoff-ms', '--restart-backoff-max-ms']) assert.match(run.stderr, deprecation(flag));
    assert.match(run.stderr, /LAYOUT_ERR_MODEL_NOT_FOUND|removed-options\.onnx/, 'it went on past the options to the model');
    assert.doesNotMatch(run.stderr, /unknown option/);
  });

  it('warns for a removed variable in the environment', async () => {
    const run = await doclayout(['serve'], { ...bare, DOCLAYOUT_RESTART_BACKOFF_MAX_MS: '100' });
    assert.notEqual(run.code, 0);
    assert.match(run.stderr, deprecation('--restart-backoff-max-ms'));
  });

  it('worker, submit and jobs accept the ones they had', async () => {
    const worker = await doclayout(['worker', '--job-stalled-ms', '500', '--restart-backoff-max-ms', '100'], bare);
    assert.match(worker.stderr, deprecation('--job-stalled-ms'));
    assert.match(worker.stderr, deprecation('--restart-backoff-max-ms'));
    assert.match(worker.stderr, /a worker needs the queue/);
    const jobs = await doclayout(['jobs', 'list', '--job-backoff-ms', '50'], bare);
    assert.match(jobs.stderr, deprecation('--job-backoff-ms'));
    assert.match(jobs.stderr, /--redis/);
    assert.doesNotMatch(jobs.stderr, /unknown option/);
  });

  it('--help lists them no more; a misspelt one is an unknown option', async () => {
    const help = await doclayout(['serve', '--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /--job-lock-ms/);
    assert.match(help.stdout, /--restart-backoff-ms/);
    for (const flag of ['--job-stalled-ms', '--job-max-stalled', '--job-backoff-ms', '--restart-backoff-max-ms']) assert.doesNotMatch(help.stdout, new RegExp(`${flag}\\b`));
    const typo = await doclayout(['serve', '--job-backof-ms', '50'], bare);
    assert.notEqual(typo.code, 0);
    assert.match(typo.stderr, /unknown option '--job-backof-ms'/);
  });
});
