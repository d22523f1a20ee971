/**
 * The document layer's contract: one page in → one page result out (`PageAnalyzer`, implemented
 * by the model in this process and by the device pool, both over the one page pipeline), and what
 * analysing a whole document returns. Nothing here knows about HTTP or the command line.
 */
import type { LayoutError } from '../errors.js';
import type { LayoutParams, MediaType, PageResult } from '../model/index.js';
import type { PageCrop, PageImages, PageInput, PoolTaskOptions } from '../pool/index.js';

export interface PageTaskOptions {
  readonly signal?: AbortSignal;
  /** Deadline for this page, ms from now; the analyzer's default when absent. */
  readonly timeoutMs?: number;
  /** Correlates the page with the request that asked for it (logs, events). */
  readonly requestId?: string;
  /** Admission class, tenant and tenant limits in the pool's queue (analyzers without a queue ignore them). */
  readonly priority?: PoolTaskOptions['priority'];
  readonly tenant?: string;
  readonly tenantLimits?: PoolTaskOptions['tenantLimits'];
}

export interface PageAnalyzer<R extends PageResult & { readonly images?: PageImages } = PageResult> {
  readonly modelName: string;
  /** The model's labels in id order, where the analyzer knows them (exports' categories). */
  readonly labels?: readonly string[];
  /** Pages it works on at once right now (Σ batch size over the pool's devices; 1 in process). */
  capacity(): number;
  /**
   * Takes a page's source (image bytes, or a spooled PDF page by reference) and returns its result
   * with the images `page.outputs` asked for, encoded where the pixels were.
   */
  analyze(page: PageInput, params: Partial<LayoutParams>, options?: PageTaskOptions): Promise<R>;
  /** Drains and releases what the analyzer owns. */
  close(): Promise<void>;
}

/**
 * What opening documents cost, counted into an object the caller owns (a cluster worker): the
 * deterministic evidence behind bench:cluster's document counts.
 */
export interface DocumentCounters {
  /** PDFs written to a temp file. */
  spools: number;
  /** PDF page trees parsed (page counts), on a PDF thread. */
  pageTreeParses: number;
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
  /** The regions cut from the page (crops), PNG or JPEG bytes. */
  readonly crops?: readonly PageCrop[];
}

/** A PDF page whose own rendering failed (LAYOUT_ERR_PDF: a broken page, or past pdfPageTimeoutMs). */
export interface FailedPage {
  /** 1-based page number. */
  readonly page: number;
  readonly error: LayoutError;
}

export interface AnalyzedDocument<R extends PageResult = PageResult> {
  readonly name: string;
  readonly mediaType: MediaType;
  /** Pages in the document (1 for an image), whatever the selection. */
  readonly pageCount: number;
  /** The pages analysed, in document order (never empty: a document with none fails as a whole). */
  readonly pages: readonly AnalyzedPage<R>[];
  /** Selected pages that failed alone while the others went on, in document order; usually empty. */
  readonly failedPages: readonly FailedPage[];
  /** Size of each analysed page, in document order. */
  readonly sizes: ReadonlyArray<{ width: number; height: number }>;
}
