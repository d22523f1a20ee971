/**
 * `POST /v1/admin/reload`: reloads the model one device at a time without dropping requests, all
 * or nothing — if a device cannot load it, every device is back on the old model and the route
 * answers the error (SIGHUP does the same from the shell). An optional `{ "model": NAME|FILE }`
 * switches models.
 *
 * The route exists only when an admin token is configured (--admin-token / DOCLAYOUT_ADMIN_TOKEN)
 * and needs `Authorization: Bearer <token>`, compared in constant time: the server listens on
 * 0.0.0.0 by default. The model is a registry name or an .onnx file inside the model directory;
 * any other path gets one and the same refusal, whether or not it exists, so the route tells
 * nobody what is on the disk.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { InvalidParamError, ModelNotFoundError, ModelRefusedError, UnauthorizedError } from '../../errors.js';
import { findKnownModel, knownModels, resolveModelPath } from '../../model/index.js';
import type { ModelIdentity } from '../../engine/index.js';
import type { ServerContext } from '../context.js';

const refused = (): Error => ModelRefusedError(knownModels.map((m) => m.name).join(', '));

function isInside(file: string, dir: string): boolean {
  const rel = path.relative(dir, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

/** A registry name, or an existing .onnx file whose real path lies inside the model directory. */
function resolveReloadModel(modelDir: string, model: string): string {
  const known = findKnownModel(model);
  if (known) {
    try {
      return resolveModelPath({ model: known.name, modelDir });
    } catch (err) {
      // A registry model that is not installed is the caller's mistake (400), not an outage (503).
      if (ModelNotFoundError.is(err)) throw InvalidParamError('model', err.message);
      throw err;
    }
  }
  const dir = path.resolve(modelDir);
  const candidate = path.resolve(dir, model);
  // Lexical check first: a path outside never touches the file system.
  if (!candidate.endsWith('.onnx') || !isInside(candidate, dir)) throw refused();
  try {
    const real = fs.realpathSync(candidate);
    if (isInside(real, fs.realpathSync(dir)) && fs.statSync(real).isFile()) return real;
  } catch {
    // missing or unreadable: the same refusal as any other path
  }
  throw refused();
}

/** All or nothing across devices (the engine's reload): the identity afterwards. */
export function reloadModel(ctx: ServerContext, model: string | undefined): Promise<ModelIdentity> {
  return ctx.engine.reload(model === undefined ? undefined : resolveReloadModel(ctx.config.modelDir, model));
}

const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** Constant-time check of `Authorization: Bearer <token>` (hashing first evens out the lengths). */
function checkToken(request: FastifyRequest, token: string): void {
  const header = request.headers.authorization;
  const match = typeof header === 'string' ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw UnauthorizedError('no bearer token given');
  if (!timingSafeEqual(digest(match[1]!), digest(token))) throw UnauthorizedError('wrong token');
}

export function adminRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;
  const token = ctx.config.adminToken;
  // No token configured: the route is not there at all (404 like any unknown path).
  if (token === undefined || token === '') return Promise.resolve();
  app.post('/v1/admin/reload', {
    schema: {
      tags: ['admin'],
      summary: 'Reload the model device by device without dropping requests (optionally another model); needs the admin token',
      body: { type: ['object', 'null'], properties: { model: { type: 'string', description: 'Registry name, or the name of an .onnx file in the model directory' } } },
    },
    config: { openapi: { security: [{ adminToken: [] }] } },
  }, async (request: FastifyRequest, reply) => {
    try {
      checkToken(request, token);
    } catch (err) {
      reply.header('www-authenticate', 'Bearer realm="doclayout-admin"');
      throw err;
    }
    const body = (request.body ?? {}) as { model?: unknown };
    if (body.model !== undefined && (typeof body.model !== 'string' || body.model.trim() === '')) {
      throw InvalidParamError('model', 'expected a model name or file name');
    }
    const started = Date.now();
    const identity = await reloadModel(ctx, body.model as string | undefined);
    request.log.info({ modelPath: identity.path, sha256: identity.sha256, ms: Date.now() - started }, 'model reloaded');
    return { status: 'reloaded', model: identity.name, path: identity.path, sha256: identity.sha256, reloadMs: Date.now() - started };
  });
  return Promise.resolve();
}
