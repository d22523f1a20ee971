/**
 * The service's own API: `POST /v1/layout` (one image or PDF), `GET /v1/status`, `GET /v1/models`.
 * The batch route lives in v1-batch.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParamError } from '../../errors.js';
import { knownModels } from '../../model/index.js';
import { analyzeDocument, type AnalyzedDocument } from '../../document/index.js';
import type { PoolResult } from '../../pool/index.js';
import { clientAbortSignal, devicesHeader, gpuStats, recordDocument, type ServerContext } from '../context.js';
import { documentBody, errorDoc, layoutQuerySchema, pageResultDoc } from '../layout-response.js';
import { isMultipart, parseRequestOptions, readMultipart, readSingleBody, type RequestInput } from '../request-input.js';

const uploadBodyDoc = {
  content: {
    'multipart/form-data': {
      schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary', description: 'Image (JPEG, PNG, WebP, TIFF, BMP, GIF) or PDF' } } },
    },
    'application/json': {
      schema: {
        type: 'object',
        required: ['image'],
        properties: { image: { type: 'string', description: 'base64 file content (a data: URL prefix is accepted)' }, name: { type: 'string' } },
        additionalProperties: { description: 'any query parameter may also be given here' },
      },
    },
    'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'raw file bytes (also image/*, application/pdf)' } },
  },
};

export const statusDoc = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    state: { type: 'string' },
    queueDepth: { type: 'integer' },
    maxQueue: { type: 'integer' },
    devices: { type: 'array', items: { type: 'object', additionalProperties: true } },
    gpus: { type: 'array', items: { type: 'object', additionalProperties: true } },
    uptimeSeconds: { type: 'number' },
    version: { type: 'string' },
    throughput: { type: 'object', properties: { pagesPerSec: { type: 'number' } } },
    latencyMs: { type: 'object', properties: { p50: { type: ['number', 'null'] }, p95: { type: ['number', 'null'] }, p99: { type: ['number', 'null'] } } },
  },
};

export async function readLayoutInput(ctx: ServerContext, request: FastifyRequest): Promise<RequestInput> {
  const input = isMultipart(request)
    ? await readMultipart(request, { maxUploadMb: ctx.config.maxUploadMb, maxFiles: 1 })
    : readSingleBody(request, ctx.config.maxUploadMb);
  if (input.files.length === 0) throw InvalidParamError('file', 'no file in the request (multipart field "file")');
  return input;
}

/** What every single-upload route does first: read the file and options, run its pages, record it. */
export async function analyzeUpload(ctx: ServerContext, request: FastifyRequest, reply: FastifyReply, route: string): Promise<AnalyzedDocument<PoolResult>> {
  const signal = clientAbortSignal(request, reply);
  const input = await readLayoutInput(ctx, request);
  const options = parseRequestOptions(input.fields, ctx.config);
  const doc = await analyzeDocument(ctx.documents, input.files[0]!, { ...options, signal, requestId: request.id });
  recordDocument(ctx, route, doc);
  reply.header('x-doclayout-device', devicesHeader(doc.pages.map((p) => p.result)));
  return doc;
}

export function statusBody(ctx: ServerContext): Record<string, unknown> {
  const rolling = ctx.stats.snapshot();
  return {
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

export function v1Routes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  app.post('/v1/layout', {
    schema: { tags: ['layout'], summary: 'Analyse one image or PDF', querystring: layoutQuerySchema },
    config: {
      shed: true,
      openapi: {
        body: uploadBodyDoc,
        response: { 200: { description: 'Page result (image) or { model, input, pages[] } (PDF)', ...pageResultDoc }, '4xx': errorDoc, '5xx': errorDoc },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    const doc = await analyzeUpload(ctx, request, reply, '/v1/layout');
    return documentBody(doc, performance.now() - started);
  });

  app.get('/v1/status', {
    // The dashboard polls this every second.
    logLevel: 'warn',
    schema: { tags: ['service'], summary: 'Pool snapshot, GPU telemetry, throughput and latency of the last minute' },
    config: { openapi: { response: { 200: statusDoc } } },
  }, async () => statusBody(ctx));

  app.get('/v1/models', {
    schema: { tags: ['service'], summary: 'The loaded model and the models known to the registry' },
  }, async () => {
    const snapshot = ctx.pool.snapshot();
    return {
      loaded: { name: snapshot.model, path: ctx.modelPath ?? null, state: snapshot.state },
      models: knownModels.map((m) => ({
        name: m.name,
        description: m.description,
        license: m.license,
        installed: fs.existsSync(path.join(ctx.config.modelDir, m.file)),
      })),
    };
  });

  return Promise.resolve();
}
