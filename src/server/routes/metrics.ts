/**
 * `GET /metrics` in Prometheus text format, from this server's own registry.
 */
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from '../context.js';

export function metricsRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;
  app.get('/metrics', {
    schema: { tags: ['probes'], summary: 'Prometheus metrics (requests, latency, queue, devices, batches, GPUs)' },
    // Scrapes must work exactly when the service is overloaded.
    logLevel: 'warn',
  }, async (_request, reply) => {
    const { contentType, body } = await ctx.metrics.render();
    reply.type(contentType);
    return body;
  });
  return Promise.resolve();
}
