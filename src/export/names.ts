/**
 * File names the writers put in their outputs: the image a page result describes, and the names
 * of files written per document. A PDF page has no image file of its own, so it is named
 * `<stem>_p<N>.png` — the name doclayout gives a rendered page wherever one is written.
 */
import path from 'node:path';

export function fileStem(name: string): string {
  const base = path.basename(name);
  const ext = path.extname(base);
  return ext.length > 0 && ext.length < base.length ? base.slice(0, -ext.length) : base;
}

/** The image a page result describes: the upload itself, or a PDF page's rendered image. */
export function pageImageName(name: string, isPdf: boolean, page: number): string {
  return isPdf ? `${fileStem(name)}_p${String(page).padStart(4, '0')}.png` : path.basename(name);
}

/**
 * A name safe to put in a Content-Disposition header, a zip entry and a file system: path
 * separators, control characters and quotes become "_"; never empty, never a dot file.
 */
export function safeFileName(name: string): string {
  const cleaned = path.basename(name.replace(/\\/g, '/')).replace(/[\u0000-\u001f\u007f"*:<>?|\\/]/g, '_').trim();
  const noDot = cleaned.replace(/^\.+/, '');
  return noDot.length > 0 ? noDot.slice(0, 200) : 'document';
}
