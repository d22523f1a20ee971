/**
 * A PDF upload written once to a private temp file, so device workers render its pages where
 * they use the pixels (each task carries the path and a page number, not pixels). The file is
 * removed when its document settles.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';

interface SpooledPdf {
  readonly path: string;
  remove(): Promise<void>;
}

export async function spoolPdf(bytes: Uint8Array): Promise<SpooledPdf> {
  // mkdtemp: a fresh 0700 folder per document, so no other user can read or swap the file.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'doclayout-pdf-'));
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
