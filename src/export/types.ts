/**
 * What the writers take: one analysed document (an image, or a PDF's pages) as plain page
 * results, and what they give back. Pure data: nothing here knows about HTTP, files or the pool.
 */
import type { PageResult } from '../model/index.js';

/** The result formats every interface offers (`format=` over HTTP, `--format` on the CLI). */
export const EXPORT_FORMATS = ['json', 'page', 'alto', 'coco'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(value: string): value is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(value);
}

export interface ExportDocument {
  /** The input's file name as uploaded (`scan.pdf`, `page.jpg`). */
  readonly name: string;
  /** True for a PDF: its pages get image names of their own (see pageImageName). */
  readonly isPdf: boolean;
  /** The pages analysed, in document order (failed pages are left out). */
  readonly pages: readonly PageResult[];
  /** Each page's image bytes by page number (an image: the upload; a PDF page: its JPEG), for COCO datasets. */
  readonly pageImages?: ReadonlyMap<number, Uint8Array>;
}

export interface ExportOptions {
  /** The model's labels in id order: COCO categories. Default: the labels seen in the results. */
  readonly labels?: readonly string[];
  /** Written as the creation time; default now. Fixed in tests for byte-stable output. */
  readonly created?: Date;
  /** doclayout's version, recorded as the producing software. */
  readonly softwareVersion?: string;
}

/** One file a writer produced: its name, bytes or text, and media type. */
export interface ExportFile {
  readonly fileName: string;
  readonly contentType: string;
  readonly body: string | Uint8Array;
}
