import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { optionSpecs } from '../../src/config.js';
import { helpSummary } from '../../src/cli/config-options.js';
import { doclayout } from '../helpers/run-cli.js';

describe('serve --help', () => {
  it('groups every option by topic and says what it does, without benchmark or issue history', async () => {
    const { stdout } = await doclayout(['serve', '--help']);
    const topics = stdout.split('\n').filter((l) => /^[A-Z][\w ]+:$/.test(l));
    assert.deepEqual(topics, ['Model and devices:', 'Network and access:', 'Documents:', 'Queue and deadlines:', 'Worker health:', 'Jobs and cluster:', 'Logging and telemetry:', 'Options:']);
    for (const spec of Object.values(optionSpecs)) assert.ok(stdout.includes(spec.flag.split(' ')[0]!), spec.flag);
    assert.doesNotMatch(stdout, /bench:|issue \d|serving-memory|hostile/i);
    // The help for --host says loopback is the default.
    assert.match(stdout.replace(/\s+/g, ' '), /--host <addr> Listen address: loopback only by default/);
  });

  it('keeps the first sentence of a description, with its parentheses whole', () => {
    assert.equal(helpSummary('Largest batch, i.e. the pages held (0 = auto: 1 on CPU. 4 on GPUs). Why: bench:x measured 3 s.'), 'Largest batch, i.e. the pages held (0 = auto: 1 on CPU. 4 on GPUs)');
    assert.equal(helpSummary('Pages at once (see bench:serving, issue 21) per device'), 'Pages at once per device');
  });
});
