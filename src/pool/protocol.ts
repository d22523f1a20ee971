/**
 * The parent ↔ worker protocol, as tagged unions both ends compile against. Pages travel as
 * encoded bytes or as a reference to a spooled PDF page (never as decoded pixels or floats);
 * errors travel as `{ code, message }`.
 */
import type { PageSource, PipelineOutcome, PipelineTask } from '../pipeline/index.js';
import type { PriorityClass } from './types.js';

export interface WorkerInit {
  readonly type: 'init';
  readonly modelPath: string;
  readonly device: string;
  readonly intraOpNumThreads: number;
  /** Threads that decode, resize and post-process beside the inference thread (at least 1). */
  readonly prepThreads: number;
  /** Prep threads work ahead while a batch runs (false: one batch at a time, still on a prep thread). */
  readonly overlapStages: boolean;
  readonly maxPixels: number;
  readonly maxBatch: number;
  readonly heartbeatIntervalMs: number;
  /** OS niceness to take before the model loads (0: keep the pool's). */
  readonly nice: number;
}

/** One page of a batch: the one page type (PageInput) with its task id and parameters. */
export type WireTask = PipelineTask<PageSource>;

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
    readonly priority?: PriorityClass;
  };

export type WireOutcome = PipelineOutcome;

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
