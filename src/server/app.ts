/**
 * Builds the HTTP service around the service's state (service-state.ts: engine, cache, jobs):
 * fastify with multipart, OpenAPI (/docs, /openapi.json), one error shape (error-replies.ts),
 * request ids in every log line, load shedding, metrics, and the routes. It builds none of that
 * state; it owns what it is handed from then on: `onClose` → `state.close()` (jobs, then the pool).
 */
import { randomUUID } from 'node:crypto';
import fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { Logger } from 'pino';
import { routeTracing } from '../tracing/index.js';
import type { Config } from '../config.js';
import { MalformedRequestError, OverloadedError, PoolClosedError } from '../errors.js';
import { registerJobMetrics } from './job-metrics.js';
import { tenancyHook } from './tenancy.js';
import { clientErrorHandler } from './client-errors.js';
import type { GpuTelemetry } from '../telemetry/gpu.js';
import { ConnectionTracker } from './connection-tracker.js';
import type { ServerContext } from './context.js';
import { errorBody } from './error-map.js';
import { registerErrorReplies } from './error-replies.js';
import { discardRestOfBody, DISCARD_TIME_LIMITS } from './discard-body.js';
import { registerJsonBodyParser } from './json-body-parser.js';
import { LoadShedder } from './load-shedder.js';
import { watchUploadRate } from './upload-rate.js';
import { ServerMetrics } from './metrics.js';
import { packageInfo } from './package-info.js';
import { logPoolEvents } from './pool-logging.js';
import { RollingStats } from './rolling-stats.js';
import { SpoolHealth } from './spool-health.js';
import { spoolUsage } from '../document/index.js';
import type { ServiceState } from './service-state.js';
import { adminRoutes } from './routes/admin.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { paddlexRoutes } from './routes/paddlex.js';
import { seedCompatRoutes } from './routes/seed-compat.js';
import { v1LayoutFilesRoutes } from './routes/v1-layout-files.js';
import { v1ExportRoutes } from './routes/v1-export.js';
import { v1JobsRoutes } from './routes/v1-jobs.js';
import { v1Routes } from './routes/v1.js';
import { webRoutes } from './routes/web.js';

export interface BuildServerOptions {
  /** From createServiceState; the server closes it. */
  readonly state: ServiceState;
  /** pino logger; none = silent (tests). */
  readonly logger?: Logger;
  /** nvidia-smi polling; the caller closes it. */
  readonly gpuTelemetry?: GpuTelemetry;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Refuse with 503 while draining or while the event loop lags. */
    shed?: boolean;
    /** Error envelope: ours (default), PaddleX's, or the seed API's. */
    errorFormat?: 'paddlex' | 'seed';
    /** OpenAPI-only additions (request bodies, responses) that must not drive validation or serialisation. */
    openapi?: Record<string, unknown>;
  }
}

const MB = 1024 * 1024;
/** JSON bodies carry files as base64 (4/3 larger) plus a few options. */
const JSON_OVERHEAD_BYTES = 64 * 1024;
const REQUEST_ID = /^[\w.:-]{1,128}$/;

/**
 * How often Node looks for connections past their header/upload time: a quarter of the shorter
 * timeout, at most 1 s (Node's 30 s default let half a header linger 60 s + 30 s), at least 25 ms.
 */
function timeoutCheckIntervalMs(config: Pick<Config, 'headersTimeoutMs' | 'uploadTimeoutMs'>): number {
  return Math.max(25, Math.min(1_000, Math.floor(Math.min(config.headersTimeoutMs, config.uploadTimeoutMs) / 4)));
}

