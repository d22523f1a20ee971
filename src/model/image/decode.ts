/**
 * Any supported image → tightly packed 8-bit RGB, the one pixel format the rest of the engine
 * knows. EXIF orientation is applied (box coordinates refer to the upright page), alpha is
 * flattened on white (paper), 16-bit, greyscale, CMYK and palette images are converted, and
 * multi-frame GIF/TIFF contribute their first frame. The pixel count is checked from the header
 * before anything is decoded, so a decompression bomb costs a header parse, not gigabytes.
 */
import sharp from 'sharp';
import { optionSpecs } from '../../config.js';
import { CorruptImageError, EmptyInputError, ImageTooLargeError, LayoutError, UnsupportedMediaError } from '../../errors.js';
import { decodeBmp } from './decode-bmp.js';
import { sniffMediaType, type MediaType } from './sniff.js';

export interface DecodedImage {
  /** RGB uint8 interleaved, tightly packed: length width * height * 3. */
  readonly data: Buffer;
  readonly width: number;
  readonly height: number;
  /** Where the pixels came from: the sniffed input type, or 'raw' for pixels made in memory. */
  readonly format: MediaType | 'raw';
}

export interface DecodeOptions {
  /** Used in error messages (file name, upload field name, "page 3 of x.pdf"). */
  readonly name?: string;
  /** Largest accepted width × height; defaults to the `maxPixels` option's default. */
  readonly maxPixels?: number;
}

const DEFAULT_INPUT_NAME = 'input';

/**
 * sharp's default ('warning') refuses real-world scans that only carry harmless libjpeg warnings
 * such as "extraneous bytes before marker"; 'truncated' still refuses a cut-off file, which
 * would otherwise decode with a grey bottom and give silently wrong layouts.
 */
const FAIL_ON = 'truncated' as const;

function resolveDecodeOptions(options: DecodeOptions = {}): { name: string; maxPixels: number } {
  return {
    name: options.name ?? DEFAULT_INPUT_NAME,
    maxPixels: options.maxPixels ?? optionSpecs.maxPixels.default,
  };
}

export async function decodeImage(bytes: Uint8Array, options?: DecodeOptions): Promise<DecodedImage> {
  const { name, maxPixels } = resolveDecodeOptions(options);
  if (bytes.byteLength === 0) throw EmptyInputError(name);
  const format = sniffMediaType(bytes);
  if (format === undefined) throw UnsupportedMediaError(name, 'not an image or PDF');
  if (format === 'pdf') {
    throw UnsupportedMediaError(name, 'a PDF is a document, not an image: its pages must be rasterized first (rasterizePdf)');
  }
  if (format === 'bmp') {
    // Synchronous, but BMP is rare and the decoder is a single linear pass.
    const { data, width, height } = decodeBmp(bytes, { name, maxPixels });
    return { data, width, height, format };
  }
  return decodeWithSharp(toBuffer(bytes), format, name, maxPixels);
}

async function decodeWithSharp(input: Buffer, format: MediaType, name: string, maxPixels: number): Promise<DecodedImage> {
  let width: number | undefined;
  let height: number | undefined;
  try {
    // Header only. The pixel limit is ours to report (with the real size), so sharp's is off here.
    ({ width, height } = await sharp(input, { limitInputPixels: false, failOn: FAIL_ON }).metadata());
  } catch (err) {
    throw sharpError(err, name, maxPixels);
  }
  if (!width || !height) throw CorruptImageError(name, 'the header has no image size');
  if (width * height > maxPixels) throw ImageTooLargeError(name, width * height, maxPixels);

  try {
    const { data, info } = await sharp(input, { failOn: FAIL_ON, limitInputPixels: maxPixels, page: 0, pages: 1 })
      .rotate() // EXIF orientation
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3 || data.length !== info.width * info.height * 3) {
      throw CorruptImageError(name, `decoder returned ${info.channels} channels, ${data.length} bytes for ${info.width}×${info.height}`);
    }
    return { data, width: info.width, height: info.height, format };
  } catch (err) {
    throw sharpError(err, name, maxPixels, width * height);
  }
}

function sharpError(err: unknown, name: string, maxPixels: number, pixels?: number): LayoutError {
  if (err instanceof LayoutError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/exceeds pixel limit/i.test(message)) return ImageTooLargeError(name, pixels ?? 'more than ' + maxPixels, maxPixels);
  return CorruptImageError(name, message.split('\n')[0].trim() || 'unknown decoder error');
}

/** A Buffer view of the same memory: no copy of what may be a 50 MB upload. */
export function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
