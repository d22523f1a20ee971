import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultServerUrl } from '../../src/cli/server-url.js';
import { doclayout } from '../helpers/run-cli.js';

describe('status and bench find the server the same way', () => {
  it('--url, else DOCLAYOUT_URL, else this machine at DOCLAYOUT_PORT (8000)', () => {
    assert.equal(defaultServerUrl({}), 'http://127.0.0.1:8000');
    assert.equal(defaultServerUrl({ DOCLAYOUT_PORT: '9001' }), 'http://127.0.0.1:9001');
    assert.equal(defaultServerUrl({ DOCLAYOUT_PORT: '9001', DOCLAYOUT_URL: 'http://gpu-box:8000' }), 'http://gpu-box:8000');
    assert.throws(() => defaultServerUrl({ DOCLAYOUT_URL: 'ftp://x' }), /must be http/);
  });

  it('bench no longer demands --url; both commands document the same default', async () => {
    const bench = await doclayout(['bench', '--help']);
    const status = await doclayout(['status', '--help']);
    for (const help of [bench.stdout, status.stdout]) assert.match(help.replace(/\s+/g, ' '), /default \$DOCLAYOUT_URL, else http:\/\/127\.0\.0\.1:\$DOCLAYOUT_PORT/);
    // Nothing listens on this port: bench fails on the connection, not on a missing flag.
    const run = await doclayout(['bench', '--requests', '1', 'nothing-here.png'], { DOCLAYOUT_PORT: '9' });
    assert.doesNotMatch(run.stderr, /required option/);
  });
});
