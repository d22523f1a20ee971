/**
 * Image decoding: every supported format lands as 8-bit RGB with EXIF orientation applied, and
 * every bad input is refused with its own error code. Inputs are generated here with sharp (or
 * by hand where sharp cannot write the variant), so expected pixels are known.
 */
import assert from 'node:assert/strict';
import zlib from 'node:zlib';
import { describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { CorruptImageError, EmptyInputError, ImageTooLargeError, UnsupportedMediaError } from '../../../src/errors.js';
import { decodeImage, type DecodedImage } from '../../../src/model/image/decode.js';

type Rgb = readonly [number, number, number];

/** 60 × 40 image in four flat quadrants: TL red, TR green, BL blue, BR white. */
const QUAD_WIDTH = 60;
const QUAD_HEIGHT = 40;
const QUADS = { tl: [255, 0, 0], tr: [0, 255, 0], bl: [0, 0, 255], br: [255, 255, 255] } as const satisfies Record<string, Rgb>;

function quadrantPixels(): Buffer {
  const data = Buffer.alloc(QUAD_WIDTH * QUAD_HEIGHT * 3);
  for (let y = 0; y < QUAD_HEIGHT; y++) {
    for (let x = 0; x < QUAD_WIDTH; x++) {
      const colour = y < QUAD_HEIGHT / 2 ? (x < QUAD_WIDTH / 2 ? QUADS.tl : QUADS.tr) : x < QUAD_WIDTH / 2 ? QUADS.bl : QUADS.br;
      data.set(colour, (y * QUAD_WIDTH + x) * 3);
    }
  }
  return data;
}

/** Deterministic noise: compresses badly, so cutting the file really loses image data. */
function noiseImage(width: number, height: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = state >>> 24;
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

const quadImage = (): Sharp => sharp(quadrantPixels(), { raw: { width: QUAD_WIDTH, height: QUAD_HEIGHT, channels: 3 } });

function pixelAt(image: DecodedImage, x: number, y: number): Rgb {
  const i = (y * image.width + x) * 3;
  return [image.data[i], image.data[i + 1], image.data[i + 2]];
}

function assertClose(actual: Rgb, expected: Rgb, tolerance: number, what: string): void {
  const ok = actual.every((v, i) => Math.abs(v - expected[i]) <= tolerance);
  assert.ok(ok, `${what}: expected ≈${expected.join(',')} ±${tolerance}, got ${actual.join(',')}`);
}

/** Samples the centre of each quadrant. */
function assertQuadrants(image: DecodedImage, expected: Record<'tl' | 'tr' | 'bl' | 'br', Rgb>, tolerance: number): void {
  const w = image.width;
  const h = image.height;
  assertClose(pixelAt(image, Math.floor(w / 4), Math.floor(h / 4)), expected.tl, tolerance, 'top-left');
  assertClose(pixelAt(image, Math.floor((3 * w) / 4), Math.floor(h / 4)), expected.tr, tolerance, 'top-right');
  assertClose(pixelAt(image, Math.floor(w / 4), Math.floor((3 * h) / 4)), expected.bl, tolerance, 'bottom-left');
  assertClose(pixelAt(image, Math.floor((3 * w) / 4), Math.floor((3 * h) / 4)), expected.br, tolerance, 'bottom-right');
}

function assertRgbShape(image: DecodedImage, width: number, height: number): void {
  assert.equal(image.width, width);
  assert.equal(image.height, height);
  assert.equal(image.data.length, width * height * 3);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body) >>> 0);
  return Buffer.concat([length, body, crc]);
}

/** A PNG from raw scanlines (filter byte included per row), for variants sharp will not write. */
function handmadePng(width: number, height: number, bitDepth: number, colourType: number, scanlines: Buffer): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = bitDepth;
  ihdr[9] = colourType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlib.deflateSync(scanlines, { level: 9 })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

