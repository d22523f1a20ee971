/**
 * The app's two last-resort handlers, so every refusal has one shape: a thrown error is mapped
 * (error-map.ts), logged by its status, and sent in its route's envelope (ours, PaddleX's or the
 * seed API's); a request no route matches is a 405 with `Allow` when the path exists for other
 * methods, a 404 otherwise.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.js';
import { MethodNotAllowedError, NotFoundError } from '../errors.js';
import { errorBody, mapError } from './error-map.js';

const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Sets the app's error and not-found handlers (before the routes, which inherit them). */
export function registerErrorReplies(app: FastifyInstance, config: Pick<Config, 'maxUploadMb'>): void {
  app.setErrorHandler((err, request, reply) => {
    const { statusCode, headers, error } = mapError(err, config);
    const format = request.routeOptions.config.errorFormat;
    const status = format === 'paddlex' && error.code === 'LAYOUT_ERR_INVALID_PARAM' ? 422 : statusCode;
    const fields = { code: error.code, status, route: request.routeOptions.url };
    if (status >= 500 && status !== 503) request.log.error({ ...fields, err }, 'request failed');
    else request.log.info({ ...fields, message: error.message }, 'request refused');
    reply.code(status).headers(headers);
    if (format === 'paddlex') {
      const body = request.body as { logId?: unknown } | undefined;
      const logId = typeof body?.logId === 'string' && body.logId ? body.logId : request.id;
      return reply.send({ logId, errorCode: status, errorMsg: error.message, ...errorBody(error) });
    }
    if (format === 'seed') return reply.send({ status: 'error', message: error.message, ...errorBody(error) });
    return reply.send(errorBody(error));
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // A path that exists for other methods is a 405 with `Allow`, not a missing route.
    const allowed = HTTP_METHODS.filter((method) => method !== request.method && app.findRoute({ method, url: path }) !== null);
    if (allowed.length > 0) {
      reply.code(405).header('allow', allowed.join(', ')).send(errorBody(MethodNotAllowedError(request.method, path, allowed.join(', '))));
      return;
    }
    reply.code(404).send(errorBody(NotFoundError(request.method, path)));
  });
}
