/**
 * Expands the `analyze` arguments — files, directories (recursively) and globs — into a sorted,
 * de-duplicated list. Directories and globs keep only supported extensions; a file named
 * explicitly is always kept (its bytes are sniffed later, so a wrong name gets a clear error).
 */
import fs from 'node:fs';
import path from 'node:path';
import { glob } from 'tinyglobby';

export const SUPPORTED_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'bmp', 'gif', 'pdf'];

export interface InputFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the argument it came from (used to mirror folders in --out). */
  readonly relative: string;
}

const pattern = `**/*.{${SUPPORTED_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()]).join(',')}}`;

export async function expandInputs(args: readonly string[]): Promise<{ files: InputFile[]; missing: string[] }> {
  const files = new Map<string, InputFile>();
  const missing: string[] = [];
  for (const arg of args) {
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    if (stat?.isFile()) {
      const abs = path.resolve(arg);
      files.set(abs, { path: abs, relative: path.basename(arg) });
    } else if (stat?.isDirectory()) {
      const found = await glob(pattern, { cwd: arg, absolute: false, onlyFiles: true, followSymbolicLinks: false });
      for (const rel of found) {
        const abs = path.resolve(arg, rel);
        files.set(abs, { path: abs, relative: rel });
      }
    } else {
      const found = await glob(arg, { absolute: true, onlyFiles: true });
      const supported = found.filter((f) => SUPPORTED_EXTENSIONS.includes(path.extname(f).slice(1).toLowerCase()));
      if (supported.length === 0) missing.push(arg);
      for (const abs of supported) files.set(abs, { path: abs, relative: path.basename(abs) });
    }
  }
  return { files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)), missing };
}
