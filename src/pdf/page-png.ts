/**
 * How a rendered PDF page travels to the pool's workers (which take encoded bytes): PNG at
 * compression 1, lossless and quick to encode. The page size was checked before rendering.
 */
import sharp from 'sharp';
import type { DecodedImage } from '../model/index.js';

export function encodePagePng(image: DecodedImage): Promise<Buffer> {
  return sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false })
    .png({ compressionLevel: 1, adaptiveFiltering: false })
    .toBuffer();
}
