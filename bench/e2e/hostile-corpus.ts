/**
 * The generated hostile corpus of bench:hostile (no downloads, same files every run: a seeded
 * generator): garbage, zero-byte and header-only files, truncated and corrupted JPEG/PNG/TIFF/
 * WebP/GIF/BMP/PDF, decompression bombs, PDF bombs (test/fixtures/pdf-bombs.ts), files whose
 * declared type lies, huge declared dimensions, and a few valid files as a control.
 */
import zlib from 'node:zlib';
import { PDFDocument } from 'pdf-lib';
import sharp from 'sharp';
import { twoPagePdf } from '../../test/server/helpers.js';
import { cyclicPageTreePdf, deepArrayPdf, deepPageTreePdf, hugePagePdf, imageBombPdf, manyPagesPdf, noXrefPdf, segmentsPdf } from '../../test/fixtures/pdf-bombs.js';
import { seededRandom } from '../common/random.js';

export interface CorpusFile {
  readonly name: string;
  readonly bytes: Buffer;
  /** Content type it is sent with on routes that carry one. */
  readonly type: string;
  readonly kind: 'valid' | 'garbage' | 'empty' | 'truncated' | 'corrupt' | 'image-bomb' | 'pdf-bomb' | 'wrong-type' | 'huge-dimensions';
}


function randomBytes(random: () => number, length: number): Buffer {
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) out[i] = Math.floor(random() * 256);
  return out;
}

/** A PNG chunk with its CRC. */
function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** A grey PNG of width × height whose zero rows inflate from `rows` rows actually present. */
function pngBomb(width: number, height: number, rows = height): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 0; // greyscale
  const raw = Buffer.alloc((width + 1) * rows);
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr), pngChunk('IDAT', zlib.deflateSync(raw, { level: 9 })), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A JPEG whose SOF0 claims width × height (the scan data is the small image's). */
function jpegWithDimensions(jpeg: Buffer, width: number, height: number): Buffer {
  const out = Buffer.from(jpeg);
  for (let i = 2; i < out.length - 9; i++) {
    if (out[i] === 0xff && out[i + 1]! >= 0xc0 && out[i + 1]! <= 0xc2) {
      out.writeUInt16BE(height, i + 5);
      out.writeUInt16BE(width, i + 7);
      break;
    }
  }
  return out;
}

/** A little-endian TIFF header + IFD claiming width × height with one 8-byte strip. */
function tiffWithDimensions(width: number, height: number): Buffer {
  const entries: Array<[number, number, number, number]> = [
    [256, 4, 1, width], [257, 4, 1, height], [258, 3, 1, 8], [259, 3, 1, 1], [262, 3, 1, 1],
    [273, 4, 1, 8 + 2 + 10 * 12 + 4], [277, 3, 1, 1], [278, 4, 1, height], [279, 4, 1, 8], [284, 3, 1, 1],
  ];
  const ifd = Buffer.alloc(2 + entries.length * 12 + 4);
  ifd.writeUInt16LE(entries.length, 0);
  entries.forEach(([tag, type, count, value], i) => {
    const at = 2 + i * 12;
    ifd.writeUInt16LE(tag, at);
    ifd.writeUInt16LE(type, at + 2);
    ifd.writeUInt32LE(count, at + 4);
    if (type === 3) ifd.writeUInt16LE(value, at + 8);
    else ifd.writeUInt32LE(value, at + 8);
  });
  return Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]), ifd, Buffer.alloc(8)]);
}

async function imagePdf(pages: number, side: number): Promise<Buffer> {
  const jpeg = await sharp({ create: { width: side, height: side, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 40 } } }).jpeg({ quality: 40 }).toBuffer();
  const doc = await PDFDocument.create();
  const image = await doc.embedJpg(jpeg);
  for (let n = 0; n < pages; n++) doc.addPage([612, 792]).drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
  return Buffer.from(await doc.save());
}

const TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', tiff: 'image/tiff', webp: 'image/webp', gif: 'image/gif', bmp: 'image/bmp', pdf: 'application/pdf' };

