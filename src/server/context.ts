/**
 * What one server instance shares with its routes: the service's state (service-state.ts, built
 * by the caller) plus the HTTP side's own parts (metrics, shedder, draining flag). Built once in
 * `buildServer` and handed to each route plugin, so nothing is global and two servers can run
 * side by side in one process.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { AbortedError } from '../errors.js';
import type { Engine, EngineResult } from '../engine/index.js';
import type { LayoutPool } from '../pool/index.js';
import type { GpuStats, GpuTelemetry } from '../telemetry/gpu.js';
import type { AnalyzedDocument, DocumentContext } from '../document/index.js';
import type { CallbackGuard, JobService } from '../jobs/index.js';
import type { JsonBodyParser } from './json-body-parser.js';
import type { LoadShedder } from './load-shedder.js';
import type { ServerMetrics } from './metrics.js';
import type { RollingStats } from './rolling-stats.js';
import type { SpoolHealth } from './spool-health.js';
import type { ServiceState } from './service-state.js';

export interface ServerContext {
  readonly config: Config;
  /** The engine's pool: only the status and metrics routes read its snapshot. */
  readonly pool: LayoutPool;
  /** The engine: the model's identity, reloads, the page chain and the narrow load queries. */
  readonly engine: Engine;
  /** The state the server was handed. */
  readonly state: ServiceState;
  /** The engine's page chain as the document layer's page analyzer, with this server's limits. */
  readonly documents: DocumentContext<EngineResult>;
  /** /v1/jobs: on the Redis cluster (--redis) or embedded in this process. */
  readonly jobs: JobService;
  /** Which addresses a job's callbackUrl may reach (--callback-allow); checked when a job is submitted. */
  readonly callbackGuard: CallbackGuard;
  /** The JSON body parser (large bodies parse on a thread). */
  readonly jsonBodies: JsonBodyParser;
  readonly metrics: ServerMetrics;
  readonly stats: RollingStats;
  readonly shedder: LoadShedder;
  /** Whether the PDF spool (TMPDIR) takes files: /readyz fails while it does not. */
  readonly spool: SpoolHealth;
  readonly gpuTelemetry: GpuTelemetry | undefined;
  readonly version: string;
  readonly startedAt: number;
  /** Set on shutdown: readiness fails and new work gets 503 while in-flight work finishes. */
  draining: boolean;
}

/**
 * Aborts when the client goes away before its response is written, so its queued pages leave
 * the queue instead of costing GPU time nobody will read. Not fastify's `request.signal`: that
 * one follows the request stream's 'close', which Node 20 emits as soon as the body has been
 * read, so it aborts every upload while its pages are still being analysed (and with a plain
 * AbortError rather than LAYOUT_ERR_ABORTED).
 */
export function clientAbortSignal(_request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  const onClose = (): void => {
    if (!reply.raw.writableFinished) controller.abort(AbortedError());
  };
  // 'close' fires when the response ends or the socket dies; only the latter leaves it unfinished.
  reply.raw.once('close', onClose);
  return controller.signal;
}

/** Counts a finished document in the rolling stats and /metrics. */
export function recordDocument(ctx: ServerContext, route: string, doc: AnalyzedDocument<EngineResult>): void {
  for (const page of doc.pages) ctx.stats.record(page.result.timing.totalMs);
  ctx.metrics.countPages(route, doc.pages.length);
}

/** `x-doclayout-device` lists the devices that answered, so load tools can split by device. */
export function devicesHeader(results: readonly EngineResult[]): string {
  return [...new Set(results.map((r) => r.device))].join(',');
}

export function gpuStats(ctx: ServerContext): readonly GpuStats[] {
  return ctx.gpuTelemetry?.snapshot() ?? [];
}
