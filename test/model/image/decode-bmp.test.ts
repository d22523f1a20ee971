/**
 * BMP decoding. The files are written byte by byte here (no encoder is trusted to produce the
 * exotic forms), each with known pixel values, so every layout variant is checked exactly.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CorruptImageError, ImageTooLargeError, UnsupportedMediaError } from '../../../src/errors.js';
import { decodeImage } from '../../../src/model/image/decode.js';
import { sniffMediaType } from '../../../src/model/image/sniff.js';

type Rgb = readonly [number, number, number];

interface BmpSpec {
  readonly width: number;
  readonly height: number;
  readonly bitsPerPixel: number;
  readonly compression?: number;
  readonly topDown?: boolean;
  readonly headerSize?: 12 | 40 | 108;
  readonly palette?: readonly Rgb[];
  readonly masks?: readonly [number, number, number, number?];
  /** Packed pixel bytes per row, top row first, without the 4-byte row padding. */
  readonly rows?: readonly (readonly number[])[];
  /** Pixel data as stored (RLE streams). */
  readonly pixelData?: readonly number[];
}

function makeBmp(spec: BmpSpec): Uint8Array {
  const headerSize = spec.headerSize ?? 40;
  const core = headerSize === 12;
  const compression = spec.compression ?? 0;
  const bitFields = compression === 3 || compression === 6;
  const maskBytes = headerSize === 40 && bitFields ? (compression === 6 ? 16 : 12) : 0;
  const palette = spec.palette ?? [];
  const paletteBytes = palette.length * (core ? 3 : 4);
  let pixels: number[];
  if (spec.pixelData) {
    pixels = [...spec.pixelData];
  } else {
    const stride = Math.floor((spec.bitsPerPixel * spec.width + 31) / 32) * 4;
    const rows = spec.topDown ? spec.rows! : [...spec.rows!].reverse();
    pixels = rows.flatMap((row) => [...row, ...new Array(stride - row.length).fill(0)]);
  }
  const offset = 14 + headerSize + maskBytes + paletteBytes;
  const out = new Uint8Array(offset + pixels.length);
  const view = new DataView(out.buffer);
  out[0] = 0x42;
  out[1] = 0x4d;
  view.setUint32(2, out.length, true);
  view.setUint32(10, offset, true);
  view.setUint32(14, headerSize, true);
  if (core) {
    view.setUint16(18, spec.width, true);
    view.setUint16(20, spec.height, true);
    view.setUint16(22, 1, true);
    view.setUint16(24, spec.bitsPerPixel, true);
  } else {
    view.setInt32(18, spec.width, true);
    view.setInt32(22, spec.topDown ? -spec.height : spec.height, true);
    view.setUint16(26, 1, true);
    view.setUint16(28, spec.bitsPerPixel, true);
    view.setUint32(30, compression, true);
    view.setUint32(34, pixels.length, true);
    view.setUint32(46, palette.length, true);
    if (spec.masks) spec.masks.forEach((mask, i) => view.setUint32(54 + i * 4, mask ?? 0, true));
  }
  let p = 14 + headerSize + maskBytes;
  for (const [r, g, b] of palette) {
    out.set(core ? [b, g, r] : [b, g, r, 0], p);
    p += core ? 3 : 4;
  }
  out.set(pixels, offset);
  return out;
}

const bgr = (pixels: readonly Rgb[]): number[] => pixels.flatMap(([r, g, b]) => [b, g, r]);
const flat = (rows: readonly (readonly Rgb[])[]): number[] => rows.flat().flatMap((p) => [...p]);

async function decodedPixels(bytes: Uint8Array): Promise<{ width: number; height: number; pixels: number[] }> {
  assert.equal(sniffMediaType(bytes), 'bmp');
  const image = await decodeImage(bytes, { name: 'test.bmp' });
  assert.equal(image.format, 'bmp');
  assert.equal(image.data.length, image.width * image.height * 3);
  return { width: image.width, height: image.height, pixels: [...image.data] };
}

