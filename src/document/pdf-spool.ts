/**
 * A PDF upload written once to a private temp file, so device workers render its pages where
 * they use the pixels (each task carries the path and a page number, not pixels). The file is
 * removed when its document settles.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { ownedTempPrefix } from '../util/owned-temp.js';

export interface SpooledPdf {
  readonly path: string;
  remove(): Promise<void>;
}

export async function spoolPdf(bytes: Uint8Array): Promise<SpooledPdf> {
  // mkdtemp: a fresh 0700 folder per document, so no other user can read or swap the file; named
  // after this process, so a start after a crash can sweep what a killed server left.
  const dir = await fs.mkdtemp(ownedTempPrefix('pdf'));
  const file = path.join(dir, 'document.pdf');
  try {
    await fs.writeFile(file, bytes, { mode: 0o600 });
  } catch (err) {
    await fs.rm(dir, { recursive: true, force: true });
    throw err;
  }
  let removed: Promise<void> | undefined;
  return { path: file, remove: () => (removed ??= fs.rm(dir, { recursive: true, force: true })) };
}
