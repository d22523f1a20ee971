import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { jobTimings, optionNameForFlag, optionSpecs, removedOptions, resolveConfig, RESTART_BACKOFF_MAX_MS } from '../src/config.js';
import { jobSettings } from '../src/jobs/index.js';
import { allErrorDefinitions, errorFromCode, QueueFullError } from '../src/errors.js';

describe('configuration', () => {
  it('uses defaults, then the environment, then explicit overrides', () => {
    assert.equal(resolveConfig({}, {}).maxBatch, optionSpecs.maxBatch.default);
    assert.equal(resolveConfig({}, { DOCLAYOUT_MAX_BATCH: '8' }).maxBatch, 8);
    assert.equal(resolveConfig({ maxBatch: 2 }, { DOCLAYOUT_MAX_BATCH: '8' }).maxBatch, 2);
  });

  it('freezes the result', () => {
    const config = resolveConfig({}, {});
    assert.ok(Object.isFrozen(config));
  });

  it('rejects bad values and unknown options, naming them', () => {
    assert.throws(() => resolveConfig({ maxBatch: -1 }, {}), { code: 'LAYOUT_ERR_INVALID_PARAM', message: /maxBatch/ });
    assert.throws(() => resolveConfig({ maxBatch: 1.5 }, {}), { message: /integer/ });
    assert.throws(() => resolveConfig({}, { DOCLAYOUT_PORT: 'eighty' }), { message: /port/ });
    assert.throws(() => resolveConfig({ logLevel: 'loud' }, {}), { message: /logLevel/ });
    assert.throws(() => resolveConfig({ maxBacth: 2 } as never, {}), { message: /maxBacth: unknown option/ });
  });

  it('maps every flag back to its option', () => {
    for (const [name, spec] of Object.entries(optionSpecs)) assert.equal(optionNameForFlag(spec.flag), name);
  });

  it('the README configuration table lists exactly the options, and the removed ones apart', () => {
    const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('### Capacity'));
    const rows = [...section.matchAll(/^\| `(--[a-z0-9-]+)` \| `(DOCLAYOUT_[A-Z0-9_]+)` \|/gm)].map((m) => `${m[1]} ${m[2]}`);
    const current = Object.values(optionSpecs).map((spec) => `${spec.flag.split(' ')[0]} ${spec.env}`);
    const removed = Object.values(removedOptions).map((spec) => `${spec.flag.split(' ')[0]} ${spec.env}`);
    assert.deepEqual(rows.filter((row) => !removed.includes(row)).sort(), current.sort());
    assert.deepEqual(rows.filter((row) => removed.includes(row)).sort(), removed.sort());
    assert.equal(current.length, 51, 'the option count the README states');
  });
});

describe('removed options', () => {
  it('are accepted from a caller for one release: a deprecation warning naming the replacement, no value', async () => {
    const warning = once(process, 'warning') as Promise<[Error & { code?: string }]>;
    const config = resolveConfig({ jobBackoffMs: 50 }, {});
    const [w] = await warning;
    assert.equal(w.name, 'DeprecationWarning');
    assert.equal(w.code, 'DOCLAYOUT_REMOVED_OPTION');
    assert.match(w.message, /--job-backoff-ms \/ DOCLAYOUT_JOB_BACKOFF_MS is no longer an option.*1000 ms/);
    assert.equal('jobBackoffMs' in config, false);
  });

  it('warn when set in the environment, and are ignored', async () => {
    const warning = once(process, 'warning') as Promise<[Error]>;
    const config = resolveConfig({ redis: 'redis://127.0.0.1:6379', jobLockMs: 4_000 }, { DOCLAYOUT_JOB_STALLED_MS: '500' });
    assert.match((await warning)[0].message, /--job-stalled-ms \/ DOCLAYOUT_JOB_STALLED_MS.*half --job-lock-ms/);
    assert.equal(jobSettings(config).stalledIntervalMs, 2_000, 'derived from the lock, not the removed variable');
  });

  it('an empty variable is unset: no warning', async () => {
    const warnings: Error[] = [];
    const listener = (w: Error): void => void warnings.push(w);
    process.on('warning', listener);
    resolveConfig({}, { DOCLAYOUT_JOB_MAX_STALLED: '' });
    // Warnings are emitted on the next tick; a later one (this marker) arrives after any of ours.
    const marker = once(process, 'warning');
    process.emitWarning('marker');
    await marker;
    process.off('warning', listener);
    assert.deepEqual(warnings.map((w) => w.message), ['marker']);
  });

  it('are no options any more: a typo of one is still an unknown option', () => {
    for (const name of Object.keys(removedOptions)) assert.equal(name in optionSpecs, false, name);
    assert.throws(() => resolveConfig({ jobBackofMs: 50 } as never, {}), { message: /jobBackofMs: unknown option/ });
  });

  it('their values now follow the options they were derived from', () => {
    const settings = jobSettings(resolveConfig({ redis: 'redis://127.0.0.1:6379' }, {}));
    assert.equal(settings.lockMs, 30_000);
    assert.equal(settings.stalledIntervalMs, 15_000, 'a dead worker\'s jobs return within 1.5 locks');
    assert.equal(settings.maxStalled, jobTimings.maxStalled);
    assert.equal(settings.backoffMs, 1_000, 'the old default');
    assert.equal(jobSettings(resolveConfig({ redis: 'redis://127.0.0.1:6379', jobLockMs: 100 }, {})).stalledIntervalMs, 50);
    assert.equal(RESTART_BACKOFF_MAX_MS, 30_000, 'the old default');
  });
});

describe('errors', () => {
  it('round-trip through { code, message } as they do over IPC', () => {
    const err = QueueFullError(12);
    const rebuilt = errorFromCode(err.code, err.message);
    assert.equal(rebuilt.statusCode, 429);
    assert.equal(rebuilt.code, 'LAYOUT_ERR_POOL_QUEUE_FULL');
    assert.match(rebuilt.message, /12 requests/);
  });

  it('are all documented in the README', () => {
    const readme = fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../README.md'), 'utf8');
    for (const { code } of allErrorDefinitions()) assert.ok(readme.includes(code), `${code} missing from README.md`);
  });
});
