/**
 * Region crops: each region's box cut from the decoded page (the pixels the model saw, after EXIF
 * rotation), encoded as PNG or JPEG. Bounded: a crop's longer side is scaled down to
 * MAX_CROP_SIDE_PX, and a page gives at most MAX_CROPS_PER_PAGE crops, so a huge scan or a page
 * of thousands of tiny regions cannot make an answer of gigabytes. Runs where overlays run (a
 * device worker's prep thread, or the CLI), never on an HTTP event loop.
 */
import sharp from 'sharp';
import { decodeImage, toBuffer, type DecodedImage, type Region } from '../model/index.js';

/** Longest side of a crop, px: a full 600 dpi A4 column stays readable, a poster does not balloon. */
export const MAX_CROP_SIDE_PX = 4096;
/** Crops per page: far above any real layout (tens of regions), far below a pathological one. */
const MAX_CROPS_PER_PAGE = 1000;
const CROP_JPEG_QUALITY = 90;

interface CropOptions {
  readonly format?: 'png' | 'jpeg';
  /** Only regions with these labels (default: every region). */
  readonly labels?: readonly string[];
}

interface RegionCrop {
  /** The region's index in the page result's `regions`. */
  readonly index: number;
  readonly label: string;
  readonly format: 'png' | 'jpeg';
  readonly data: Uint8Array;
}

/** Integer box inside the page, or undefined when nothing of it is left. */
function cropBox(region: Region, width: number, height: number): { left: number; top: number; width: number; height: number } | undefined {
  const left = Math.max(0, Math.floor(region.bbox[0]));
  const top = Math.max(0, Math.floor(region.bbox[1]));
  const right = Math.min(width, Math.ceil(region.bbox[2]));
  const bottom = Math.min(height, Math.ceil(region.bbox[3]));
  return right > left && bottom > top ? { left, top, width: right - left, height: bottom - top } : undefined;
}

export async function renderCrops(image: Uint8Array | DecodedImage, regions: readonly Region[], options: CropOptions = {}): Promise<RegionCrop[]> {
  const format = options.format ?? 'png';
  const wanted = options.labels && options.labels.length > 0 ? new Set(options.labels) : undefined;
  const selected = regions
    .map((region, index) => ({ region, index }))
    .filter(({ region }) => !wanted || wanted.has(region.label))
    .slice(0, MAX_CROPS_PER_PAGE);
  if (selected.length === 0) return [];
  const page = image instanceof Uint8Array ? await decodeImage(image) : image;
  const pixels = toBuffer(page.data);
  const crops: RegionCrop[] = [];
  // One at a time: each crop holds only its own pixels, whatever the number of regions.
  for (const { region, index } of selected) {
    const box = cropBox(region, page.width, page.height);
    if (!box) continue;
    let pipeline = sharp(pixels, { raw: { width: page.width, height: page.height, channels: 3 }, limitInputPixels: false }).extract(box);
    if (Math.max(box.width, box.height) > MAX_CROP_SIDE_PX) pipeline = pipeline.resize({ width: MAX_CROP_SIDE_PX, height: MAX_CROP_SIDE_PX, fit: 'inside' });
    const data = await (format === 'jpeg' ? pipeline.jpeg({ quality: CROP_JPEG_QUALITY }) : pipeline.png()).toBuffer();
    crops.push({ index, label: region.label, format, data });
  }
  return crops;
}
