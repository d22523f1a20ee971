/**
 * Media type detection by magic bytes: real encoder output is recognised, names never matter,
 * and look-alike text is not mistaken for an image.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import sharp, { type Sharp } from 'sharp';
import { mimeTypeOf, sniffMediaType, type MediaType } from '../../../src/model/image/sniff.js';

const tiny = (): Sharp => sharp({ create: { width: 8, height: 6, channels: 3, background: '#336699' } });

describe('sniffMediaType', () => {
  it('recognises what sharp writes for every raster format', async () => {
    const cases: Array<[MediaType, Buffer]> = [
      ['jpeg', await tiny().jpeg().toBuffer()],
      ['png', await tiny().png().toBuffer()],
      ['webp', await tiny().webp().toBuffer()],
      ['tiff', await tiny().tiff().toBuffer()],
      ['gif', await tiny().gif().toBuffer()],
    ];
    for (const [expected, bytes] of cases) assert.equal(sniffMediaType(bytes), expected, expected);
  });

  it('recognises big-endian TIFF, BigTIFF and GIF87a headers', () => {
    assert.equal(sniffMediaType(Buffer.from([0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8])), 'tiff');
    assert.equal(sniffMediaType(Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0])), 'tiff');
    assert.equal(sniffMediaType(Buffer.from('GIF87a\x01\x00\x01\x00', 'latin1')), 'gif');
  });

  it('recognises a BMP only with a known DIB header size', () => {
    const bmp = Buffer.alloc(54);
    bmp.write('BM', 0, 'ascii');
    bmp.writeUInt32LE(40, 14);
    assert.equal(sniffMediaType(bmp), 'bmp');
    bmp.writeUInt32LE(41, 14);
    assert.equal(sniffMediaType(bmp), undefined);
    assert.equal(sniffMediaType(Buffer.from('BMW drivers rarely signal their turns.')), undefined);
  });

  it('recognises PDFs, also after leading junk within the first 1024 bytes', () => {
    assert.equal(sniffMediaType(Buffer.from('%PDF-1.4\n%âãÏÓ\n')), 'pdf');
    assert.equal(sniffMediaType(Buffer.concat([Buffer.alloc(100, 0x20), Buffer.from('%PDF-1.7\n')])), 'pdf');
    assert.equal(sniffMediaType(Buffer.concat([Buffer.alloc(2000, 0x20), Buffer.from('%PDF-1.7\n')])), undefined);
  });

  it('returns undefined for text, empty and too-short inputs', () => {
    assert.equal(sniffMediaType(Buffer.from('just some text that happens to be in a file named scan.png')), undefined);
    assert.equal(sniffMediaType(new Uint8Array(0)), undefined);
    assert.equal(sniffMediaType(Buffer.from([0xff, 0xd8])), undefined);
    assert.equal(sniffMediaType(Buffer.from('RIFF\x00\x00\x00\x00WAVE', 'latin1')), undefined);
  });

  it('maps every media type to its MIME type', () => {
    assert.equal(mimeTypeOf('jpeg'), 'image/jpeg');
    assert.equal(mimeTypeOf('png'), 'image/png');
    assert.equal(mimeTypeOf('webp'), 'image/webp');
    assert.equal(mimeTypeOf('tiff'), 'image/tiff');
    assert.equal(mimeTypeOf('bmp'), 'image/bmp');
    assert.equal(mimeTypeOf('gif'), 'image/gif');
    assert.equal(mimeTypeOf('pdf'), 'application/pdf');
  });
});
