/**
 * A PDF upload written once to a private temp file (under TMPDIR), so device workers render its
 * pages where they use the pixels (each task carries the path and a page number, not pixels). The
 * file is removed when its document settles.
 *
 * Disk is a limit like any other: the bytes spooled at once are bounded (--spool-max-mb), an
 * upload reserves its size before a byte is written (so concurrent uploads that do not fit
 * together fail cleanly instead of each other), and a full or unwritable disk is a 507
 * LAYOUT_ERR_STORAGE_FULL with Retry-After, never an internal error. Nothing is kept from a
 * failure: the next upload tries again, so serving resumes by itself once space returns.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { StorageFullError, type LayoutError } from '../errors.js';
import { ownedTempPrefix } from '../util/owned-temp.js';

const MB = 1_000_000;
/** Retry-After for a full spool: documents in flight settle and free theirs within seconds. */
const RETRY_AFTER_SECONDS = 10;
/** Errors that mean the disk cannot take the file (full, over quota, read-only, not ours, too large). */
const STORAGE_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EACCES', 'EPERM', 'EFBIG', 'ENOENT']);

interface SpooledPdf {
  readonly path: string;
  remove(): Promise<void>;
}

/** Bytes reserved by the spools of this process now (files being written included). */
let reservedBytes = 0;
let spooledFiles = 0;

/** What this process holds in its spool now: for /metrics. */
export function spoolUsage(): { bytes: number; files: number } {
  return { bytes: reservedBytes, files: spooledFiles };
}

const megabytes = (bytes: number): string => `${(bytes / MB).toFixed(1)} MB`;

/** A filesystem error while spooling, as the client should see it: 507 when the disk is the cause. */
export function spoolError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === undefined || !STORAGE_CODES.has(code)) return err;
  return StorageFullError('the PDF upload', `the spool (${os.tmpdir()}) is full or unwritable (${code})`, { details: { retryAfterSeconds: RETRY_AFTER_SECONDS, reason: code } });
}

/**
 * Writes `bytes` to a fresh spool file. `maxMb`: the most bytes this process may hold spooled at
 * once, this upload included (0 = no bound).
 */
export async function spoolPdf(bytes: Uint8Array, maxMb = 0): Promise<SpooledPdf> {
  const size = bytes.byteLength;
  const budget = maxMb > 0 ? maxMb * MB : Infinity;
  if (reservedBytes + size > budget) throw budgetError(size, budget);
  // Reserved before any await: a concurrent upload sees it at once.
  reservedBytes += size;
  spooledFiles += 1;
  let released = false;
  const release = (): void => {
    if (released) return;
    released = true;
    reservedBytes -= size;
    spooledFiles -= 1;
  };
  let dir: string | undefined;
  try {
    // mkdtemp: a fresh 0700 folder per document, so no other user can read or swap the file; named
    // after this process, so a start after a crash can sweep what a killed server left.
    dir = await fs.mkdtemp(ownedTempPrefix('pdf'));
    const file = path.join(dir, 'document.pdf');
    await fs.writeFile(file, bytes, { mode: 0o600 });
    const made = dir;
    let removed: Promise<void> | undefined;
    return { path: file, remove: () => (removed ??= fs.rm(made, { recursive: true, force: true }).finally(release)) };
  } catch (err) {
    // A partial file must not hold the space it got.
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
    release();
    throw spoolError(err);
  }
}

function budgetError(size: number, budget: number): LayoutError {
  return StorageFullError(
    `a PDF of ${megabytes(size)}`,
    `the spool holds ${megabytes(reservedBytes)} of its ${megabytes(budget)} (--spool-max-mb)`,
    { details: { retryAfterSeconds: RETRY_AFTER_SECONDS, reason: 'spool-max-mb', spooledBytes: reservedBytes, limitBytes: budget } },
  );
}

/**
 * Why the spool cannot take a file now (the code of the error), or undefined when it can: writes,
 * reads back and removes a one-byte file. For /readyz, on a timer — not per request.
 */
export async function spoolUnwritable(): Promise<string | undefined> {
  let dir: string | undefined;
  try {
    dir = await fs.mkdtemp(ownedTempPrefix('pdf'));
    await fs.writeFile(path.join(dir, 'probe'), 'x');
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? String(err);
  } finally {
    if (dir !== undefined) await fs.rm(dir, { recursive: true, force: true }).catch(() => {});
  }
}
