/**
 * A small tmpfs for the full-disk tests: mounted on a fresh folder (root on Linux, as in CI), or
 * the reason to skip where that is not allowed; a filler that takes it to its last byte; unmount.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface Tmpfs {
  readonly dir: string;
  /** Why the test cannot run here (no mount allowed), or false when mounted. */
  readonly skip: string | false;
}

/** Mounts a tmpfs of `sizeKb` on a new folder under `parent`. */
export function mountTmpfs(sizeKb: number, parent = os.tmpdir()): Tmpfs {
  const dir = fs.mkdtempSync(path.join(parent, 'doclayout-tmpfs-'));
  if (process.platform !== 'linux') return { dir, skip: 'needs a tmpfs mount (Linux)' };
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { stdio: 'pipe' });
    return { dir, skip: false };
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    return { dir, skip: `cannot mount a tmpfs here (needs root): ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}` };
  }
}

/** Changes a mounted tmpfs's size (its files stay). */
export function resizeTmpfs(tmpfs: Tmpfs, sizeKb: number): void {
  execFileSync('mount', ['-o', `remount,size=${sizeKb}k`, tmpfs.dir], { stdio: 'pipe' });
}

export function unmountTmpfs(tmpfs: Tmpfs): void {
  if (tmpfs.skip === false) execFileSync('umount', [tmpfs.dir]);
  fs.rmSync(tmpfs.dir, { recursive: true, force: true });
}

/** Writes into `dir` until not one more byte fits; returns the filler's path (delete it to free the space). */
export function fillToLastByte(dir: string): string {
  const filler = path.join(dir, 'filler');
  const fd = fs.openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (let size = chunk.length; size >= 1; size = Math.floor(size / 2)) {
      for (;;) {
        try {
          fs.writeSync(fd, chunk, 0, size);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
          break;
        }
      }
    }
  } finally {
    fs.closeSync(fd);
  }
  return filler;
}
