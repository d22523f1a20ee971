/**
 * The parent ↔ worker protocol, as tagged unions both ends compile against. Images travel as
 * encoded bytes (structured clone, no base64); errors travel as `{ code, message }`.
 */
import type { LayoutParams, PageResult } from '../model/index.js';

/** Test-only behaviour, set through createPool's `testHooks`; never read from the environment. */
export interface WorkerTestHooks {
  /** Extra wall time per page, keeping the event loop free (a slower device). */
  readonly delayMsPerPage?: number;
  /** A task whose name contains this string blocks the worker forever (no heartbeats). */
  readonly hangOnName?: string;
  /** A task whose name contains this string kills the worker process mid-batch. */
  readonly crashOnName?: string;
}

export interface WorkerInit {
  readonly type: 'init';
  readonly modelPath: string;
  readonly device: string;
  readonly intraOpNumThreads: number;
  readonly maxPixels: number;
  readonly maxBatch: number;
  readonly heartbeatIntervalMs: number;
  readonly testHooks?: WorkerTestHooks;
}

export interface WireTask {
  readonly taskId: string;
  readonly bytes: Uint8Array;
  readonly name: string;
  readonly page: number;
  readonly params: Partial<LayoutParams>;
}

export type ParentMessage =
  | WorkerInit
  | { readonly type: 'run-batch'; readonly batchId: number; readonly tasks: readonly WireTask[] };

export type WireOutcome =
  | { readonly taskId: string; readonly ok: true; readonly result: PageResult }
  | { readonly taskId: string; readonly ok: false; readonly code: string; readonly message: string };

export type WorkerMessage =
  | { readonly type: 'ready'; readonly modelName: string; readonly batchOk: boolean }
  | { readonly type: 'init-error'; readonly code: string; readonly message: string }
  | { readonly type: 'heartbeat'; readonly rssMb: number }
  | { readonly type: 'result'; readonly batchId: number; readonly outcomes: readonly WireOutcome[] };
