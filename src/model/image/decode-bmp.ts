/**
 * BMP decoder (libvips, hence sharp, cannot read BMP). The npm decoders were checked first and
 * none covers the forms scanners and Windows tools write: bmp-js/bmp-ts ignore the pixel-data
 * offset (V4/V5 headers) and mishandle odd-width 4-bit rows, fast-bmp reads V5 headers only and
 * decode-bmp has no top-down, 16-bit or bit-field support. Supported here: BITMAPCOREHEADER and
 * BITMAPINFOHEADER…V5, BI_RGB at 1/2/4/8/16/24/32 bits, RLE8, RLE4, BI_BITFIELDS and
 * BI_ALPHABITFIELDS at 16/32 bits, bottom-up and top-down rows. Output is always RGB, alpha
 * flattened on white, and the size is checked against maxPixels before any pixel is allocated.
 */
import { CorruptImageError, ImageTooLargeError, UnsupportedMediaError } from '../../errors.js';

interface BmpDecoded {
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
}

interface BmpHeader {
  readonly width: number;
  readonly height: number;
  readonly topDown: boolean;
  readonly bitsPerPixel: number;
  readonly compression: number;
  readonly dataOffset: number;
  /** RGB triples, `paletteSize` entries. */
  readonly palette: Uint8Array;
  readonly paletteSize: number;
  readonly masks: readonly [number, number, number, number];
}

const BI_RGB = 0;
const BI_RLE8 = 1;
const BI_RLE4 = 2;
const BI_BITFIELDS = 3;
const BI_ALPHABITFIELDS = 6;
const FILE_HEADER_BYTES = 14;
const CORE_HEADER_BYTES = 12;

const u16 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8);
const u32 = (b: Uint8Array, o: number): number => (b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24)) >>> 0;
const i32 = (b: Uint8Array, o: number): number => b[o] | (b[o + 1] << 8) | (b[o + 2] << 16) | (b[o + 3] << 24);

function readHeader(bytes: Uint8Array, name: string): BmpHeader {
  if (bytes.length < FILE_HEADER_BYTES + 16) throw CorruptImageError(name, 'truncated BMP header');
  const dataOffset = u32(bytes, 10);
  const dibSize = u32(bytes, 14);
  const core = dibSize === CORE_HEADER_BYTES;
  if (!core && bytes.length < FILE_HEADER_BYTES + Math.min(dibSize, 40)) throw CorruptImageError(name, 'truncated BMP header');
  const width = core ? u16(bytes, 18) : i32(bytes, 18);
  const rawHeight = core ? u16(bytes, 20) : i32(bytes, 22);
  const bitsPerPixel = core ? u16(bytes, 24) : u16(bytes, 28);
  const compression = core ? BI_RGB : u32(bytes, 30);
  if (width <= 0 || rawHeight === 0) throw CorruptImageError(name, `invalid BMP size ${width}×${rawHeight}`);

  let masks: [number, number, number, number] = bitsPerPixel === 16
    ? [0x7c00, 0x03e0, 0x001f, 0] // BI_RGB 16-bit is X1R5G5B5
    : [0x00ff0000, 0x0000ff00, 0x000000ff, 0]; // BI_RGB 32-bit: the 4th byte is padding, not alpha
  let paletteOffset = FILE_HEADER_BYTES + dibSize;
  const bitFields = compression === BI_BITFIELDS || compression === BI_ALPHABITFIELDS;
  if (bitFields) {
    if (bitsPerPixel !== 16 && bitsPerPixel !== 32) throw CorruptImageError(name, `BMP bit fields need 16 or 32 bits per pixel, not ${bitsPerPixel}`);
    // The masks sit at offset 54 whether they follow a 40-byte header or are part of a V2+ one.
    const alphaInHeader = dibSize >= 56 || compression === BI_ALPHABITFIELDS;
    if (bytes.length < 54 + (alphaInHeader ? 16 : 12)) throw CorruptImageError(name, 'truncated BMP colour masks');
    masks = [u32(bytes, 54), u32(bytes, 58), u32(bytes, 62), alphaInHeader ? u32(bytes, 66) : 0];
    if (dibSize === 40) paletteOffset += compression === BI_ALPHABITFIELDS ? 16 : 12;
  } else if (compression === BI_RLE8 ? bitsPerPixel !== 8 : compression === BI_RLE4 ? bitsPerPixel !== 4 : compression !== BI_RGB) {
    throw UnsupportedMediaError(name, `BMP compression ${compression} at ${bitsPerPixel} bits per pixel is not supported`);
  }
  if (![1, 2, 4, 8, 16, 24, 32].includes(bitsPerPixel)) throw CorruptImageError(name, `invalid BMP bit depth ${bitsPerPixel}`);

  let paletteSize = 0;
  const palette = new Uint8Array(256 * 3);
  if (bitsPerPixel <= 8) {
    const entryBytes = core ? 3 : 4;
    const declared = core ? 0 : u32(bytes, 46);
    const maxEntries = 1 << bitsPerPixel;
    paletteSize = Math.min(declared === 0 ? maxEntries : declared, maxEntries, Math.floor((Math.min(dataOffset, bytes.length) - paletteOffset) / entryBytes));
    if (paletteSize <= 0) throw CorruptImageError(name, 'BMP colour table is missing');
    for (let i = 0; i < paletteSize; i++) {
      const o = paletteOffset + i * entryBytes;
      palette[i * 3] = bytes[o + 2];
      palette[i * 3 + 1] = bytes[o + 1];
      palette[i * 3 + 2] = bytes[o];
    }
  }
  return { width, height: Math.abs(rawHeight), topDown: rawHeight < 0, bitsPerPixel, compression, dataOffset, palette, paletteSize, masks };
}

