/**
 * Probes. Liveness says only that the process answers; readiness says this instance should get
 * traffic now: not draining, at least one device ready, and room left in the queue. KServe V2
 * clients (Triton-style load balancers) find the same answers under /v2/health/*.
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { NoDeviceReadyError, OverloadedError, PoolClosedError, StorageFullError, type LayoutError } from '../../errors.js';
import type { ServerContext } from '../context.js';

interface Readiness {
  readonly ready: boolean;
  readonly devicesReady: number;
  readonly queueDepth: number;
  readonly maxQueue: number;
  /** Why not ready, as the error a work request would get now. */
  readonly reason: LayoutError | undefined;
}

function readiness(ctx: ServerContext): Readiness {
  const snapshot = ctx.engine.load();
  const devicesReady = snapshot.devices.filter((d) => d.state === 'ready' || d.state === 'busy').length;
  let reason: LayoutError | undefined;
  if (ctx.draining || snapshot.state === 'draining' || snapshot.state === 'closed') reason = PoolClosedError();
  else if (devicesReady === 0) reason = NoDeviceReadyError(snapshot.devices.map((d) => `${d.id} ${d.state}`).join(', ') || 'no devices');
  else if (snapshot.queueDepth >= snapshot.maxQueue) reason = OverloadedError(`queue full, ${snapshot.queueDepth}/${snapshot.maxQueue} pages waiting`);
  else if (ctx.spool.unwritable !== undefined) reason = StorageFullError('uploads', `the spool (TMPDIR) is full or unwritable (${ctx.spool.unwritable})`);
  return { ready: reason === undefined, devicesReady, queueDepth: snapshot.queueDepth, maxQueue: snapshot.maxQueue, reason };
}

const probeDoc = (summary: string): Record<string, unknown> => ({ tags: ['probes'], summary });
/** Probes run every few seconds forever: log them only when something is wrong. */
const quiet = { logLevel: 'warn' } as const;

export function healthRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  const live = async (): Promise<Record<string, unknown>> => ({ status: 'ok', live: true, uptimeSeconds: Math.round((Date.now() - ctx.startedAt) / 1000) });

  const ready = async (_request: unknown, reply: FastifyReply): Promise<Record<string, unknown>> => {
    const r = readiness(ctx);
    const body = { status: r.ready ? 'ready' : 'not ready', ready: r.ready, devicesReady: r.devicesReady, queueDepth: r.queueDepth, maxQueue: r.maxQueue };
    if (r.ready) return body;
    reply.code(503).header('retry-after', '1');
    return { ...body, error: { code: r.reason!.code, message: r.reason!.message } };
  };

  app.get('/healthz', { schema: probeDoc('Liveness: the process answers'), ...quiet }, live);
  app.get('/readyz', { schema: probeDoc('Readiness: ≥ 1 device ready, queue not full, not draining, the PDF spool (TMPDIR) writable (503 otherwise)'), ...quiet }, ready);
  app.get('/v2/health/live', { schema: probeDoc('KServe V2 liveness'), ...quiet }, live);
  app.get('/v2/health/ready', { schema: probeDoc('KServe V2 readiness (503 when not ready)'), ...quiet }, ready);
  return Promise.resolve();
}
