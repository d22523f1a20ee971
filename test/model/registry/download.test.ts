/**
 * `models pull` against a real HTTP server on loopback — the download code that real users run,
 * with no network: streaming, sha256 verification, fallback to the next URL, no partial files.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pullModel } from '../../../src/model/registry/download.js';
import type { KnownModel } from '../../../src/model/registry/registry.js';
import { makeFixtureModel } from '../../fixtures/fixture-model.js';

describe('model download', () => {
  const body = Buffer.from(makeFixtureModel({ variant: 'v3' }));
  const sha256 = createHash('sha256').update(body).digest('hex');
  let server: http.Server;
  let base: string;
  let hits: string[];

  before(async () => {
    hits = [];
    server = http.createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/model.onnx') {
        res.writeHead(200, { 'content-length': body.length });
        res.end(body);
      } else if (req.url === '/cut-short.onnx') {
        res.writeHead(200, { 'content-length': body.length });
        res.write(body.subarray(0, 100), () => res.destroy());
      } else if (req.url === '/corrupt.onnx') {
        res.end(Buffer.concat([body.subarray(0, 100), Buffer.from('tampered')]));
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const entry = (urls: string[]): KnownModel => ({
    name: 'test-model', description: 'fixture', file: 'test-model.onnx', sizeBytes: body.length, sha256, urls, license: 'Apache-2.0',
  });

  it('streams, verifies and installs, reporting progress; a second pull is a no-op', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pull-'));
    let lastProgress = 0;
    const file = await pullModel(entry([`${base}/model.onnx`]), { modelDir: dir, onProgress: (p) => { lastProgress = p.receivedBytes; } });
    assert.equal(file, path.join(dir, 'test-model.onnx'));
    assert.deepEqual(fs.readFileSync(file), body);
    assert.equal(lastProgress, body.length);
    const before = hits.length;
    await pullModel(entry([`${base}/model.onnx`]), { modelDir: dir });
    assert.equal(hits.length, before, 'a verified file is not downloaded again');
    fs.rmSync(dir, { recursive: true });
  });

  it('falls back to the next URL when one fails or has the wrong checksum', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pull-'));
    const file = await pullModel(entry([`${base}/missing.onnx`, `${base}/corrupt.onnx`, `${base}/model.onnx`]), { modelDir: dir });
    assert.deepEqual(fs.readFileSync(file), body);
    fs.rmSync(dir, { recursive: true });
  });

  it('fails with every reason when no URL gives the right file, leaving nothing behind', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pull-'));
    await assert.rejects(pullModel(entry([`${base}/missing.onnx`, `${base}/corrupt.onnx`]), { modelDir: dir }), (err: Error & { code?: string }) => {
      assert.equal(err.code, 'LAYOUT_ERR_DOWNLOAD');
      assert.match(err.message, /HTTP 404/);
      assert.match(err.message, /Checksum mismatch/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir), []);
    fs.rmSync(dir, { recursive: true });
  });

  /** The reason pull gives for one URL. */
  async function reasonFor(url: string): Promise<string> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-pull-'));
    try {
      await pullModel(entry([url]), { modelDir: dir });
    } catch (err) {
      assert.equal((err as { code?: string }).code, 'LAYOUT_ERR_DOWNLOAD');
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing left behind');
      return (err as Error).message;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    throw new Error(`${url} downloaded`);
  }

  it('says the connection was refused on a closed port', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    assert.match(await reasonFor(`http://127.0.0.1:${port}/model.onnx`), new RegExp(`could not connect to 127\\.0\\.0\\.1:${port} \\(ECONNREFUSED\\)`));
  });

  it('says the DNS lookup failed for a name that does not resolve', { timeout: 60_000 }, async () => {
    assert.match(await reasonFor('http://doclayout-test.invalid/model.onnx'), /DNS lookup of doclayout-test\.invalid failed \((ENOTFOUND|EAI_AGAIN|EAI_FAIL|EAI_NONAME)\)/);
  });

  it('says the TLS handshake failed when the other end does not speak TLS', async () => {
    assert.match(await reasonFor(`${base.replace('http:', 'https:')}/model.onnx`), /TLS handshake with 127\.0\.0\.1:\d+ failed/);
  });

  it('gives the HTTP status and a body cut short with its byte counts', async () => {
    assert.match(await reasonFor(`${base}/missing.onnx`), /HTTP 404 Not Found/);
    assert.match(await reasonFor(`${base}/cut-short.onnx`), new RegExp(`download stopped after 100 of ${body.length} bytes`));
  });
});
