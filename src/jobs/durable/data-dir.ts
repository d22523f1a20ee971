/**
 * The data directory's files: uploads spooled durably (written, then the file and its directory
 * fsync'd, so the name survives a crash too), read back, and removed; and the one mapping of a
 * full or unwritable disk — from the filesystem or from SQLite — to LAYOUT_ERR_STORAGE_FULL.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { StorageFullError, type LayoutError } from '../../errors.js';

/** How long a client is told to wait before retrying on a full disk. */
export const STORAGE_FULL_RETRY_S = 10;

const FULL_CODES = new Set(['ENOSPC', 'EDQUOT', 'EROFS', 'EFBIG']);
/** SQLite's result codes for a full disk (13) and a failed write (10, with ENOSPC under it). */
const SQLITE_FULL = 13;

/** The error as LAYOUT_ERR_STORAGE_FULL when it is a full or unwritable disk; undefined otherwise. */
export function storageFull(err: unknown, what: string, dir: string): LayoutError | undefined {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown } | undefined;
  const full = (typeof e?.code === 'string' && FULL_CODES.has(e.code))
    || e?.errcode === SQLITE_FULL
    || (typeof e?.message === 'string' && /database or disk is full|disk I\/O error/i.test(e.message));
  if (!full) return undefined;
  return StorageFullError(what, `the data directory ${dir} is full or not writable (${String(e?.code ?? e?.message)})`, { details: { retryAfterSeconds: STORAGE_FULL_RETRY_S } });
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `bytes` to a new file and makes it durable; a partial file is removed on failure. */
export async function writeDurably(file: string, bytes: Uint8Array): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(file, 'wx');
    await handle.writeFile(bytes);
    // The file's bytes and its name (created by the open above) at once: on a journaling file
    // system the two usually share one journal commit instead of waiting for two.
    await Promise.all([handle.sync(), fsyncDir(path.dirname(file))]);
    await handle.close();
    handle = undefined;
  } catch (err) {
    await handle?.close().catch(() => undefined);
    await fs.rm(file, { force: true });
    throw err;
  }
}

export async function removeFile(file: string): Promise<void> {
  await fs.rm(file, { force: true });
}
