/**
 * POST /v1/admin/reload is an operator's route on a server that listens on 0.0.0.0 by default:
 * absent without a token, refused without the right bearer token, and limited to registry names
 * and .onnx files in the model directory, with one answer for every other path so it cannot be
 * used to probe the disk. Real server and pool (CPU worker, fixture model).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { json, multipart, startServer, whitePage, type TestServer } from './helpers.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';

const TOKEN = 'an-admin-token-for-tests';
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('admin reload without a configured token', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => { server = await startServer(); });
  after(() => server.close());

  it('does not exist: 404 in the JSON error shape, with or without credentials', async () => {
    for (const headers of [{}, bearer(TOKEN)]) {
      const res = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers, payload: { model: '/etc/passwd' } });
      assert.equal(res.statusCode, 404, res.body);
      assert.equal(json<{ error: { code: string } }>(res.body).error.code, 'LAYOUT_ERR_NOT_FOUND');
    }
  });
});

describe('admin reload with a token', { timeout: 120_000 }, () => {
  let server: TestServer;
  let modelDir: string;
  before(async () => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-admin-models-'));
    fs.copyFileSync(writeFixtureModel({ variant: 'v3' }), path.join(modelDir, 'custom.onnx'));
    fs.writeFileSync(path.join(modelDir, 'notes.onnx'), 'not a model');
    // A link inside the model directory that points outside it.
    fs.symlinkSync('/etc/hostname', path.join(modelDir, 'escape.onnx'));
    server = await startServer({ config: { adminToken: TOKEN, modelDir } });
  });
  after(async () => {
    await server.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('refuses a missing or wrong token with 401 and WWW-Authenticate', async () => {
    for (const headers of [{}, bearer('not-the-token'), bearer(`${TOKEN}x`), { authorization: TOKEN }]) {
      const res = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers });
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(json<{ error: { code: string } }>(res.body).error.code, 'LAYOUT_ERR_UNAUTHORIZED');
      assert.match(String(res.headers['www-authenticate']), /^Bearer/);
    }
  });

  it('gives one identical answer for every path outside the registry and the model directory', async () => {
    const probes = ['/etc/passwd', '/etc/no-such-file', '/no/such/model.onnx', '../../../../etc/passwd', `${modelDir}/../x.onnx`, 'missing.onnx', 'escape.onnx', 'custom.txt', '/etc'];
    const answers = await Promise.all(probes.map((model) => server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: bearer(TOKEN), payload: { model } })));
    for (const [i, res] of answers.entries()) {
      assert.equal(res.statusCode, 400, `${probes[i]}: ${res.body}`);
      assert.equal(res.body, answers[0]!.body, `${probes[i]} answered differently`);
    }
    assert.equal(json<{ error: { code: string } }>(answers[0]!.body).error.code, 'LAYOUT_ERR_MODEL_REFUSED');
  });

  it('reloads a model file from the model directory by name', async () => {
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: bearer(TOKEN), payload: { model: 'custom.onnx' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(json<{ path: string }>(res.body).path, fs.realpathSync(path.join(modelDir, 'custom.onnx')));
  });
});

describe('admin reload that one device cannot take', { timeout: 120_000 }, () => {
  let server: TestServer;
  let modelDir: string;
  before(async () => {
    modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-admin-partial-'));
    fs.copyFileSync(writeFixtureModel({ variant: 'v2' }), path.join(modelDir, 'v2.onnx'));
    // Device 1 refuses fixture-v2: the reload would otherwise leave device 0 on it alone.
    server = await startServer({ config: { adminToken: TOKEN, modelDir, devices: 'cpu:2', cpuThreads: 2 }, faults: { 1: { refuseModelName: 'fixture-v2' } } });
  });
  after(async () => {
    await server.close();
    fs.rmSync(modelDir, { recursive: true, force: true });
  });

  it('answers the error and leaves every device, and /v1/models, on the old model', async () => {
    const before = json<{ loaded: { name: string; sha256: string } }>((await server.app.inject({ method: 'GET', url: '/v1/models' })).body).loaded;
    const res = await server.app.inject({ method: 'POST', url: '/v1/admin/reload', headers: bearer(TOKEN), payload: { model: 'v2.onnx' } });
    assert.ok(res.statusCode >= 500, res.body);
    assert.match(json<{ error: { message: string } }>(res.body).error.message, /refuses model fixture-v2/);
    const after = json<{ loaded: { name: string; sha256: string } }>((await server.app.inject({ method: 'GET', url: '/v1/models' })).body).loaded;
    assert.deepEqual(after, before);
    assert.equal(after.name, 'fixture-v3');
    const page = await whitePage(200, 260);
    const answers = await Promise.all(Array.from({ length: 6 }, (_, i) => server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: `p${i}.png`, bytes: page, type: 'image/png' }]) })));
    const served = answers.map((a) => json<{ model: string; device: string }>(a.body));
    assert.deepEqual([...new Set(served.map((r) => r.model))], ['fixture-v3']);
    assert.deepEqual([...new Set(served.map((r) => r.device))].sort(), ['cpu:0', 'cpu:1']);
  });
});
