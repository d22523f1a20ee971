/**
 * The `GET /v1/status` contract, once: the body's type (what `doclayout status` and the
 * dashboard read), its OpenAPI schema (documentation only: the body is not re-serialised through
 * it), and the function that builds it. A test keeps the schema's keys and the body's in step.
 */
import { DEVICE_KINDS } from '../model/index.js';
import type { PoolSnapshot } from '../pool/index.js';
import type { GpuStats } from '../telemetry/gpu.js';
import { gpuStats, type ServerContext } from './context.js';

/** GPU figures nvidia-smi could not read (NaN here) arrive as null in the JSON. */
export type StatusBody = PoolSnapshot & {
  /** The name of the model the devices run (the engine's identity). */
  readonly model: string;
  readonly gpus: readonly GpuStats[];
  readonly uptimeSeconds: number;
  readonly version: string;
  readonly throughput: { readonly pagesPerSec: number };
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null; readonly p99: number | null };
  /** Optional for readers: older servers did not send it. */
  readonly eventLoopLagMs?: number;
  /** Optional for readers: older servers did not send it. */
  readonly draining?: boolean;
};

export function statusBody(ctx: ServerContext): StatusBody {
  const rolling = ctx.stats.snapshot();
  return {
    model: ctx.engine.identity.name,
    ...ctx.pool.snapshot(),
    gpus: gpuStats(ctx),
    uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 100) / 10,
    version: ctx.version,
    throughput: { pagesPerSec: rolling.pagesPerSec },
    latencyMs: rolling.latencyMs,
    eventLoopLagMs: Math.round(ctx.shedder.lagMs),
    draining: ctx.draining,
  };
}

const nullableNumber = { type: ['number', 'null'] } as const;
const integer = { type: 'integer' } as const;

const deviceSchema = {
  type: 'object',
  properties: {
    index: integer,
    id: { type: 'string', example: 'cuda:0' },
    kind: { type: 'string', enum: DEVICE_KINDS },
    serves: { type: 'string', enum: ['all', 'interactive'], description: 'interactive: an interactive lane beside a CPU device (--interactive-lane), sent interactive pages only' },
    state: { type: 'string', enum: ['starting', 'ready', 'busy', 'draining', 'restarting', 'failed', 'stopped'] },
    pid: { type: ['integer', 'null'] },
    inflight: { ...integer, description: 'Pages in the batch on the device now' },
    completed: integer,
    failed: integer,
    restarts: { ...integer, description: 'Crash restarts (exits nobody asked for, watchdog kills included)' },
    recycles: { ...integer, description: 'Planned worker replacements (page count, RSS, idle bloat); restarts + recycles = every replacement' },
    recycleKills: { ...integer, description: 'Recycles whose worker did not exit within its grace after SIGTERM and was SIGKILLed (counted in recycles too)' },
    ewmaMs: { ...nullableNumber, description: 'Moving average of per-page service time' },
    batchSizes: { type: 'array', items: integer, description: 'Batches sent, by size (index = size)' },
    maxBatch: integer,
    threads: integer,
    rssMb: nullableNumber,
    lastError: { type: ['object', 'null'], properties: { code: { type: 'string' }, message: { type: 'string' }, at: { type: 'string' } } },
  },
} as const;

const admissionSchema = {
  type: 'object',
  properties: {
    queued: { ...integer, description: 'Pages waiting now' },
    dispatched: { ...integer, description: 'Pages sent to a device so far' },
    rejected: { ...integer, description: 'Pages refused with 429 (queue full, tenant limit)' },
    waitMs: { type: ['object', 'null'], description: 'Queue wait of the pages dispatched in the last minute', properties: { p50: { type: 'number' }, p99: { type: 'number' }, max: { type: 'number' } } },
    oldestWaitMs: { type: 'number', description: 'How long the longest-waiting page has waited so far' },
  },
} as const;

const gpuSchema = {
  type: 'object',
  properties: {
    index: integer,
    name: { type: 'string' },
    utilizationPct: nullableNumber,
    memoryUsedMb: nullableNumber,
    memoryTotalMb: nullableNumber,
    temperatureC: nullableNumber,
    powerW: nullableNumber,
  },
} as const;

export const statusSchema = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    state: { type: 'string', enum: ['starting', 'ready', 'draining', 'closed'] },
    queueDepth: integer,
    maxQueue: integer,
    accepted: integer,
    completed: integer,
    failed: integer,
    rejected: { ...integer, description: 'Refused with 429 (queue full)' },
    timedOut: integer,
    aborted: integer,
    retried: { ...integer, description: 'Re-queued after their worker died' },
    classes: { type: 'object', description: 'Admission per priority class (interactive ahead of batch)', properties: { interactive: admissionSchema, batch: admissionSchema } },
    tenants: { type: 'object', description: 'Admission per tenant (API key or proxy header; "anonymous" without)', additionalProperties: admissionSchema },
    devices: { type: 'array', items: deviceSchema },
    gpus: { type: 'array', items: gpuSchema },
    uptimeSeconds: { type: 'number' },
    version: { type: 'string' },
    throughput: { type: 'object', properties: { pagesPerSec: { type: 'number' } } },
    latencyMs: { type: 'object', properties: { p50: nullableNumber, p95: nullableNumber, p99: nullableNumber } },
    eventLoopLagMs: { type: 'number' },
    draining: { type: 'boolean' },
  },
} as const;