/** Extracts one channel of a packed pixel and rescales it to 0..255. */
function channelReader(mask: number): (pixel: number) => number {
  if (mask === 0) return () => 0;
  let shift = 0;
  while (((mask >>> shift) & 1) === 0) shift++;
  let bits = 0;
  while (shift + bits < 32 && ((mask >>> (shift + bits)) & 1) === 1) bits++;
  const max = 2 ** bits - 1;
  if (bits >= 8) return (pixel) => ((pixel & mask) >>> shift) >>> (bits - 8);
  return (pixel) => Math.round((((pixel & mask) >>> shift) * 255) / max);
}

export function decodeBmp(bytes: Uint8Array, options: { name: string; maxPixels: number }): BmpDecoded {
  const { name, maxPixels } = options;
  const header = readHeader(bytes, name);
  const { width, height, bitsPerPixel, compression, dataOffset } = header;
  if (width * height > maxPixels) throw ImageTooLargeError(name, width * height, maxPixels);
  if (dataOffset >= bytes.length) throw CorruptImageError(name, 'truncated BMP: no pixel data');
  const rle = compression === BI_RLE8 || compression === BI_RLE4;
  const stride = Math.floor((bitsPerPixel * width + 31) / 32) * 4;
  // Checked before allocating: a 60-byte file must not cost a 300 MB buffer to refuse.
  if (!rle && dataOffset + stride * height > bytes.length) {
    throw CorruptImageError(name, `truncated BMP pixel data (${bytes.length - dataOffset} of ${stride * height} bytes)`);
  }

  const rgb = Buffer.alloc(width * height * 3, 0xff);
  const alpha = header.masks[3] !== 0 ? new Uint8Array(width * height) : undefined;
  const outRow = (fileRow: number): number => (header.topDown ? fileRow : height - 1 - fileRow);

  if (rle) {
    decodeRle(bytes, header, rgb, outRow, name);
  } else {
    const [readR, readG, readB, readA] = header.masks.map(channelReader);
    const { palette } = header;
    const indexMask = (1 << bitsPerPixel) - 1;
    for (let row = 0; row < height; row++) {
      const src = dataOffset + row * stride;
      const pixelBase = outRow(row) * width;
      let dst = pixelBase * 3;
      if (bitsPerPixel === 24) {
        for (let x = 0, s = src; x < width; x++, s += 3) {
          rgb[dst++] = bytes[s + 2];
          rgb[dst++] = bytes[s + 1];
          rgb[dst++] = bytes[s];
        }
      } else if (bitsPerPixel <= 8) {
        for (let x = 0; x < width; x++) {
          const bit = x * bitsPerPixel;
          const index = (bytes[src + (bit >> 3)] >> (8 - bitsPerPixel - (bit & 7))) & indexMask;
          // Out-of-table indices are invalid; black is what Windows shows for them.
          const p = index < header.paletteSize ? index * 3 : -1;
          rgb[dst++] = p < 0 ? 0 : palette[p];
          rgb[dst++] = p < 0 ? 0 : palette[p + 1];
          rgb[dst++] = p < 0 ? 0 : palette[p + 2];
        }
      } else {
        const bytesPerPixel = bitsPerPixel >> 3;
        for (let x = 0; x < width; x++) {
          const s = src + x * bytesPerPixel;
          const pixel = bytesPerPixel === 2 ? u16(bytes, s) : u32(bytes, s);
          rgb[dst++] = readR(pixel);
          rgb[dst++] = readG(pixel);
          rgb[dst++] = readB(pixel);
          if (alpha) alpha[pixelBase + x] = readA(pixel);
        }
      }
    }
  }
  if (alpha) flattenOnWhite(rgb, alpha);
  return { data: rgb, width, height };
}

