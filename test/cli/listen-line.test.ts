import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveConfig } from '../../src/config.js';
import { listenLine } from '../../src/cli/listen-line.js';

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
