/**
 * `POST /v1/export/{kind}`: one image or PDF in (as /v1/layout takes it, same parameters), one
 * file out, for every selected page (all by default):
 *   page   PAGE-XML: one file for an image or one page, `<stem>.page.zip` for several
 *   alto   ALTO v4, every page in one file
 *   coco   a COCO dataset zip: coco.json and the page images under images/
 *   crops  a zip of the JSON result and every region cut out under crops/
 *   image  the clean page image the other formats refer to (several pages: a zip)
 * The web UI's downloads use it for one page (`pages=N`) and for the whole PDF.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParamError } from '../../errors.js';
import { analyzeUpload } from '../analysis-route.js';
import type { ServerContext } from '../context.js';
import { cropsAnswer, EXPORT_KINDS, exportNeeds, pageImagesAnswer, withPageImages, type ExportKind } from '../export-answer.js';
import { cropsQueryDoc, parseCrops, sendExport } from '../export-reply.js';
import { exportDocument } from '../../export/index.js';
import { documentBody, errorDoc, layoutQuerySchema } from '../layout-response.js';

function parseKind(value: unknown): ExportKind {
  if (typeof value === 'string' && (EXPORT_KINDS as readonly string[]).includes(value)) return value as ExportKind;
  throw InvalidParamError('kind', `expected one of ${EXPORT_KINDS.join(', ')}, got ${JSON.stringify(value)}`);
}

export function v1ExportRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;
  app.post('/v1/export/:kind', {
    schema: {
      tags: ['layout'],
      summary: 'Analyse one image or PDF and answer one file: PAGE, ALTO, COCO dataset, crops zip or page image',
      params: { type: 'object', properties: { kind: { type: 'string', enum: [...EXPORT_KINDS] } } },
      querystring: { ...layoutQuerySchema, properties: { ...layoutQuerySchema.properties, cropLabels: { type: 'string', description: 'kind=crops: only regions with these labels ("table,image")' }, cropFormat: cropsQueryDoc.cropFormat } },
    },
    config: { shed: true, openapi: { response: { 200: { description: 'The file, named in Content-Disposition' }, '4xx': errorDoc, '5xx': errorDoc } } },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const started = performance.now();
    const query = request.query as Record<string, unknown>;
    // Checked before the upload is analysed: a bad kind costs no device time.
    const kind = parseKind((request.params as { kind?: unknown }).kind);
    const crops = kind === 'crops' ? parseCrops({ crops: query.cropLabels ?? 'true', cropFormat: query.cropFormat }) : undefined;
    const { doc, upload } = await analyzeUpload(ctx, request, reply, '/v1/export', { ...exportNeeds(kind), ...(crops ? { crops } : {}) });
    const failed = doc.failedPages.map((f) => f.page);
    const exported = withPageImages(doc, upload);
    if (kind === 'crops') return sendExport(reply, cropsAnswer(doc, exported, 'json', documentBody(doc, performance.now() - started), ctx.version), failed);
    if (kind === 'image') return sendExport(reply, pageImagesAnswer(doc, exported), failed);
    return sendExport(reply, exportDocument(kind, exported, { softwareVersion: ctx.version }), failed);
  });
  return Promise.resolve();
}
