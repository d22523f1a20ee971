/**
 * Media type detection from magic bytes. File names and client-declared content types are never
 * trusted: a text file named `.png` must be refused as "not an image", not fail deep in a decoder.
 */

export type MediaType = 'jpeg' | 'png' | 'webp' | 'tiff' | 'bmp' | 'gif' | 'pdf';

const MIME_TYPES: Readonly<Record<MediaType, string>> = Object.freeze({
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  tiff: 'image/tiff',
  bmp: 'image/bmp',
  gif: 'image/gif',
  pdf: 'application/pdf',
});

/** DIB header sizes of the BMP variants in use (core, info, v2, v3, OS/2 v2, v4, v5). */
const BMP_DIB_HEADER_SIZES: ReadonlySet<number> = new Set([12, 40, 52, 56, 64, 108, 124]);

/**
 * Readers (Acrobat, pdf.js) accept a PDF header anywhere in the first 1024 bytes, after junk
 * that some generators and mail gateways prepend; we accept the same files.
 */
const PDF_HEADER_WINDOW_BYTES = 1024;

function startsWith(bytes: Uint8Array, signature: readonly number[], offset = 0): boolean {
  if (bytes.length < offset + signature.length) return false;
  for (let i = 0; i < signature.length; i++) {
    if (bytes[offset + i] !== signature[i]) return false;
  }
  return true;
}

const ascii = (text: string): number[] => [...text].map((c) => c.charCodeAt(0));

const JPEG = [0xff, 0xd8, 0xff];
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const RIFF = ascii('RIFF');
const WEBP = ascii('WEBP');
const GIF87 = ascii('GIF87a');
const GIF89 = ascii('GIF89a');
// Classic TIFF (42) and BigTIFF (43), both byte orders.
const TIFF = [[0x49, 0x49, 0x2a, 0x00], [0x4d, 0x4d, 0x00, 0x2a], [0x49, 0x49, 0x2b, 0x00], [0x4d, 0x4d, 0x00, 0x2b]];
const BM = ascii('BM');
const PDF = ascii('%PDF-');

/** Offset of `%PDF-` within the first 1024 bytes, or -1. */
export function pdfHeaderOffset(bytes: Uint8Array): number {
  const end = Math.min(bytes.length - PDF.length, PDF_HEADER_WINDOW_BYTES - PDF.length);
  for (let i = 0; i <= end; i++) {
    if (bytes[i] === 0x25 && startsWith(bytes, PDF, i)) return i;
  }
  return -1;
}

function isBmp(bytes: Uint8Array): boolean {
  // "BM" alone is too weak a signature (any text starting with "BM"): also require a known
  // DIB header size, little-endian uint32 at offset 14.
  if (!startsWith(bytes, BM) || bytes.length < 18) return false;
  const dibSize = (bytes[14] | (bytes[15] << 8) | (bytes[16] << 16) | (bytes[17] << 24)) >>> 0;
  return BMP_DIB_HEADER_SIZES.has(dibSize);
}

export function sniffMediaType(bytes: Uint8Array): MediaType | undefined {
  if (startsWith(bytes, JPEG)) return 'jpeg';
  if (startsWith(bytes, PNG)) return 'png';
  if (startsWith(bytes, RIFF) && startsWith(bytes, WEBP, 8)) return 'webp';
  if (startsWith(bytes, GIF87) || startsWith(bytes, GIF89)) return 'gif';
  if (TIFF.some((signature) => startsWith(bytes, signature))) return 'tiff';
  if (isBmp(bytes)) return 'bmp';
  if (pdfHeaderOffset(bytes) >= 0) return 'pdf';
  return undefined;
}

export function mimeTypeOf(type: MediaType): string {
  return MIME_TYPES[type];
}