export async function buildServer(options: BuildServerOptions): Promise<FastifyInstance> {
  const { state } = options;
  const { config, engine, jobs } = state;
  const pool = engine.pool;
  const uploadLimitBytes = Math.ceil(config.maxUploadMb * MB);
  const bodyLimitBytes = Math.ceil(uploadLimitBytes * (4 / 3)) + JSON_OVERHEAD_BYTES;
  const app = fastify({
    ...(options.logger ? { loggerInstance: options.logger } : { logger: false }),
    bodyLimit: bodyLimitBytes,
    // A caller's x-request-id (from nginx, a client) threads through our logs and back.
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
    // Slow clients are bounded: headers must arrive within headersTimeoutMs and the whole request
    // (headers + body) within uploadTimeoutMs, sized for large uploads on slow links; the pool has
    // its own deadline for the work itself. Node checks them every `connectionsCheckingInterval`.
    requestTimeout: config.uploadTimeoutMs,
    http: {
      requestTimeout: config.uploadTimeoutMs,
      headersTimeout: Math.min(config.headersTimeoutMs, config.uploadTimeoutMs),
      connectionsCheckingInterval: timeoutCheckIntervalMs(config),
    },
    // Draining is answered by our own hooks, in our error shape (see onRequest).
    return503OnClosing: false,
    // Oversized headers, timeouts and non-HTTP bytes are answered in our error shape too, and so
    // are the errors fastify raises before routing (a URL that does not decode).
    clientErrorHandler,
    frameworkErrors: (err, _request, reply) => {
      // The reply's generics are those of a route-less request; only code/send are used.
      (reply as unknown as FastifyReply).code(400).send(errorBody(MalformedRequestError(err.message)));
    },
    ajv: { customOptions: { coerceTypes: true, allErrors: false } },
  });

  // Route spans (@fastify/otel) before any hook or route, when OTEL_* turned tracing on.
  const routeSpans = await routeTracing();
  if (routeSpans) await app.register(routeSpans);

  const shedder = new LoadShedder(config.eventLoopLagMs);
  const spool = new SpoolHealth();
  const jsonBodies = registerJsonBodyParser(app as unknown as FastifyInstance, { bodyLimitBytes, maxUploadMb: config.maxUploadMb });
  const ctx: ServerContext = {
    config,
    pool,
    engine,
    state,
    documents: { analyzer: engine.analyzer, limits: config },
    jobs,
    callbackGuard: state.callbacks.guard,
    jsonBodies,
    metrics: new ServerMetrics({
      pool,
      gpuTelemetry: options.gpuTelemetry,
      eventLoopLagMs: () => shedder.lagMs,
      spool: () => ({ ...spoolUsage(), limitBytes: config.spoolMaxMb * 1_000_000, writable: spool.unwritable === undefined }),
    }),
    stats: new RollingStats(),
    shedder,
    spool,
    gpuTelemetry: options.gpuTelemetry,
    version: packageInfo().version,
    startedAt: Date.now(),
    draining: false,
  };
  app.decorate('doclayout', ctx);
  registerJobMetrics(ctx.metrics.registry, jobs);
  const stopPoolLogging = logPoolEvents(pool, app.log);

  // Raw uploads (`curl --data-binary @page.jpg -H 'content-type: image/jpeg'`) arrive as Buffers.
  const rawBody = { parseAs: 'buffer' as const, bodyLimit: uploadLimitBytes };
  app.addContentTypeParser(['application/octet-stream', 'application/pdf'], rawBody, (_req, body, done) => done(null, body));
  app.addContentTypeParser(/^image\/[\w.+-]+$/, rawBody, (_req, body, done) => done(null, body));
  await app.register(fastifyMultipart, {
    limits: { fileSize: uploadLimitBytes, files: 256, fields: 64, fieldSize: 1 * MB, parts: 512 },
    throwFileSizeLimit: true,
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'doclayout',
        version: ctx.version,
        description: 'PP-DocLayoutV3 document layout analysis over a multi-device pool. Own API under /v1, plus the original guide\'s API (/analyze, /gpu_status) and PaddleX serving\'s (/object-detection, /layout-parsing).',
      },
      components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: '--admin-token / DOCLAYOUT_ADMIN_TOKEN' } } },
      tags: [
        { name: 'layout', description: 'Layout analysis' },
        { name: 'jobs', description: 'Asynchronous jobs (queued; on a Redis cluster with --redis)' },
        { name: 'service', description: 'Status and models' },
        { name: 'seed-compatible', description: 'The original multi-GPU guide\'s API' },
        { name: 'paddlex-compatible', description: 'PaddleX basic serving\'s API' },
        { name: 'probes', description: 'Health, readiness and metrics' },
        { name: 'admin', description: 'Operations (only with an admin token configured)' },
        { name: 'ui', description: 'Web UI helpers' },
      ],
    },
    // Docs-only additions live in route config so they never validate or re-serialise anything.
    transform: ({ schema, url, route }) => {
      const extra = (route.config as { openapi?: Record<string, unknown> } | undefined)?.openapi;
      return { schema: extra ? { ...schema, ...extra } : schema, url } as never;
    },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  const uploadRate = { minBytesPerS: config.minUploadBytesPerS, windowMs: config.uploadRateWindowMs };
  /** Requests whose body is still arriving, so shutdown can answer them (preClose). */
  const uploads = new Map<FastifyRequest['raw'], FastifyReply>();
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-request-id', request.id);
    if (request.raw.complete === false) {
      uploads.set(request.raw, reply);
      const forget = (): void => void uploads.delete(request.raw);
      request.raw.once('end', forget);
      reply.raw.once('close', forget);
    }
    watchUploadRate(request.raw, uploadRate, (error) => {
      // Answered in the route's own error shape; `connection: close` ends the socket after it.
      if (!reply.sent) reply.header('connection', 'close').send(error);
      else request.raw.socket.destroy();
    });
    if (!request.routeOptions.config.shed) return;
    if (ctx.draining) {
      ctx.metrics.countShed('draining');
      throw PoolClosedError();
    }
    const lagMs = shedder.overloadedLagMs;
    if (lagMs !== undefined) {
      ctx.metrics.countShed('event-loop-lag');
      throw OverloadedError(`event loop lag ${Math.round(lagMs)} ms > ${config.eventLoopLagMs} ms`);
    }
  });
  // After the draining/lag check: a shed request is refused before its key is even looked at.
  app.addHook('onRequest', tenancyHook(config));
  // A refusal sent mid-upload: the rest of the body is read and discarded within these bounds.
  const discardLimits = { maxBytes: 2 * bodyLimitBytes, ...DISCARD_TIME_LIMITS };
  app.addHook('onSend', async (request, reply, payload) => {
    // While draining, close each connection after its response so shutdown is not held up by keep-alive.
    if (ctx.draining) reply.header('connection', 'close');
    // (a client cut for sending too slowly is not waited for: 408 closes)
    else if (reply.statusCode >= 400 && reply.statusCode !== 408) discardRestOfBody(request.raw, reply, discardLimits);
    return payload;
  });
  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    ctx.metrics.observeRequest(route, request.method, reply.statusCode, reply.elapsedTime / 1000);
  });

  registerErrorReplies(app as unknown as FastifyInstance, config);

  await app.register(healthRoutes, { ctx });
  await app.register(metricsRoutes, { ctx });
  await app.register(v1Routes, { ctx });
  await app.register(v1LayoutFilesRoutes, { ctx });
  await app.register(v1ExportRoutes, { ctx });
  await app.register(v1JobsRoutes, { ctx });
  await app.register(seedCompatRoutes, { ctx });
  await app.register(paddlexRoutes, { ctx });
  await app.register(adminRoutes, { ctx });
  await app.register(webRoutes);

  // Marks draining before fastify stops routing, so readiness flips to 503 at once, and closes
  // every connection that holds no accepted work: idle ones and uploads still arriving (the rest
  // close after their response).
  const connections = new ConnectionTracker(app.server);
  app.addHook('preClose', async () => {
    ctx.draining = true;
    // An upload cut by shutdown hears why (503 LAYOUT_ERR_POOL_CLOSED, logged as such), rather
    // than a bare reset that the body parser then logs as a 400 "aborted".
    connections.closeAllButAccepted((req) => {
      const reply = uploads.get(req);
      if (!reply || reply.sent) return false;
      reply.send(PoolClosedError({ details: { reason: 'shutdown: the upload had not arrived in full' } }));
      return true;
    });
  });
  app.addHook('onClose', async () => {
    connections.dispose();
    shedder.close();
    spool.close();
    await jsonBodies.close();
    try {
      await state.close();
    } finally {
      stopPoolLogging();
      ctx.metrics.close();
    }
  });
  // Added last, so it runs after @fastify/swagger's own onReady has collected the routes.
  app.addHook('onReady', async () => {
    // The OpenAPI document is built once (then cached): here, not on the loop of a first
    // /openapi.json request, where it held the loop for seconds on a starved CPU.
    app.swagger();
    // Building the server blocked the loop once; that is not load, and must not shed the first requests.
    shedder.restart();
  });
  // The pino-typed instance is a FastifyInstance with a narrower logger type.
  return app as unknown as FastifyInstance;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** This server's shared state (pool, metrics, draining flag). */
    doclayout: ServerContext;
  }
}