const RED: Rgb = [255, 0, 0];
const GREEN: Rgb = [0, 255, 0];
const BLUE: Rgb = [0, 0, 255];
const WHITE: Rgb = [255, 255, 255];
const GREY: Rgb = [100, 110, 120];
const PALETTE: readonly Rgb[] = [RED, GREEN, BLUE, WHITE, GREY];
/** 3 columns (odd, so rows need padding) × 2 rows. */
const IMAGE: readonly (readonly Rgb[])[] = [[RED, GREEN, BLUE], [WHITE, GREY, RED]];

describe('BMP decoding', () => {
  it('decodes 24-bit bottom-up rows with row padding', async () => {
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    assert.deepEqual(await decodedPixels(bytes), { width: 3, height: 2, pixels: flat(IMAGE) });
  });

  it('decodes top-down rows (negative height)', async () => {
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, topDown: true, rows: IMAGE.map(bgr) });
    assert.deepEqual(await decodedPixels(bytes), { width: 3, height: 2, pixels: flat(IMAGE) });
  });

  it('decodes 32-bit BI_RGB and ignores the unused fourth byte', async () => {
    const rows = IMAGE.map((row) => row.flatMap(([r, g, b]) => [b, g, r, 0]));
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 32, rows });
    assert.deepEqual((await decodedPixels(bytes)).pixels, flat(IMAGE));
  });

  it('decodes 8-bit, 4-bit (odd width) and 1-bit palette images', async () => {
    const index = (p: Rgb): number => PALETTE.indexOf(p);
    const rows8 = IMAGE.map((row) => row.map(index));
    assert.deepEqual((await decodedPixels(makeBmp({ width: 3, height: 2, bitsPerPixel: 8, palette: PALETTE, rows: rows8 }))).pixels, flat(IMAGE));

    const rows4 = rows8.map(([a, b, c]) => [(a << 4) | b, c << 4]);
    assert.deepEqual((await decodedPixels(makeBmp({ width: 3, height: 2, bitsPerPixel: 4, palette: PALETTE, rows: rows4 }))).pixels, flat(IMAGE));

    // 10 pixels wide: the second byte of each row holds the last two bits.
    const bits = [[1, 0, 1, 1, 0, 0, 1, 0, 1, 1], [0, 0, 0, 1, 1, 1, 0, 1, 0, 0]];
    const rows1 = bits.map((row) => [row.slice(0, 8).reduce((a, b) => (a << 1) | b, 0), (row[8] << 7) | (row[9] << 6)]);
    const mono = await decodedPixels(makeBmp({ width: 10, height: 2, bitsPerPixel: 1, palette: [[0, 0, 0], WHITE], rows: rows1 }));
    assert.deepEqual(mono.pixels, bits.flat().flatMap((bit) => (bit ? [255, 255, 255] : [0, 0, 0])));
  });

  it('decodes 16-bit X1R5G5B5 (BI_RGB) and R5G6B5 bit fields', async () => {
    const p555 = (r: number, g: number, b: number): number[] => { const v = (r << 10) | (g << 5) | b; return [v & 0xff, v >> 8]; };
    const rows555 = [[...p555(31, 0, 0), ...p555(0, 31, 0), ...p555(0, 0, 31)], [...p555(31, 31, 31), ...p555(16, 8, 0), ...p555(0, 0, 0)]];
    const d555 = await decodedPixels(makeBmp({ width: 3, height: 2, bitsPerPixel: 16, rows: rows555 }));
    assert.deepEqual(d555.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 132, 66, 0, 0, 0, 0]);

    const p565 = (r: number, g: number, b: number): number[] => { const v = (r << 11) | (g << 5) | b; return [v & 0xff, v >> 8]; };
    const rows565 = [[...p565(31, 0, 0), ...p565(0, 63, 0), ...p565(0, 0, 31)], [...p565(31, 63, 31), ...p565(0, 32, 0), ...p565(0, 0, 0)]];
    const d565 = await decodedPixels(makeBmp({ width: 3, height: 2, bitsPerPixel: 16, compression: 3, masks: [0xf800, 0x07e0, 0x001f], rows: rows565 }));
    assert.deepEqual(d565.pixels, [255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255, 0, 130, 0, 0, 0, 0]);
  });

  it('flattens 32-bit alpha bit fields (V4 header) on white', async () => {
    // A, R, G, B in the high-to-low bytes: fully opaque red, transparent blue, half-opaque black.
    const px = (a: number, r: number, g: number, b: number): number[] => [b, g, r, a];
    const rows = [[...px(255, 255, 0, 0), ...px(0, 0, 0, 255), ...px(128, 0, 0, 0)]];
    const bytes = makeBmp({ width: 3, height: 1, bitsPerPixel: 32, compression: 3, headerSize: 108, masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000], rows });
    assert.deepEqual((await decodedPixels(bytes)).pixels, [255, 0, 0, 255, 255, 255, 127, 127, 127]);
  });

  it('treats an all-zero alpha channel as opaque', async () => {
    const rows = [[0, 0, 255, 0, 255, 0, 0, 0]]; // red, blue; alpha bytes 0
    const bytes = makeBmp({ width: 2, height: 1, bitsPerPixel: 32, compression: 3, headerSize: 108, masks: [0x00ff0000, 0x0000ff00, 0x000000ff, 0xff000000], rows });
    assert.deepEqual((await decodedPixels(bytes)).pixels, [255, 0, 0, 0, 0, 255]);
  });

  it('decodes RLE8 runs, absolute runs and end-of-line codes', async () => {
    // Bottom row first: 3×index1 then EOL; top row: absolute run [0, 2, 4], EOL, end of bitmap.
    const pixelData = [3, 1, 0, 0, 0, 3, 0, 2, 4, 0, 0, 0, 0, 1];
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 8, compression: 1, palette: PALETTE, pixelData });
    assert.deepEqual((await decodedPixels(bytes)).pixels, flat([[RED, BLUE, GREY], [GREEN, GREEN, GREEN]]));
  });

  it('decodes RLE4 with skipped pixels left white', async () => {
    // Bottom row: run of 3 alternating nibbles 0,2,0 then EOL; top row: delta (1,0) then 2×index 4.
    const pixelData = [3, 0x02, 0, 0, 0, 2, 1, 0, 2, 0x44, 0, 1];
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 4, compression: 2, palette: PALETTE, pixelData });
    assert.deepEqual((await decodedPixels(bytes)).pixels, flat([[WHITE, GREY, GREY], [RED, BLUE, RED]]));
  });

  it('decodes the OS/2 core header with 3-byte palette entries', async () => {
    const rows = IMAGE.map((row) => row.map((p) => PALETTE.indexOf(p)));
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 8, headerSize: 12, palette: PALETTE, rows });
    assert.deepEqual((await decodedPixels(bytes)).pixels, flat(IMAGE));
  });

  it('rejects truncated pixel data with CorruptImageError', async () => {
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    await assert.rejects(decodeImage(bytes.subarray(0, bytes.length - 5), { name: 'cut.bmp' }), (err) => CorruptImageError.is(err) && /cut\.bmp/.test(err.message));
  });

  it('refuses an oversized BMP from its header, before allocating pixels', async () => {
    // Claims 100000 × 100000 (3e10 bytes of RGB) in a 60-byte file.
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    new DataView(bytes.buffer).setInt32(18, 100_000, true);
    new DataView(bytes.buffer).setInt32(22, 100_000, true);
    await assert.rejects(decodeImage(bytes, { name: 'huge.bmp' }), (err) => ImageTooLargeError.is(err) && /10000000000/.test(err.message));
    const small = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    await assert.rejects(decodeImage(small, { maxPixels: 5 }), (err) => ImageTooLargeError.is(err));
  });

  it('refuses a tiny file claiming a large but allowed size as truncated, without allocating it', async () => {
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    new DataView(bytes.buffer).setInt32(18, 9_000, true);
    new DataView(bytes.buffer).setInt32(22, 9_000, true); // 81 Mpx ≤ 100 Mpx default: 243 MB of RGB
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(decodeImage(bytes), (err) => CorruptImageError.is(err) && /truncated/.test(err.message));
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(growthMb < 100, `RSS grew by ${growthMb.toFixed(0)} MB`);
  });

  it('reports BMP compressions it cannot decode as unsupported', async () => {
    const bytes = makeBmp({ width: 3, height: 2, bitsPerPixel: 24, rows: IMAGE.map(bgr) });
    new DataView(bytes.buffer).setUint32(30, 4, true); // BI_JPEG
    await assert.rejects(decodeImage(bytes), (err) => UnsupportedMediaError.is(err) && /compression 4/.test(err.message));
  });
});
