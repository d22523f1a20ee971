/**
 * What a caller may want beside a page's regions, made while the page's pixels are in hand:
 * the overlay (regions drawn, PNG) and the page as analysed (JPEG, what a browser needs to draw
 * a PDF page).
 */
import sharp from 'sharp';
import type { DecodedImage, PageResult } from '../model/index.js';
import type { PageImages, PageOutputs } from '../pool/index.js';
import { renderCrops } from '../visualize/crops.js';
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
  wanted: { readonly visualize?: boolean; readonly returnImage?: boolean; readonly overlayFormat?: 'png' | 'jpeg'; readonly crops?: PageOutputs['crops'] },
): Promise<AnalyzedPage<R>> {
  const [overlay, pageImage, crops] = await Promise.all([
    wanted.visualize ? renderOverlay(image, result.regions, { format: wanted.overlayFormat }).then((png) => png.toString('base64')) : undefined,
    wanted.returnImage ? pageImageJpeg(image) : undefined,
    wanted.crops ? renderCrops(image, result.regions, wanted.crops) : undefined,
  ]);
  return { result, ...(overlay === undefined ? {} : { overlay }), ...(pageImage === undefined ? {} : { image: pageImage }), ...(crops === undefined ? {} : { crops }) };
}

/** A page whose analyzer made its images itself (encoded bytes): base64 them, keep them out of the result. */
export function fromImages<R extends PageResult>(result: R & { readonly images?: PageImages }): AnalyzedPage<R> {
  const { images, ...rest } = result;
  const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
  return {
    result: rest as unknown as R,
    ...(images?.overlay ? { overlay: toBase64(images.overlay) } : {}),
    ...(images?.pageJpeg ? { image: toBase64(images.pageJpeg) } : {}),
    ...(images?.crops ? { crops: images.crops } : {}),
  };
}