/** `quick`: every 6th ordinary file and the cheapest bombs, for a smoke run. */
export async function hostileCorpus(options: { quick?: boolean } = {}): Promise<CorpusFile[]> {
  const random = seededRandom(21);
  const files: CorpusFile[] = [];
  const add = (name: string, bytes: Buffer, type: string, kind: CorpusFile['kind']): void => void files.push({ name, bytes, type, kind });

  const page = sharp({ create: { width: 600, height: 800, channels: 3, background: '#f4f4f4' } }).composite([{ input: { create: { width: 400, height: 60, channels: 3, background: '#202020' } }, top: 100, left: 100 }]);
  const valid: Record<string, Buffer> = {
    jpeg: await page.clone().jpeg().toBuffer(),
    png: await page.clone().png().toBuffer(),
    tiff: await page.clone().tiff().toBuffer(),
    webp: await page.clone().webp().toBuffer(),
    gif: await page.clone().gif().toBuffer(),
    pdf: await twoPagePdf(),
  };
  for (const [format, bytes] of Object.entries(valid)) add(`valid.${format}`, bytes, TYPES[format]!, 'valid');

  add('empty.bin', Buffer.alloc(0), 'application/octet-stream', 'empty');
  for (const size of [1, 2, 7, 64, 512, 4096, 65_536, 1_000_000, 4_000_000]) {
    for (let n = 0; n < 3; n++) add(`garbage-${size}-${n}.bin`, randomBytes(random, size), n === 1 ? 'image/png' : 'application/octet-stream', 'garbage');
  }
  for (const text of ['<html><body>not an image</body></html>', '{"image": "nope"}', 'PK\x03\x04 a zip, not a page', '%PDF', '%PDF-1.7\n', '%PDF-1.4\n1 0 obj\n<<>>\nendobj\n', '\xff\xd8\xff', '\x89PNG\r\n\x1a\n', 'II*\x00', 'MM\x00*', 'GIF89a', 'RIFF\x00\x00\x00\x00WEBP', 'BM\x00\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00\x28\x00\x00\x00']) {
    add(`header-only-${files.length}.bin`, Buffer.from(text, 'latin1'), 'application/octet-stream', 'truncated');
  }

  // Truncated: each valid file cut at 12 points; corrupt: 16 seeded runs of random overwrites.
  for (const [format, bytes] of Object.entries(valid)) {
    for (let n = 1; n <= 12; n++) add(`truncated-${n}.${format}`, bytes.subarray(0, Math.max(1, Math.floor((bytes.length * n) / 13))), TYPES[format]!, 'truncated');
    for (let n = 0; n < 16; n++) {
      const copy = Buffer.from(bytes);
      const flips = 1 + Math.floor(random() * 40);
      // Past the signature, so the sniffer still calls it what it claims to be.
      for (let f = 0; f < flips; f++) copy[16 + Math.floor(random() * (copy.length - 16))] = Math.floor(random() * 256);
      add(`corrupt-${n}.${format}`, copy, TYPES[format]!, 'corrupt');
    }
  }

  // Decompression bombs and impossible dimensions.
  add('png-bomb-12000x12000.png', pngBomb(12_000, 12_000), 'image/png', 'image-bomb');
  add('png-bomb-9000x9000.png', pngBomb(9_000, 9_000), 'image/png', 'image-bomb');
  add('png-100000x100000-claimed.png', pngBomb(100_000, 100_000, 1), 'image/png', 'huge-dimensions');
  add('png-1x1000000.png', pngBomb(1, 1_000_000), 'image/png', 'huge-dimensions');
  add('jpeg-65000x65000-claimed.jpg', jpegWithDimensions(valid.jpeg!, 65_000, 65_000), 'image/jpeg', 'huge-dimensions');
  add('jpeg-20000x20000-claimed.jpg', jpegWithDimensions(valid.jpeg!, 20_000, 20_000), 'image/jpeg', 'huge-dimensions');
  add('tiff-4000000000x4000000000-claimed.tif', tiffWithDimensions(4_000_000_000, 4_000_000_000), 'image/tiff', 'huge-dimensions');
  add('tiff-50000x50000-claimed.tif', tiffWithDimensions(50_000, 50_000), 'image/tiff', 'huge-dimensions');

  // PDF bombs.
  add('pdf-cyclic-page-tree.pdf', cyclicPageTreePdf(), 'application/pdf', 'pdf-bomb');
  add('pdf-deep-page-tree.pdf', deepPageTreePdf(options.quick ? 2_000 : 20_000), 'application/pdf', 'pdf-bomb');
  add('pdf-deep-array.pdf', deepArrayPdf(100_000), 'application/pdf', 'pdf-bomb');
  add('pdf-huge-page-200000.pdf', hugePagePdf(200_000), 'application/pdf', 'pdf-bomb');
  add('pdf-huge-page-14400.pdf', hugePagePdf(14_400), 'application/pdf', 'pdf-bomb');
  add('pdf-many-pages-20000.pdf', manyPagesPdf(options.quick ? 2_000 : 20_000), 'application/pdf', 'pdf-bomb');
  add('pdf-no-xref-100000-objects.pdf', noXrefPdf(options.quick ? 10_000 : 100_000), 'application/pdf', 'pdf-bomb');
  add('pdf-300k-segments.pdf', segmentsPdf(300_000), 'application/pdf', 'pdf-bomb');
  add('pdf-image-bomb-10000.pdf', imageBombPdf(10_000), 'application/pdf', 'pdf-bomb');
  if (!options.quick) {
    add('pdf-image-bomb-6000-x4.pdf', imageBombPdf(6_000, 4), 'application/pdf', 'pdf-bomb');
    add('pdf-4000x4000-images-x6.pdf', await imagePdf(6, 4000), 'application/pdf', 'pdf-bomb');
  }

  // Declared types that lie: the bytes decide.
  add('png-sent-as-pdf.pdf', valid.png!, 'application/pdf', 'wrong-type');
  add('pdf-sent-as-png.png', valid.pdf!, 'image/png', 'wrong-type');
  add('jpeg-sent-as-tiff.tif', valid.jpeg!, 'image/tiff', 'wrong-type');
  add('html-sent-as-jpeg.jpg', Buffer.from('<html>hi</html>'), 'image/jpeg', 'wrong-type');
  add('garbage-sent-as-pdf.pdf', randomBytes(random, 10_000), 'application/pdf', 'wrong-type');

  if (!options.quick) return files;
  return files.filter((f, i) => f.kind !== 'truncated' && f.kind !== 'corrupt' && f.kind !== 'garbage' ? true : i % 6 === 0);
}