describe('decodeImage: formats', () => {
  const lossless: Array<[string, () => Promise<Buffer>, string]> = [
    ['PNG', () => quadImage().png().toBuffer(), 'png'],
    ['lossless WebP', () => quadImage().webp({ lossless: true }).toBuffer(), 'webp'],
    ['LZW TIFF', () => quadImage().tiff({ compression: 'lzw' }).toBuffer(), 'tiff'],
    ['GIF', () => quadImage().gif().toBuffer(), 'gif'],
  ];
  for (const [label, make, format] of lossless) {
    it(`decodes ${label} to exact RGB`, async () => {
      const image = await decodeImage(await make(), { name: `x.${format}` });
      assert.equal(image.format, format);
      assertRgbShape(image, QUAD_WIDTH, QUAD_HEIGHT);
      assertQuadrants(image, QUADS, 0);
    });
  }

  it('decodes JPEG and lossy WebP within compression error', async () => {
    for (const [bytes, format] of [[await quadImage().jpeg({ quality: 95 }).toBuffer(), 'jpeg'], [await quadImage().webp({ quality: 95 }).toBuffer(), 'webp']] as const) {
      const image = await decodeImage(bytes);
      assert.equal(image.format, format);
      assertRgbShape(image, QUAD_WIDTH, QUAD_HEIGHT);
      assertQuadrants(image, QUADS, 12);
    }
  });

  it('reduces a 16-bit PNG to 8 bits per channel', async () => {
    // 2 × 1 RGB, 16 bits: (0x1234, 0xabcd, 0xffff) and (0, 0x8000, 0x00ff).
    const row = Buffer.from([0, 0x12, 0x34, 0xab, 0xcd, 0xff, 0xff, 0, 0, 0x80, 0, 0, 0xff]);
    const image = await decodeImage(handmadePng(2, 1, 16, 2, row));
    assertRgbShape(image, 2, 1);
    assertClose(pixelAt(image, 0, 0), [0x12, 0xab, 0xff], 1, '16-bit pixel 0');
    assertClose(pixelAt(image, 1, 0), [0, 0x80, 0], 1, '16-bit pixel 1');
  });

  it('expands greyscale, grey+alpha and palette PNGs to RGB', async () => {
    const grey = await decodeImage(handmadePng(3, 1, 8, 0, Buffer.from([0, 0, 100, 255])));
    assert.deepEqual([...grey.data], [0, 0, 0, 100, 100, 100, 255, 255, 255]);

    // Grey 0 with alpha 0, 255, 128: transparent → white, opaque → black, half → mid grey.
    const greyAlpha = await decodeImage(handmadePng(3, 1, 8, 4, Buffer.from([0, 0, 0, 0, 255, 0, 128])));
    assertClose(pixelAt(greyAlpha, 0, 0), [255, 255, 255], 0, 'transparent');
    assertClose(pixelAt(greyAlpha, 1, 0), [0, 0, 0], 0, 'opaque');
    assertClose(pixelAt(greyAlpha, 2, 0), [127, 127, 127], 1, 'half');

    const palette = await decodeImage(await quadImage().png({ palette: true, colours: 4, dither: 0 }).toBuffer());
    assertRgbShape(palette, QUAD_WIDTH, QUAD_HEIGHT);
    assertQuadrants(palette, QUADS, 0);
  });

  it('flattens transparent RGBA pixels on white', async () => {
    const rgba = Buffer.from([10, 20, 30, 0, 10, 20, 30, 255, 0, 0, 0, 128, 200, 0, 0, 0]);
    const png = await sharp(rgba, { raw: { width: 4, height: 1, channels: 4 } }).png().toBuffer();
    const image = await decodeImage(png);
    assertRgbShape(image, 4, 1);
    assertClose(pixelAt(image, 0, 0), [255, 255, 255], 0, 'transparent');
    assertClose(pixelAt(image, 1, 0), [10, 20, 30], 0, 'opaque');
    assertClose(pixelAt(image, 2, 0), [127, 127, 127], 1, 'half-transparent black');
    assertClose(pixelAt(image, 3, 0), [255, 255, 255], 0, 'transparent red');
  });

  it('converts a CMYK JPEG to RGB', async () => {
    // Colours inside the CMYK gamut (pure sRGB green is not), dark to light.
    const colours = { tl: [170, 50, 50], tr: [60, 130, 70], bl: [40, 50, 120], br: [235, 235, 235] } as const;
    const data = Buffer.alloc(QUAD_WIDTH * QUAD_HEIGHT * 3);
    for (let y = 0; y < QUAD_HEIGHT; y++) {
      for (let x = 0; x < QUAD_WIDTH; x++) {
        const key = `${y < QUAD_HEIGHT / 2 ? 't' : 'b'}${x < QUAD_WIDTH / 2 ? 'l' : 'r'}` as keyof typeof colours;
        data.set(colours[key], (y * QUAD_WIDTH + x) * 3);
      }
    }
    const cmyk = await sharp(data, { raw: { width: QUAD_WIDTH, height: QUAD_HEIGHT, channels: 3 } }).toColourspace('cmyk').jpeg({ quality: 95 }).toBuffer();
    assert.equal((await sharp(cmyk).metadata()).space, 'cmyk');
    const image = await decodeImage(cmyk);
    assert.equal(image.format, 'jpeg');
    assertRgbShape(image, QUAD_WIDTH, QUAD_HEIGHT);
    // CMYK round trips through ICC transforms: colours come back near, not exact.
    assertQuadrants(image, colours, 25);
  });

  it('applies EXIF orientation 6 (rotate 90° clockwise) to a non-square JPEG', async () => {
    const jpeg = await quadImage().jpeg({ quality: 95 }).withMetadata({ orientation: 6 }).toBuffer();
    const image = await decodeImage(jpeg);
    assertRgbShape(image, QUAD_HEIGHT, QUAD_WIDTH);
    // Clockwise: what was on the left is now on top.
    assertQuadrants(image, { tl: QUADS.bl, tr: QUADS.tl, bl: QUADS.br, br: QUADS.tr }, 12);
  });

  it('applies EXIF orientation 8 (rotate 90° counter-clockwise) to a non-square JPEG', async () => {
    const jpeg = await quadImage().jpeg({ quality: 95 }).withMetadata({ orientation: 8 }).toBuffer();
    const image = await decodeImage(jpeg);
    assertRgbShape(image, QUAD_HEIGHT, QUAD_WIDTH);
    assertQuadrants(image, { tl: QUADS.tr, tr: QUADS.br, bl: QUADS.tl, br: QUADS.bl }, 12);
  });

  it('takes the first frame of an animated GIF and the first page of a multi-page TIFF', async () => {
    const red = Buffer.alloc(4 * 4 * 3);
    for (let i = 0; i < red.length; i += 3) red[i] = 255;
    const blue = Buffer.alloc(4 * 4 * 3);
    for (let i = 2; i < blue.length; i += 3) blue[i] = 255;
    const frames = Buffer.concat([red, blue]);
    const gif = await sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).gif().toBuffer();
    const tiff = await sharp(frames, { raw: { width: 4, height: 8, channels: 3, pageHeight: 4 } }).tiff().toBuffer();
    for (const bytes of [gif, tiff]) {
      const image = await decodeImage(bytes);
      assertRgbShape(image, 4, 4);
      for (let y = 0; y < 4; y++) assertClose(pixelAt(image, 2, y), [255, 0, 0], 2, `row ${y}`);
    }
  });

  it('accepts a Uint8Array view into a larger buffer without copying its neighbours', async () => {
    const png = await quadImage().png().toBuffer();
    const backing = new Uint8Array(png.length + 20);
    backing.set(png, 10);
    const image = await decodeImage(backing.subarray(10, 10 + png.length));
    assertQuadrants(image, QUADS, 0);
  });
});

