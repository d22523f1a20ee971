/**
 * The async job API: `POST /v1/jobs` (the body and parameters of /v1/layout, plus an optional
 * callbackUrl) → 202 `{ id, statusUrl }`; `GET /v1/jobs/:id` → state, pages done/total and, once
 * finished, per-page results or errors; `DELETE /v1/jobs/:id` cancels; `/events` (SSE) and
 * `/pages` (NDJSON) follow it as it runs (v1-job-follow.ts). With --redis the jobs live
 * in Redis and run on the cluster's workers; without it they run in this process.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkUpload } from '../../document/index.js';
import { InvalidParamError, JobNotFinishedError, JobNotFoundError } from '../../errors.js';
import { exportableJob, exportOffLoop, formatQueryDoc, parseFormat, sendExport } from '../export-reply.js';
import type { CallbackGuard, DocumentOptions, JobView } from '../../jobs/index.js';
import type { ServerContext } from '../context.js';
import { errorDoc, layoutQuerySchema } from '../layout-response.js';
import { parseRequestOptions } from '../request-input.js';
import { readLayoutInput } from '../analysis-route.js';
import { ANONYMOUS } from '../tenancy.js';
import { currentCarrier } from '../../tracing/index.js';
import { jobFollowRoutes } from './v1-job-follow.js';

const jobDoc = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    statusUrl: { type: 'string' },
    state: { type: 'string', enum: ['queued', 'running', 'completed', 'failed', 'canceled'] },
    name: { type: 'string' },
    pagesDone: { type: 'integer' },
    pagesTotal: { type: ['integer', 'null'], description: 'null until a worker has opened the document' },
    pagesFailed: { type: 'integer' },
    createdAt: { type: 'string', format: 'date-time' },
    finishedAt: { type: 'string', format: 'date-time' },
    error: errorDoc.properties.error,
    pages: {
      type: 'array',
      description: 'Once finished: one entry per page, { page, ok: true, result } or { page, ok: false, error }',
      items: { type: 'object', additionalProperties: true },
    },
  },
} as const;

const idParams = { type: 'object', required: ['id'], properties: { id: { type: 'string', maxLength: 128 } } } as const;

/** The characters of every id this service hands out (`job-…`, `b-….…`). */
const JOB_ID_FORM = /^[\w.-]{1,128}$/;

/**
 * A 404 that echoes the id only when it has the form of one: the path arrives URL-decoded, and
 * a client's markup, quotes or control characters must not come back in our error message.
 */
function jobNotFound(id: string): Error {
  return JobNotFoundError(JOB_ID_FORM.test(id) ? id : '(the id given has characters no job id has)');
}

/** A callbackUrl, checked against the SSRF guard now so a refused one is a 400, not a silent no-call later. */
async function callbackUrl(value: unknown, guard: CallbackGuard): Promise<string | undefined> {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value !== 'string') throw InvalidParamError('callbackUrl', 'expected an http(s) URL');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw InvalidParamError('callbackUrl', `"${value}" is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw InvalidParamError('callbackUrl', 'expected an http(s) URL');
  await guard.check(url.toString());
  return url.toString();
}

/** Another tenant's job reads as unknown: its existence is not theirs to learn. */
function ownJob(view: JobView | undefined, request: FastifyRequest, id: string): JobView {
  if (!view || (view.tenant ?? ANONYMOUS) !== (request.tenant?.name ?? ANONYMOUS)) throw jobNotFound(id);
  return view;
}

function withUrl(view: JobView): JobView & { statusUrl: string } {
  return { ...view, statusUrl: `/v1/jobs/${encodeURIComponent(view.id)}` };
}

function traceOption(): Pick<DocumentOptions, 'trace'> {
  const trace = currentCarrier();
  return trace ? { trace } : {};
}

export function v1JobsRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;

  app.post('/v1/jobs', {
    schema: { tags: ['jobs'], summary: 'Queue one image or PDF; poll statusUrl (or give callbackUrl) for the result', querystring: layoutQuerySchema },
    config: {
      shed: true,
      openapi: {
        body: {
          content: {
            'multipart/form-data': { schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' }, callbackUrl: { type: 'string' } } } },
            'application/json': { schema: { type: 'object', required: ['image'], properties: { image: { type: 'string', description: 'base64' }, name: { type: 'string' }, callbackUrl: { type: 'string' } }, additionalProperties: true } },
          },
        },
        response: { 202: { description: 'Queued', ...jobDoc }, '4xx': errorDoc, '5xx': errorDoc },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const input = await readLayoutInput(ctx, request);
    const file = input.files[0]!;
    // Refused here (400/413/415), not after queueing: the sniff reads a few header bytes only.
    checkUpload(file, ctx.config.maxUploadMb);
    const parsed = parseRequestOptions(input.fields, ctx.config);
    const callback = await callbackUrl(input.fields.callbackUrl, ctx.callbackGuard);
    const documentOptions: DocumentOptions = {
      params: parsed.params,
      ...(parsed.pages ? { pages: parsed.pages } : {}),
      pdfDpi: ctx.config.pdfDpi,
      maxPdfPages: ctx.config.maxPdfPages,
      ...(callback ? { callbackUrl: callback } : {}),
      ...(request.tenant && request.tenant.name !== ANONYMOUS ? { tenant: request.tenant.name } : {}),
      // This request's trace context, kept with an embedded job (its callbacks join the trace);
      // a cluster's job carries it in BullMQ's job options. Absent when tracing is off.
      ...(ctx.jobs.backend === 'embedded' ? traceOption() : {}),
    };
    const view = withUrl(await ctx.jobs.submit(file, documentOptions));
    reply.code(202).header('location', view.statusUrl);
    return view;
  });

  app.get('/v1/jobs/:id', {
    logLevel: 'warn',
    schema: {
      tags: ['jobs'],
      summary: 'A job\'s state, progress and (once finished) per-page results; with format=page|alto|coco, its results as that file',
      params: idParams,
      querystring: { type: 'object', properties: { format: formatQueryDoc } },
    },
    config: { tenant: true, openapi: { response: { 200: jobDoc, 404: errorDoc, 409: errorDoc } } },
  }, async (request: FastifyRequest<{ Params: { id: string } }>, reply: FastifyReply) => {
    const format = parseFormat(request.query as Record<string, unknown>);
    const view = ownJob(JOB_ID_FORM.test(request.params.id) ? await ctx.jobs.get(request.params.id) : undefined, request, request.params.id);
    if (format === 'json') return withUrl(view);
    const doc = exportableJob(view.name, view.pages ?? []);
    if (doc.pages.length === 0) throw JobNotFinishedError(view.id, view.state);
    const failed = (view.pages ?? []).filter((p) => !p.ok).map((p) => p.page);
    return sendExport(reply, await exportOffLoop(format, doc, { softwareVersion: ctx.version }), failed);
  });

  app.delete('/v1/jobs/:id', {
    schema: { tags: ['jobs'], summary: 'Cancel a job: waiting pages are dropped, running ones end', params: idParams },
    config: { tenant: true, openapi: { response: { 200: jobDoc, 404: errorDoc } } },
  }, async (request: FastifyRequest<{ Params: { id: string } }>) => {
    ownJob(JOB_ID_FORM.test(request.params.id) ? await ctx.jobs.get(request.params.id) : undefined, request, request.params.id);
    const view = await ctx.jobs.cancel(request.params.id);
    if (!view) throw jobNotFound(request.params.id);
    return withUrl(view);
  });

  jobFollowRoutes(app, ctx, ownJob, JOB_ID_FORM);
  return Promise.resolve();
}
