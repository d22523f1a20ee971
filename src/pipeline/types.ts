/**
 * The one page type, from the document layer down to the device workers' wire: where a page's
 * pixels come from (`PageSource`), which images to make from them (`PageOutputs`), and what
 * comes back beside its regions (`PageImages`). Pages travel as encoded bytes or as a reference
 * to a spooled PDF page, never as decoded pixels, except inside one process (`LocalSource`).
 */
import type { DecodedImage, LayoutParams, PageResult } from '../model/index.js';
import type { PdfPageRef } from '../pdf/index.js';
import type { TraceCarrier } from '../tracing/index.js';

/** A PDF page by reference: rendered where its pixels are used. */
export type { PdfPageRef };

/** Where a page's pixels come from. */
export type PageSource =
  /** An encoded image (JPEG, PNG, TIFF, BMP, …) as uploaded. */
  | { readonly kind: 'image'; readonly bytes: Uint8Array }
  /**
   * One page of a PDF spooled to a local file by the document layer, rendered where its pixels are
   * used. A render that takes longer than `renderTimeoutMs` fails this page alone (LAYOUT_ERR_PDF).
   */
  | ({ readonly kind: 'pdf' } & PdfPageRef);

/** A source inside one process: also pixels a library caller decoded itself (never sent to a worker). */
export type LocalSource = PageSource | { readonly kind: 'pixels'; readonly image: DecodedImage };

/** Images made from the pixels the model path decoded, where those pixels are. */
export interface PageOutputs {
  /** The page with its regions drawn, in this encoding. */
  readonly overlay?: 'png' | 'jpeg';
  /** A JPEG of the page as analysed. */
  readonly pageImage?: boolean;
  /** Each region (or those with these labels) cut from the page, in this encoding. */
  readonly crops?: { readonly format: 'png' | 'jpeg'; readonly labels?: readonly string[] };
}

/** One region cut from its page (PageOutputs.crops). */
export interface PageCrop {
  /** The region's index in the result's `regions`. */
  readonly index: number;
  readonly label: string;
  readonly format: 'png' | 'jpeg';
  readonly data: Uint8Array;
}

/** What PageOutputs asked for, encoded. */
export interface PageImages {
  /** PNG or JPEG, as PageOutputs.overlay asked. */
  readonly overlay?: Uint8Array;
  readonly pageJpeg?: Uint8Array;
  readonly crops?: readonly PageCrop[];
}

/** One page to analyse, as the document layer, the analyzers, the pool and the wire all see it. */
export interface PageInput<S extends LocalSource = PageSource> {
  readonly source: S;
  /** Display name (file name) used in results and errors. */
  readonly name: string;
  /** 1-based page number for a PDF page; absent (1) for an image. */
  readonly page?: number;
  readonly outputs?: PageOutputs;
}

/**
 * A page in a batch of the pipeline: the page, its task id and its parameters (WireTask is this
 * with a PageSource), and, when its request is traced, the W3C trace context its spans hang under.
 */
export interface PipelineTask<S extends LocalSource = LocalSource> extends PageInput<S>, TraceCarrier {
  readonly taskId: string;
  readonly params: Partial<LayoutParams>;
}

/** A page's outcome in a batch, as it goes back over the wire. */
export type PipelineOutcome =
  | { readonly taskId: string; readonly ok: true; readonly result: PageResult; readonly images?: PageImages }
  | { readonly taskId: string; readonly ok: false; readonly code: string; readonly message: string };
