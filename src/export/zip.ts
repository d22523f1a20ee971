/**
 * Zip archives of exported files (PAGE per page, region crops), with fflate: pure JS, no
 * native parts. Images are already compressed, so they are stored; XML and JSON are deflated.
 */
import { zipSync, type Zippable } from 'fflate';

export interface ZipEntry {
  readonly name: string;
  readonly data: string | Uint8Array;
}

const STORED = /\.(png|jpe?g|webp)$/i;

/** One archive; a name used twice gets a `-2`, `-3`… suffix so no entry is lost. */
export function zipFiles(entries: readonly ZipEntry[]): Uint8Array {
  const files: Zippable = {};
  for (const entry of entries) {
    let name = entry.name;
    for (let n = 2; Object.hasOwn(files, name); n++) name = entry.name.replace(/(\.[^./]*)?$/, `-${n}$1`);
    const data = typeof entry.data === 'string' ? new TextEncoder().encode(entry.data) : entry.data;
    files[name] = [data, { level: STORED.test(name) ? 0 : 6 }];
  }
  return zipSync(files);
}
