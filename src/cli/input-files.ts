/**
 * Expands the `analyze` arguments — files, directories (recursively) and globs — into a sorted,
 * de-duplicated list. What a file is comes from its bytes, never its name (README): in folders and
 * globs, a file whose extension says image or PDF is kept (a wrong one then fails with a clear
 * error, as a broken input should), and every other file is sniffed from its first bytes — an
 * image or PDF under any name (`scan.bin`, `page`) is kept, anything else is listed as ignored so
 * the summary can count it. A file named explicitly is always kept.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { glob } from 'tinyglobby';
import { sniffMediaType } from '../model/index.js';

const SUPPORTED_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'bmp', 'gif', 'pdf'];

/** Enough for every signature sniffMediaType knows (a PDF header may sit anywhere in the first 1024 bytes). */
const SNIFF_BYTES = 1024;
/** Files sniffed at once: bounded so a folder of thousands does not open thousands of files. */
const SNIFF_CONCURRENCY = 16;

export interface InputFile {
  /** Absolute path. */
  readonly path: string;
  /** Path relative to the argument it came from (used to mirror folders in --out). */
  readonly relative: string;
}

interface ExpandedInputs {
  readonly files: InputFile[];
  /** Arguments that matched nothing. */
  readonly missing: string[];
  /** Files found in folders or globs that are neither images nor PDFs by their bytes, sorted. */
  readonly ignored: string[];
}

const hasSupportedExtension = (file: string): boolean => SUPPORTED_EXTENSIONS.includes(path.extname(file).slice(1).toLowerCase());

/** Whether the first bytes of a file are an image or a PDF; unreadable files are not. */
async function looksSupported(file: string): Promise<boolean> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(file, 'r');
    const head = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(head, 0, SNIFF_BYTES, 0);
    return sniffMediaType(head.subarray(0, bytesRead)) !== undefined;
  } catch {
    return false;
  } finally {
    await handle?.close();
  }
}

/** Splits candidates into kept and ignored, sniffing only those without an image/PDF extension. */
async function classify(candidates: readonly InputFile[]): Promise<{ kept: InputFile[]; ignored: InputFile[] }> {
  const verdicts = new Array<boolean>(candidates.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < candidates.length) {
      const i = next++;
      const file = candidates[i]!;
      verdicts[i] = hasSupportedExtension(file.path) || (await looksSupported(file.path));
    }
  };
  await Promise.all(Array.from({ length: Math.min(SNIFF_CONCURRENCY, candidates.length) }, lane));
  return { kept: candidates.filter((_, i) => verdicts[i]), ignored: candidates.filter((_, i) => !verdicts[i]) };
}

export async function expandInputs(args: readonly string[]): Promise<ExpandedInputs> {
  const files = new Map<string, InputFile>();
  const ignored = new Map<string, string>();
  const missing: string[] = [];
  for (const arg of args) {
    const stat = fs.statSync(arg, { throwIfNoEntry: false });
    let candidates: InputFile[];
    if (stat?.isFile()) {
      const abs = path.resolve(arg);
      files.set(abs, { path: abs, relative: path.basename(arg) });
      continue;
    } else if (stat?.isDirectory()) {
      const found = await glob('**/*', { cwd: arg, absolute: false, onlyFiles: true, followSymbolicLinks: false, dot: false });
      candidates = found.map((rel) => ({ path: path.resolve(arg, rel), relative: rel }));
    } else {
      const found = await glob(arg, { absolute: true, onlyFiles: true });
      if (found.length === 0) missing.push(arg);
      candidates = found.map((abs) => ({ path: abs, relative: path.basename(abs) }));
    }
    const { kept, ignored: rest } = await classify(candidates.filter((c) => !files.has(c.path)));
    for (const file of kept) files.set(file.path, file);
    for (const file of rest) ignored.set(file.path, path.relative(process.cwd(), file.path) || file.path);
  }
  for (const abs of files.keys()) ignored.delete(abs);
  return {
    files: [...files.values()].sort((a, b) => a.path.localeCompare(b.path)),
    missing,
    ignored: [...ignored.values()].sort((a, b) => a.localeCompare(b)),
  };
}
