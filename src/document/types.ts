/**
 * The document layer's contract: one page in → one page result out (`PageAnalyzer`, implemented
 * by the model in this process and by the device pool), and what analysing a whole document
 * returns. Nothing here knows about HTTP or the command line.
 */
import type { DecodedImage, LayoutParams, MediaType, PageResult } from '../model/index.js';

/** One page as the document layer holds it: an upload's encoded bytes, or a rendered PDF page. */
export interface PageInput {
  readonly image: Uint8Array | DecodedImage;
  /** Display name (file name) used in results and errors. */
  readonly name: string;
  /** 1-based page number for a PDF page; absent for an image. */
  readonly page?: number;
}

export interface PageTaskOptions {
  readonly signal?: AbortSignal;
  /** Deadline for this page, ms from now; the analyzer's default when absent. */
  readonly timeoutMs?: number;
  /** Correlates the page with the request that asked for it (logs, events). */
  readonly requestId?: string;
}

export interface PageAnalyzer<R extends PageResult = PageResult> {
  readonly modelName: string;
  /** Pages it works on at once right now (Σ batch size over the pool's devices; 1 in process). */
  capacity(): number;
  analyze(page: PageInput, params: Partial<LayoutParams>, options?: PageTaskOptions): Promise<R>;
  /** Drains and releases what the analyzer owns. */
  close(): Promise<void>;
}

export interface UploadedFile {
  readonly bytes: Uint8Array;
  readonly name: string;
}

export interface AnalyzedPage<R extends PageResult = PageResult> {
  readonly result: R;
  /** base64 PNG of the page with its regions drawn (visualize). */
  readonly overlay?: string;
  /** base64 JPEG of the page as analysed (returnImage). */
  readonly image?: string;
}

export interface AnalyzedDocument<R extends PageResult = PageResult> {
  readonly name: string;
  readonly mediaType: MediaType;
  /** Pages in the document (1 for an image), whatever the selection. */
  readonly pageCount: number;
  readonly pages: readonly AnalyzedPage<R>[];
  /** Size of each analysed page, in document order. */
  readonly sizes: ReadonlyArray<{ width: number; height: number }>;
}