/**
 * RLE8/RLE4 ("run-length" palette images). Pixels the stream skips (delta/end-of-line codes)
 * stay white: viewers show them as transparent and we flatten transparency on white.
 */
function decodeRle(bytes: Uint8Array, header: BmpHeader, rgb: Buffer, outRow: (fileRow: number) => number, name: string): void {
  const { width, height, palette, paletteSize } = header;
  const rle4 = header.compression === BI_RLE4;
  let pos = header.dataOffset;
  let x = 0;
  let y = 0;
  const put = (index: number): void => {
    if (x < width && y < height && index < paletteSize) {
      const dst = (outRow(y) * width + x) * 3;
      rgb[dst] = palette[index * 3];
      rgb[dst + 1] = palette[index * 3 + 1];
      rgb[dst + 2] = palette[index * 3 + 2];
    }
    x++;
  };
  const need = (count: number): void => {
    if (pos + count > bytes.length) throw CorruptImageError(name, 'truncated BMP run-length data');
  };
  for (;;) {
    need(2);
    const count = bytes[pos];
    const value = bytes[pos + 1];
    pos += 2;
    if (count > 0) {
      for (let i = 0; i < count; i++) put(rle4 ? (i & 1 ? value & 0x0f : value >> 4) : value);
    } else if (value === 0) {
      x = 0;
      y++;
    } else if (value === 1) {
      return;
    } else if (value === 2) {
      need(2);
      x += bytes[pos];
      y += bytes[pos + 1];
      pos += 2;
    } else {
      const dataBytes = rle4 ? (value + 1) >> 1 : value;
      need(dataBytes);
      for (let i = 0; i < value; i++) put(rle4 ? (i & 1 ? bytes[pos + (i >> 1)] & 0x0f : bytes[pos + (i >> 1)] >> 4) : bytes[pos + i]);
      pos += dataBytes + (dataBytes & 1); // absolute runs are padded to 16 bits
    }
    if (y >= height) return;
  }
}

/**
 * Many writers leave the alpha byte at 0 for fully opaque images; an all-zero alpha channel
 * therefore means "no alpha" (as browsers treat it), anything else is composited on white.
 */
function flattenOnWhite(rgb: Buffer, alpha: Uint8Array): void {
  if (alpha.every((a) => a === 0)) return;
  for (let i = 0; i < alpha.length; i++) {
    const a = alpha[i];
    if (a === 255) continue;
    const background = 255 * (255 - a);
    for (let c = i * 3; c < i * 3 + 3; c++) rgb[c] = Math.round((rgb[c] * a + background) / 255);
  }
}