describe('decodeImage: bad inputs', () => {
  it('refuses 0 bytes with EmptyInputError', async () => {
    await assert.rejects(decodeImage(new Uint8Array(0), { name: 'empty.jpg' }), (err) => EmptyInputError.is(err) && /empty\.jpg/.test(err.message));
  });

  it('refuses a text file named .png as not an image', async () => {
    const text = Buffer.from('This is a plain text file pretending to be an image.\n');
    await assert.rejects(decodeImage(text, { name: 'notes.png' }), (err) => UnsupportedMediaError.is(err) && /not an image or PDF/.test(err.message) && err.statusCode === 415);
  });

  it('refuses PDF bytes with a hint that PDFs must be rasterized', async () => {
    const pdf = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n');
    await assert.rejects(decodeImage(pdf, { name: 'doc.pdf' }), (err) => UnsupportedMediaError.is(err) && /rasteri[sz]e/i.test(err.message));
  });

  it('refuses a truncated JPEG with CorruptImageError', async () => {
    const jpeg = await noiseImage(300, 200).jpeg().toBuffer();
    await assert.rejects(decodeImage(jpeg.subarray(0, Math.floor(jpeg.length * 0.6)), { name: 'cut.jpg' }), (err) => CorruptImageError.is(err) && /cut\.jpg/.test(err.message));
  });

  it('refuses a truncated PNG and a PNG with a garbage header', async () => {
    const png = await noiseImage(300, 200).png().toBuffer();
    await assert.rejects(decodeImage(png.subarray(0, Math.floor(png.length * 0.6))), (err) => CorruptImageError.is(err));
    const garbage = Buffer.concat([png.subarray(0, 8), Buffer.alloc(64, 0x41)]);
    await assert.rejects(decodeImage(garbage), (err) => CorruptImageError.is(err));
  });

  it('refuses images above maxPixels', async () => {
    const png = await quadImage().png().toBuffer();
    await assert.rejects(decodeImage(png, { maxPixels: QUAD_WIDTH * QUAD_HEIGHT - 1 }), (err) => ImageTooLargeError.is(err) && err.statusCode === 413);
    const ok = await decodeImage(png, { maxPixels: QUAD_WIDTH * QUAD_HEIGHT });
    assert.equal(ok.width, QUAD_WIDTH);
  });

  it('refuses a 20000 × 20000 PNG bomb from its header with bounded memory', { timeout: 60_000 }, async () => {
    // 1-bit greyscale, all zero: 48 KB on disk, 1.2 GB once decoded to RGB.
    const width = 20_000;
    const height = 20_000;
    const bomb = handmadePng(width, height, 1, 0, Buffer.alloc(height * (1 + width / 8)));
    assert.ok(bomb.length < 200_000, `the bomb should be small, is ${bomb.length} bytes`);
    const rssBefore = process.memoryUsage().rss;
    await assert.rejects(decodeImage(bomb, { name: 'bomb.png' }), (err) => ImageTooLargeError.is(err) && /400000000/.test(err.message) && /bomb\.png/.test(err.message));
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(growthMb < 300, `RSS grew by ${growthMb.toFixed(0)} MB while refusing the bomb`);
  });
});
