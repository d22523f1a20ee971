/**
 * Disk space as a limit: PDFs are spooled to TMPDIR, here a real 2 MiB tmpfs. A PDF that does not
 * fit is a 507 LAYOUT_ERR_STORAGE_FULL with Retry-After (never a 500), /readyz fails while the
 * spool cannot take a byte, and both recover by themselves once space returns; concurrent
 * uploads reserve their size first, so those that fit succeed. Real server and pool (CPU worker,
 * fixture model). Needs `mount -t tmpfs` (root, as in CI); skipped with the reason otherwise.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { PDFDocument } from 'pdf-lib';
import { spoolPdf, spoolUsage } from '../../src/document/pdf-spool.js';
import { fillToLastByte, mountTmpfs, unmountTmpfs } from '../helpers/tmpfs.js';
import { json, multipart, startServer, type TestServer } from './helpers.js';

interface ErrorJson { error: { code: string; message: string } }

/** A valid one-page PDF of about `bytes` bytes (an incompressible attachment pads it). */
async function pdfOf(bytes: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  doc.addPage([300, 400]);
  await doc.attach(randomBytes(bytes), 'padding.bin', { mimeType: 'application/octet-stream' });
  return Buffer.from(await doc.save());
}

const tmpfs = mountTmpfs(2048);

describe('PDF spool on a full disk', { timeout: 180_000, skip: tmpfs.skip }, () => {
  let server: TestServer;
  const previous = process.env.TMPDIR;
  const layout = async (pdf: Buffer) => server.app.inject({ method: 'POST', url: '/v1/layout', ...multipart([{ name: 'doc.pdf', bytes: pdf }]) });
  const readyz = async () => server.app.inject({ method: 'GET', url: '/readyz' });
  const spooled = (): string[] => fs.readdirSync(tmpfs.dir).filter((n) => n.startsWith('doclayout-pdf-'));

  before(async () => {
    // The spool budget at the disk's size, as an operator sizing --spool-max-mb to the volume would.
    server = await startServer({ config: { spoolMaxMb: 1.9 } });
    // Only the spool moves to the tmpfs: the pool started on the usual temp root.
    process.env.TMPDIR = tmpfs.dir;
    await server.app.doclayout.spool.probe();
  });
  after(async () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    await server?.close();
    unmountTmpfs(tmpfs);
  });

  it('a PDF the disk cannot take is a 507 with Retry-After; /readyz fails while the disk is full; both recover when space returns', async () => {
    const pdf = await pdfOf(300_000);
    const filler = fillToLastByte(tmpfs.dir);
    const full = await layout(pdf);
    assert.equal(full.statusCode, 507, full.body);
    assert.equal(json<ErrorJson>(full.body).error.code, 'LAYOUT_ERR_STORAGE_FULL');
    assert.match(json<ErrorJson>(full.body).error.message, /ENOSPC/);
    assert.match(String(full.headers['retry-after']), /^\d+$/);
    assert.deepEqual(spooled(), [], 'no partial spool left behind');
    assert.equal(spoolUsage().bytes, 0, 'nothing stays reserved');

    assert.equal(await server.app.doclayout.spool.probe(), 'ENOSPC');
    const notReady = await readyz();
    assert.equal(notReady.statusCode, 503);
    assert.equal(json<ErrorJson>(notReady.body).error.code, 'LAYOUT_ERR_STORAGE_FULL');
    const metrics = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /^doclayout_spool_writable 0$/m);

    fs.rmSync(filler);
    assert.equal(await server.app.doclayout.spool.probe(), undefined);
    assert.equal((await readyz()).statusCode, 200);
    const ok = await layout(pdf);
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(spooled(), [], 'the spool file is removed with its document');
    const after = await server.app.inject({ method: 'GET', url: '/metrics' });
    assert.match(after.body, /^doclayout_spool_writable 1$/m);
    assert.match(after.body, /^doclayout_spool_bytes 0$/m);
    assert.match(after.body, /^doclayout_spool_limit_bytes 1900000$/m);
  });

  it('three concurrent PDFs that each fit alone: those the spool budget takes succeed, the others get 507, none a 500', async () => {
    const pdfs = await Promise.all([pdfOf(800_000), pdfOf(800_000), pdfOf(800_000)]);
    const answers = await Promise.all(pdfs.map((pdf) => layout(pdf)));
    const statuses = answers.map((a) => a.statusCode);
    assert.ok(statuses.every((s) => s === 200 || s === 507), `statuses ${statuses.join(', ')}: ${answers.map((a) => a.body.slice(0, 200)).join(' | ')}`);
    assert.ok(statuses.filter((s) => s === 200).length >= 2, `the two that fit together succeed: ${statuses.join(', ')}`);
    for (const answer of answers.filter((a) => a.statusCode === 507)) {
      assert.equal(json<ErrorJson>(answer.body).error.code, 'LAYOUT_ERR_STORAGE_FULL');
      assert.ok(answer.headers['retry-after']);
    }
    assert.deepEqual(spooled(), []);
    assert.equal(spoolUsage().bytes, 0);
  });
});

describe('spool budget', () => {
  it('an upload reserves its size before writing: concurrent ones past the budget fail at once with 507, and the bytes come back on removal', async () => {
    const bytes = randomBytes(400_000);
    const outcomes = await Promise.allSettled([spoolPdf(bytes, 1), spoolPdf(bytes, 1), spoolPdf(bytes, 1)]);
    const spools = outcomes.filter((o) => o.status === 'fulfilled').map((o) => o.value);
    const refused = outcomes.filter((o): o is PromiseRejectedResult => o.status === 'rejected').map((o) => o.reason as { code: string; statusCode: number; details?: { retryAfterSeconds?: number } });
    assert.equal(spools.length, 2, 'two fit in 1 MB');
    assert.equal(refused.length, 1);
    assert.equal(refused[0]!.code, 'LAYOUT_ERR_STORAGE_FULL');
    assert.equal(refused[0]!.statusCode, 507);
    assert.ok((refused[0]!.details?.retryAfterSeconds ?? 0) > 0);
    assert.equal(spoolUsage().bytes, 800_000);
    await Promise.all(spools.map((s) => s.remove()));
    assert.equal(spoolUsage().bytes, 0);
    const again = await spoolPdf(bytes, 1);
    assert.ok(fs.existsSync(again.path));
    await again.remove();
    assert.equal(fs.existsSync(again.path), false);
    assert.equal(spoolUsage().bytes, 0);
  });
});
