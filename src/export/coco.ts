/**
 * COCO detection dataset: the format annotation tools (Label Studio, CVAT) and layout training
 * sets use. One dataset for a whole run: an image per analysed page, the model's labels as
 * categories (id = label id + 1, COCO keeping 0 free), and per region its box as [x, y, w, h],
 * its polygon as segmentation, its area and its score. `file_name` is relative to the dataset's
 * root (`images/<folders>/<page image>`, see names.ts); cocoDatasetEntries adds those images.
 */
import type { PageResult } from '../model/index.js';
import { boxXywh, outline, polygonArea } from './geometry.js';
import { COCO_ANNOTATIONS, cocoImagePath } from './names.js';
import type { ExportDocument, ExportOptions } from './types.js';

export interface CocoImage { id: number; file_name: string; width: number; height: number }
export interface CocoAnnotation {
  id: number;
  image_id: number;
  category_id: number;
  bbox: [number, number, number, number];
  area: number;
  segmentation: number[][];
  iscrowd: 0;
  score: number;
  /** doclayout's reading order (1..n, null outside the text flow): not COCO, kept for round trips. */
  order: number | null;
}
export interface CocoCategory { id: number; name: string; supercategory: string }
export interface CocoDataset {
  info: { description: string; version: string; date_created: string; contributor: string };
  licenses: never[];
  images: CocoImage[];
  annotations: CocoAnnotation[];
  categories: CocoCategory[];
}

/** Categories from the model's labels, else from the labels the results hold (by their ids). */
function categories(docs: readonly ExportDocument[], labels: readonly string[] | undefined): CocoCategory[] {
  const byId = new Map<number, string>();
  labels?.forEach((name, id) => byId.set(id, name));
  for (const doc of docs) for (const page of doc.pages) for (const r of page.regions) if (!byId.has(r.labelId)) byId.set(r.labelId, r.label);
  return [...byId].sort((a, b) => a[0] - b[0]).map(([id, name]) => ({ id: id + 1, name, supercategory: 'layout' }));
}

function pageAnnotations(page: PageResult, imageId: number, firstId: number): CocoAnnotation[] {
  const { width, height } = page.input;
  return page.regions.map((region, index) => {
    const points = outline(region, width, height);
    const bbox = boxXywh(region, width, height);
    return {
      id: firstId + index,
      image_id: imageId,
      category_id: region.labelId + 1,
      bbox,
      area: region.polygon ? polygonArea(points) : bbox[2] * bbox[3],
      segmentation: [points.flatMap(([x, y]) => [x, y])],
      iscrowd: 0,
      score: region.score,
      order: region.order,
    };
  });
}

/** Every page of every document as one COCO dataset. */
export function toCoco(docs: readonly ExportDocument[], options: ExportOptions = {}): CocoDataset {
  const images: CocoImage[] = [];
  const annotations: CocoAnnotation[] = [];
  for (const doc of docs) {
    for (const page of doc.pages) {
      const imageId = images.length + 1;
      images.push({ id: imageId, file_name: cocoImagePath(doc.name, doc.isPdf, page.input.page ?? 1), width: page.input.width, height: page.input.height });
      annotations.push(...pageAnnotations(page, imageId, annotations.length + 1));
    }
  }
  const model = docs.find((d) => d.pages.length > 0)?.pages[0]?.model ?? 'unknown';
  return {
    info: {
      description: `Layout regions by ${model}`,
      version: options.softwareVersion ?? '',
      date_created: (options.created ?? new Date()).toISOString(),
      contributor: 'doclayout',
    },
    licenses: [],
    images,
    annotations,
    categories: categories(docs, options.labels),
  };
}

/**
 * The dataset as files: `coco.json` at the root and every page image it names that the
 * documents' `pageImages` hold (the single-document routes and `analyze` hold them all; a job's
 * results keep no images, so its dataset names images it cannot include).
 */
export function cocoDatasetEntries(docs: readonly ExportDocument[], options: ExportOptions = {}): Array<{ name: string; data: string | Uint8Array }> {
  const entries: Array<{ name: string; data: string | Uint8Array }> = [{ name: COCO_ANNOTATIONS, data: `${JSON.stringify(toCoco(docs, options))}\n` }];
  for (const doc of docs) {
    for (const page of doc.pages) {
      const number = page.input.page ?? 1;
      const image = doc.pageImages?.get(number);
      if (image) entries.push({ name: cocoImagePath(doc.name, doc.isPdf, number), data: image });
    }
  }
  return entries;
}
