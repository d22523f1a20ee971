/**
 * What a caller may want beside a page's regions, made while the page's pixels are in hand:
 * the overlay (regions drawn, PNG) and the page as analysed (JPEG, what a browser needs to draw
 * a PDF page).
 */
import sharp from 'sharp';
import type { DecodedImage, PageResult } from '../model/index.js';
import { renderOverlay } from '../visualize/overlay.js';
import type { AnalyzedPage } from './types.js';

/** The JPEG quality of returned page images: small enough to ship, sharp enough to read. */
const PAGE_IMAGE_QUALITY = 85;

async function pageImageJpeg(image: Uint8Array | DecodedImage): Promise<string> {
  const input = image instanceof Uint8Array
    ? sharp(image, { limitInputPixels: false }).rotate()
    : sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 }, limitInputPixels: false });
  return (await input.jpeg({ quality: PAGE_IMAGE_QUALITY }).toBuffer()).toString('base64');
}

export async function withExtras<R extends PageResult>(
  result: R,
  image: Uint8Array | DecodedImage,
  wanted: { readonly visualize?: boolean; readonly returnImage?: boolean },
): Promise<AnalyzedPage<R>> {
  const [overlay, pageImage] = await Promise.all([
    wanted.visualize ? renderOverlay(image, result.regions).then((png) => png.toString('base64')) : undefined,
    wanted.returnImage ? pageImageJpeg(image) : undefined,
  ]);
  return { result, ...(overlay === undefined ? {} : { overlay }), ...(pageImage === undefined ? {} : { image: pageImage }) };
}
