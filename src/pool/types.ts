/**
 * The public face of the device pool: what the server and the CLI see. Implementation lives in
 * pool.ts and friends; only this file is imported from above.
 */
import type { DeviceKind, LayoutParams, PageResult } from '../model/index.js';
import type { PageImages, PageInput } from '../pipeline/index.js';

/** The one page type (src/pipeline/types.ts): what the pool takes, and sends its workers. */
export type { PageCrop, PageImages, PageInput, PageOutputs, PageSource, PdfPageRef } from '../pipeline/index.js';

export interface PoolTaskOptions {
  readonly signal?: AbortSignal;
  /** Overrides the pool's default deadline for this request, in ms from now. */
  readonly timeoutMs?: number;
  /** Returned as-is in events and logs to correlate with the HTTP request. */
  readonly requestId?: string;
  /** `interactive` (someone waits: sync routes, web UI; the default) goes ahead of `batch` (jobs, cluster workers, CLI). */
  readonly priority?: PriorityClass;
  /** Whose page this is: tenants take turns within a class. Default "anonymous". */
  readonly tenant?: string;
  /** Refuse the page (429) when its tenant is past these; absent = no per-tenant limit (accepted batch work). */
  readonly tenantLimits?: TenantLimits;
}

export type PriorityClass = 'interactive' | 'batch';

export interface TenantLimits {
  /** Pages accepted and unanswered (queued or running); 0 = no limit. */
  readonly maxPages: number;
  /** Pages waiting for a device; 0 = no limit. */
  readonly maxQueued: number;
}

/** Admission figures of one priority class or one tenant. */
export interface AdmissionFigures {
  /** Pages waiting now. */
  readonly queued: number;
  /** Pages sent to a device so far. */
  readonly dispatched: number;
  /** Pages refused (queue full, tenant limit). */
  readonly rejected: number;
  /** Queue wait of the pages dispatched in the last minute, ms: p50 / p99 / max; null when none. */
  readonly waitMs: { readonly p50: number; readonly p99: number; readonly max: number } | null;
  /** How long its longest-waiting page has waited so far, ms (0 when none waits). */
  readonly oldestWaitMs: number;
}

/**
 * A model file as the pool runs it: `id` names what was loaded (the engine gives the file's
 * sha256) and comes back on every result the model produced, so a result is never credited to a
 * model that did not run it — not even while a reload swaps devices one by one.
 */
export interface PoolModel {
  readonly path: string;
  readonly id: string;
}

export interface PoolResult extends PageResult {
  /** PoolModel.id of the model the device ran for this page. */
  readonly modelId: string;
  /** The device that answered, e.g. "cpu:0" or "cuda:1". */
  readonly device: string;
  /** Index of that device in the pool (the seed API's `gpu_used`). */
  readonly deviceIndex: number;
  readonly timing: PageResult['timing'] & { readonly queueMs: number; readonly totalMs: number; readonly batchSize: number };
  /** What PageInput.outputs asked for. */
  readonly images?: PageImages;
}

/** A worker program to fork instead of worker-main.js (a test fixture that crashes or hangs), with its arguments. */
export interface WorkerEntry {
  readonly path: string;
  readonly args?: readonly string[];
}

export type DeviceState = 'starting' | 'ready' | 'busy' | 'draining' | 'restarting' | 'failed' | 'stopped';

export interface DeviceSnapshot {
  readonly index: number;
  /** "cpu:0", "cuda:1", … */
  readonly id: string;
  readonly kind: DeviceKind;
  /** `interactive`: an interactive lane beside a CPU device (--interactive-lane), sent interactive pages only. */
  readonly serves: 'all' | 'interactive';
  readonly state: DeviceState;
  readonly pid: number | undefined;
  readonly inflight: number;
  readonly completed: number;
  readonly failed: number;
  readonly restarts: number;
  /** Planned worker replacements (recycleAfterPages / recycleRssMb / idle bloat), not counted in restarts. */
  readonly recycles?: number;
  /** Recycles whose process did not exit within its grace after SIGTERM and was killed (counted in recycles too). */
  readonly recycleKills?: number;
  /** EWMA of per-page service time, ms; undefined before the first page. */
  readonly ewmaMs: number | undefined;
  /** count of batches by size: index = batch size. */
  readonly batchSizes: readonly number[];
  readonly maxBatch: number;
  readonly threads: number;
  readonly rssMb: number | undefined;
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | undefined;
}

export interface PoolSnapshot {
  readonly state: 'starting' | 'ready' | 'draining' | 'closed';
  readonly queueDepth: number;
  readonly maxQueue: number;
  readonly accepted: number;
  readonly completed: number;
  readonly failed: number;
  readonly rejected: number;
  readonly timedOut: number;
  readonly aborted: number;
  readonly retried: number;
  /** Per priority class. */
  readonly classes?: Readonly<Record<PriorityClass, AdmissionFigures>>;
  /** Per tenant that sent pages (anonymous when no tenants are configured). */
  readonly tenants?: Readonly<Record<string, AdmissionFigures>>;
  readonly devices: readonly DeviceSnapshot[];
}

/** Events the pool emits (the server logs them with pino and counts them in /metrics). */
export interface PoolEvents {
  'device-state': { device: string; index: number; state: DeviceState; reason?: string };
  /** `requestIds`: the requests whose pages the worker held (PoolTaskOptions.requestId), to follow one end to end. */
  'worker-exit': { device: string; index: number; pid: number | undefined; code: number | null; signal: string | null; state: DeviceState; taskIds: readonly string[]; requestIds: readonly string[] };
  'task-retry': { taskId: string; requestId: string | undefined; device: string; attempt: number; reason: string };
  'batch': { device: string; index: number; size: number; inferMs: number };
}

export interface LayoutPool {
  /** Resolves once at least one device is ready (rejects if all failed to start). */
  ready(): Promise<void>;
  analyze(input: PageInput, params?: Partial<LayoutParams>, options?: PoolTaskOptions): Promise<PoolResult>;
  snapshot(): PoolSnapshot;
  on<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this;
  off<E extends keyof PoolEvents>(event: E, listener: (payload: PoolEvents[E]) => void): this;
  /**
   * The name the serving devices report for the model `modelId` (any serving device's model when
   * omitted); undefined while none serves it.
   */
  modelName(modelId?: string): string | undefined;
  /**
   * Reloads the model one device at a time without dropping requests — all or nothing: if any
   * device fails to load `model`, every device goes back to the model it had, and the error is
   * thrown. Without `model`, each device reloads the file it runs.
   */
  reload(model?: PoolModel): Promise<void>;
  /** Stops accepting, finishes queued and in-flight work, stops workers. Idempotent. */
  close(): Promise<void>;
  /** Fails everything pending with `err` and kills workers at once. Idempotent. */
  destroy(err?: Error): Promise<void>;
}
