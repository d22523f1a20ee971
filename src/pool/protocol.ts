/**
 * The parent ↔ worker protocol, as tagged unions both ends compile against. Pages travel as
 * encoded bytes or as a reference to a spooled PDF page (never as decoded pixels or floats);
 * errors travel as `{ code, message }`.
 */
import type { LayoutParams, PageResult } from '../model/index.js';
import type { PageImages, PageOutputs, PdfPageRef } from './types.js';

export type { PageImages, PageOutputs };

export interface WorkerInit {
  readonly type: 'init';
  readonly modelPath: string;
  readonly device: string;
  readonly intraOpNumThreads: number;
  /** Threads that decode, resize and post-process beside the inference thread; 0 = inline. */
  readonly prepThreads: number;
  /** Prep threads work ahead while a batch runs (false: one batch at a time, still on a prep thread). */
  readonly overlapStages: boolean;
  readonly maxPixels: number;
  readonly maxBatch: number;
  readonly heartbeatIntervalMs: number;
}

/** Where a page's pixels come from. */
export type PageSource =
  /** An encoded image (JPEG, PNG, TIFF, BMP, …) as uploaded. */
  | { readonly kind: 'image'; readonly bytes: Uint8Array }
  /**
   * One page of a PDF spooled to a local file by the document layer, rendered where its pixels are
   * used. A render that takes longer than `renderTimeoutMs` fails this page alone (LAYOUT_ERR_PDF).
   */
  | ({ readonly kind: 'pdf' } & PdfPageRef);

export interface WireTask {
  readonly taskId: string;
  readonly source: PageSource;
  readonly name: string;
  readonly page: number;
  readonly params: Partial<LayoutParams>;
  readonly outputs?: PageOutputs;
}

export type ParentMessage =
  | WorkerInit
  | {
    readonly type: 'run-batch';
    readonly batchId: number;
    readonly tasks: readonly WireTask[];
    /**
     * 'interactive' when any of its pages is: the worker runs it before batch-class batches
     * already waiting in its pipeline (never before the run in progress).
     */
    readonly priority?: 'interactive' | 'batch';
  };

export type WireOutcome =
  | { readonly taskId: string; readonly ok: true; readonly result: PageResult; readonly images?: PageImages }
  | { readonly taskId: string; readonly ok: false; readonly code: string; readonly message: string };

export type WorkerMessage =
  | {
    readonly type: 'ready';
    readonly modelName: string;
    readonly batchOk: boolean;
    /** Batches the worker wants queued beyond the one running (0: one batch at a time). */
    readonly lookahead: number;
    /** Wall time of the warm-up inference of one blank page, ms. */
    readonly warmupRunMs: number;
    /** Resident memory once loaded and warmed up: the baseline idle recycling measures from, MiB. */
    readonly rssMb: number;
  }
  | { readonly type: 'init-error'; readonly code: string; readonly message: string }
  | {
    readonly type: 'heartbeat';
    readonly rssMb: number;
    /** How long the inference now running has been running, ms; 0 when none is. */
    readonly runningForMs: number;
    /** Pages in that inference (0 when none). */
    readonly runPages: number;
  }
  /** A batch's inference began: it no longer counts as queued ahead. */
  | { readonly type: 'run-started'; readonly batchId: number }
  | {
    readonly type: 'result';
    readonly batchId: number;
    readonly outcomes: readonly WireOutcome[];
    /** session.run wall time of this batch, ms (0 when no page reached it). */
    readonly runMs: number;
  };
