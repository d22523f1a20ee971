/**
 * `POST /v1/layout/batch`: many files in one multipart request. Each file starts as soon as its
 * bytes have arrived; results come back in input order, and a bad file fails alone (its item
 * carries the error) while the others succeed.
 */
import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParamError, toLayoutError } from '../../errors.js';
import { analyzeDocument, type AnalyzedDocument, type UploadedFile } from '../../document/index.js';
import type { EngineResult } from '../../engine/index.js';
import { SYNC_ROUTE_PRIORITY } from '../analysis-route.js';
import { clientAbortSignal, devicesHeader, recordDocument, type ServerContext } from '../context.js';
import { exportDocuments } from '../../export/index.js';
import { exportNeeds, withPageImages } from '../export-answer.js';
import { formatQueryDoc, parseFormat, sendExport } from '../export-reply.js';
import { documentBody, documentResultDoc, errorDoc, layoutQuerySchema } from '../layout-response.js';
import { isMultipart, parseRequestOptions, readMultipart, type RequestOptions } from '../request-input.js';
import { admissionFor } from '../tenancy.js';

/** Files per request: a bound on the work one request can queue at once. */
const MAX_FILES_PER_REQUEST = 256;

type ItemOutcome = { ok: true; doc: AnalyzedDocument<EngineResult>; file: UploadedFile; totalMs: number } | { ok: false; error: ReturnType<typeof toLayoutError> };

export function v1LayoutFilesRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  app.post('/v1/layout/batch', {
    schema: {
      tags: ['layout'],
      summary: 'Analyse many images/PDFs in one multipart request (results in input order); format=page|alto gives a zip, coco one dataset',
      querystring: { ...layoutQuerySchema, properties: { ...layoutQuerySchema.properties, format: formatQueryDoc } },
    },
    config: {
      shed: true,
      openapi: {
        body: {
          content: {
            'multipart/form-data': {
              schema: { type: 'object', properties: { files: { type: 'array', items: { type: 'string', format: 'binary' }, description: 'One part per file (any field name)' } } },
            },
          },
        },
        response: {
          200: {
            type: 'object',
            properties: {
              results: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: { name: { type: 'string' }, ok: { type: 'boolean' }, result: documentResultDoc, error: errorDoc.properties.error },
                },
              },
              succeeded: { type: 'integer' },
              failed: { type: 'integer' },
            },
          },
          '4xx': errorDoc,
        },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    if (!isMultipart(request)) throw InvalidParamError('body', 'send multipart/form-data with one part per file');
    // Aborted by the client going away, or by us when the request as a whole turns out bad.
    const cancel = new AbortController();
    const signal = AbortSignal.any([clientAbortSignal(request, reply), cancel.signal]);
    // Options from the query string apply to every file; they are known before the first part.
    const queryOptions = parseRequestOptions(request.query as Record<string, unknown>, ctx.config);
    const format = parseFormat(request.query as Record<string, unknown>);
    const admission = admissionFor(request, (request.query as Record<string, unknown>).priority, SYNC_ROUTE_PRIORITY);
    const items: Array<{ name: string; outcome: Promise<ItemOutcome> }> = [];
    const start = (file: UploadedFile, opts: RequestOptions): Promise<ItemOutcome> => {
      const started = performance.now();
      // A COCO dataset carries the page images it names: the analysis returns them.
      return analyzeDocument(ctx.documents, file, { ...opts, ...exportNeeds(format), signal, requestId: request.id, admission }).then(
        (doc): ItemOutcome => ({ ok: true, doc, file, totalMs: performance.now() - started }),
        (err: unknown): ItemOutcome => ({ ok: false, error: toLayoutError(err) }),
      );
    };
    try {
      await readMultipart(request, {
        maxUploadMb: ctx.config.maxUploadMb,
        maxFiles: MAX_FILES_PER_REQUEST,
        onFile: (file) => items.push({ name: file.name, outcome: start(file, queryOptions) }),
      });
    } catch (err) {
      // The request as a whole is bad (too large, too many files): drop what already started.
      cancel.abort(err);
      await Promise.allSettled(items.map((i) => i.outcome));
      throw err;
    }
    if (items.length === 0) throw InvalidParamError('file', 'no file in the request');

    const outcomes = await Promise.all(items.map((i) => i.outcome));
    const results = outcomes.map((outcome, index) => {
      const name = items[index]!.name;
      if (!outcome.ok) return { name, ok: false, error: outcome.error.toJSON() };
      recordDocument(ctx, '/v1/layout/batch', outcome.doc);
      return { name, ok: true, result: documentBody(outcome.doc, outcome.totalMs) };
    });
    const answered = outcomes.flatMap((o) => (o.ok ? o.doc.pages.map((p) => p.result) : []));
    if (answered.length > 0) reply.header('x-doclayout-device', devicesHeader(answered));
    const succeeded = outcomes.filter((o) => o.ok).length;
    if (format !== 'json') {
      // The files that failed are named in a header; the download holds the others.
      const failedNames = outcomes.flatMap((o, i) => (o.ok ? [] : [encodeURIComponent(items[i]!.name)]));
      if (failedNames.length > 0) reply.header('x-doclayout-failed-files', failedNames.join(','));
      const docs = outcomes.flatMap((o) => (o.ok ? [withPageImages(o.doc, o.file)] : []));
      return sendExport(reply, exportDocuments(format, docs, { softwareVersion: ctx.version }));
    }
    return { results, succeeded, failed: outcomes.length - succeeded };
  });

  return Promise.resolve();
}
