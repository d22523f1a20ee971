/**
 * `POST /v1/admin/reload`: reloads the model one device at a time without dropping requests
 * (SIGHUP does the same from the shell). An optional `{ "model": NAME|PATH }` switches models;
 * it is resolved exactly like `--model`, so a typo fails here, before any device restarts.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParamError, ModelNotFoundError, UnknownModelError } from '../../errors.js';
import { resolveModelPath } from '../../model/index.js';
import type { ServerContext } from '../context.js';

function resolveRequested(ctx: ServerContext, model: string): string {
  try {
    return resolveModelPath({ model, modelDir: ctx.config.modelDir });
  } catch (err) {
    // A bad name in the request is the caller's mistake (400), not a service outage (503).
    if (ModelNotFoundError.is(err) || UnknownModelError.is(err)) throw InvalidParamError('model', err.message);
    throw err;
  }
}

export async function reloadModel(ctx: ServerContext, model: string | undefined): Promise<string | undefined> {
  const modelPath = model === undefined ? ctx.modelPath : resolveRequested(ctx, model);
  await ctx.pool.reload(modelPath);
  if (modelPath !== undefined) ctx.modelPath = modelPath;
  return modelPath;
}

export function adminRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;
  app.post('/v1/admin/reload', {
    schema: {
      tags: ['admin'],
      summary: 'Reload the model device by device without dropping requests (optionally another model)',
      body: { type: ['object', 'null'], properties: { model: { type: 'string', description: 'Registry name or .onnx path' } } },
    },
  }, async (request: FastifyRequest) => {
    const body = (request.body ?? {}) as { model?: unknown };
    if (body.model !== undefined && (typeof body.model !== 'string' || body.model.trim() === '')) {
      throw InvalidParamError('model', 'expected a model name or path');
    }
    const started = Date.now();
    const modelPath = await reloadModel(ctx, body.model as string | undefined);
    request.log.info({ modelPath, ms: Date.now() - started }, 'model reloaded');
    return { status: 'reloaded', model: ctx.pool.snapshot().model, path: modelPath ?? null, reloadMs: Date.now() - started };
  });
  return Promise.resolve();
}
