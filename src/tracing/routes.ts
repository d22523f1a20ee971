/**
 * The route spans (@fastify/otel), loaded only when tracing is on: one span per request, named by
 * its route, a child of the caller's `traceparent` when one is sent, with the handler span under
 * it (where the engine's spans hang). Lifecycle hooks get no spans of their own: a dozen spans per
 * request would cost more than they tell.
 */
import { FastifyOtelInstrumentation } from '@fastify/otel';
import type { TracerProvider } from '@opentelemetry/api';
import type { FastifyPluginCallback } from 'fastify';

export function routeSpansPlugin(provider: TracerProvider): FastifyPluginCallback {
  const instrumentation = new FastifyOtelInstrumentation({
    registerOnInitialization: false,
    instrumentHooks: false,
    // Named as the HTTP semantic conventions name server spans: method and route template.
    requestHook: (span, request) => {
      const route = request.routeOptions.url;
      if (route) span.updateName(`${request.method} ${route}`).setAttribute('http.route', route);
    },
  });
  instrumentation.setTracerProvider(provider);
  return instrumentation.plugin() as FastifyPluginCallback;
}
