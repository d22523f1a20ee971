/**
 * The service's own API: `POST /v1/layout` (one image or PDF), `GET /v1/status`, `GET /v1/models`.
 * Many files in one request (`/v1/layout/batch`) live in v1-layout-files.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { knownModels } from '../../model/index.js';
import { analyzeUpload } from '../analysis-route.js';
import type { ServerContext } from '../context.js';
import { exportDocument } from '../../export/index.js';
import { cropsAnswer, exportNeeds, withPageImages } from '../export-answer.js';
import { cropsQueryDoc, formatQueryDoc, parseCrops, parseFormat, sendExport } from '../export-reply.js';
import { documentBody, documentResultDoc, errorDoc, layoutQuerySchema } from '../layout-response.js';
import { statusBody, statusSchema } from '../status-body.js';

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

export function v1Routes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  app.post('/v1/layout', {
    schema: {
      tags: ['layout'],
      summary: 'Analyse one image or PDF',
      querystring: { ...layoutQuerySchema, properties: { ...layoutQuerySchema.properties, format: formatQueryDoc, ...cropsQueryDoc } },
    },
    config: {
      shed: true,
      openapi: {
        body: uploadBodyDoc,
        response: { 200: documentResultDoc, '4xx': errorDoc, '5xx': errorDoc },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    // Checked before the upload is analysed: a bad format costs no device time.
    const format = parseFormat(request.query as Record<string, unknown>);
    const crops = parseCrops(request.query as Record<string, unknown>);
    const { doc, upload } = await analyzeUpload(ctx, request, reply, '/v1/layout', { ...exportNeeds(format), ...(crops ? { crops } : {}) });
    const failed = doc.failedPages.map((f) => f.page);
    if (crops) return sendExport(reply, cropsAnswer(doc, withPageImages(doc, upload), format, documentBody(doc, performance.now() - started), ctx.version), failed);
    if (format === 'json') return documentBody(doc, performance.now() - started);
    return sendExport(reply, exportDocument(format, withPageImages(doc, upload), { softwareVersion: ctx.version }), failed);
  });

  app.get('/v1/status', {
    // The dashboard polls this every second.
    logLevel: 'warn',
    schema: { tags: ['service'], summary: 'Pool snapshot, GPU telemetry, throughput and latency of the last minute' },
    config: { openapi: { response: { 200: statusSchema } } },
  }, async () => statusBody(ctx));

  app.get('/v1/models', {
    schema: { tags: ['service'], summary: 'The loaded model and the models known to the registry' },
  }, async () => {
    const { name, path: file, sha256 } = ctx.engine.identity;
    return {
      loaded: { name, path: file, sha256, state: ctx.engine.load().state },
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
