/**
 * Temp folders named after the process that owns them (`doclayout-<kind>-<pid>-XXXXXX`), so a
 * later start can tell a killed owner's leftovers from a live process's folders: PDF spools of a
 * server killed mid-request, the temp dirs of device workers whose pool was killed (onnxruntime
 * writes `mat-debug-<pid>.log` and `.ses` files there). A folder is stale when its owner is gone,
 * or when the owner's pid is ours but the folder is older than this process (a container
 * restarted under the same pid, its /tmp kept).
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';

export type TempKind = 'pdf' | 'worker';

const OWNED = /^doclayout-(pdf|worker)-(\d+)-[A-Za-z0-9]{6}$/;

/** The mkdtemp prefix for a folder of `kind` owned by this process, under `root`. */
export function ownedTempPrefix(kind: TempKind, root = os.tmpdir()): string {
  return path.join(root, `doclayout-${kind}-${process.pid}-`);
}

/** A fresh 0700 folder of `kind` owned by this process (sync: made as a worker is forked). */
export function makeOwnedTempDirSync(kind: TempKind, root = os.tmpdir()): string {
  return fs.mkdtempSync(ownedTempPrefix(kind, root));
}

/** As makeOwnedTempDirSync, or undefined when the temp root is full or unwritable (the caller shares the root). */
export function tryOwnedTempDirSync(kind: TempKind, root = os.tmpdir()): string | undefined {
  try {
    return makeOwnedTempDirSync(kind, root);
  } catch {
    return undefined;
  }
}

/** Removes a small temp dir now (sync: before anyone else hears why); a failure is left for the next sweep. */
export function removeTempDirSync(dir: string): void {
  try {
    fs.rmSync(dir, { recursive: true, force: true });
  } catch { /* swept at the next start */ }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** When this process started, ms since the epoch. */
const startedAt = performance.timeOrigin;

/**
 * Removes stale owned folders of `kinds` under `root`; returns the paths removed. Never throws:
 * a folder it cannot read or remove is left for the next sweep.
 */
export async function sweepStaleTemp(kinds: readonly TempKind[], root = os.tmpdir()): Promise<string[]> {
  let names: string[];
  try {
    names = await fsp.readdir(root);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const match = OWNED.exec(name);
    if (!match || !kinds.includes(match[1] as TempKind)) continue;
    const pid = Number(match[2]);
    const dir = path.join(root, name);
    let stale = !alive(pid);
    if (!stale && pid === process.pid) {
      // Last changed before this process started: nothing of ours (we write into ours after).
      const changed = await fsp.stat(dir).then((s) => s.mtimeMs, () => Infinity);
      stale = changed < startedAt;
    }
    if (!stale) continue;
    try {
      await fsp.rm(dir, { recursive: true, force: true });
      removed.push(dir);
    } catch {
      // Someone else's (permissions) or already gone: not ours to insist on.
    }
  }
  return removed;
}
