/**
 * What every single-document route does around its own input and output: watch for the client
 * going away → read the input → analyse the document → count it → name the devices that
 * answered in `x-doclayout-device`. Routes differ only in how they read the input and shape
 * the answer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { analyzeDocument, type AnalyzeDocumentOptions, type AnalyzedDocument, type UploadedFile } from '../document/index.js';
import { InvalidParamError } from '../errors.js';
import type { EngineResult } from '../engine/index.js';
import { clientAbortSignal, devicesHeader, recordDocument, type ServerContext } from './context.js';
import { admissionFor } from './tenancy.js';
import { isMultipart, parseRequestOptions, readMultipart, readSingleBody, type RequestInput } from './request-input.js';

interface AnalysisInput {
  readonly file: UploadedFile;
  readonly options: Omit<AnalyzeDocumentOptions<EngineResult>, 'signal' | 'requestId' | 'window' | 'onPage' | 'admission'>;
  /** The `priority` the request asked for, if any. */
  readonly priority?: unknown;
}

/** Sync routes: somebody waits for the answer, so interactive unless the caller asks for batch. */
export const SYNC_ROUTE_PRIORITY = { default: 'interactive', max: 'interactive' } as const;

export async function analyzeForRoute(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
  readInput: () => AnalysisInput | Promise<AnalysisInput>,
): Promise<AnalyzedDocument<EngineResult>> {
  const signal = clientAbortSignal(request, reply);
  const { file, options, priority } = await readInput();
  const admission = admissionFor(request, priority, SYNC_ROUTE_PRIORITY);
  const doc = await analyzeDocument(ctx.documents, file, { ...options, signal, requestId: request.id, admission });
  recordDocument(ctx, route, doc);
  reply.header('x-doclayout-device', devicesHeader(doc.pages.map((p) => p.result)));
  return doc;
}

/** One file from multipart, JSON base64 or a raw body, with the options of the query/form/JSON. */
export async function readLayoutInput(ctx: ServerContext, request: FastifyRequest): Promise<RequestInput> {
  const input = isMultipart(request)
    ? await readMultipart(request, { maxUploadMb: ctx.config.maxUploadMb, maxFiles: 1 })
    : readSingleBody(request, ctx.config.maxUploadMb);
  if (input.files.length === 0) throw InvalidParamError('file', 'no file in the request (multipart field "file")');
  return input;
}

/**
 * The routes that take an upload the way /v1/layout does (/v1/layout, /v1/export, /analyze):
 * the document analysed with the request's options and the route's own `extra` (what its answer
 * needs: page images, crops), and the upload it came from (an image's page image is the upload).
 */
export async function analyzeUpload(
  ctx: ServerContext,
  request: FastifyRequest,
  reply: FastifyReply,
  route: string,
  extra: Partial<AnalysisInput['options']> = {},
): Promise<{ readonly doc: AnalyzedDocument<EngineResult>; readonly upload: UploadedFile }> {
  let upload: UploadedFile | undefined;
  const doc = await analyzeForRoute(ctx, request, reply, route, async () => {
    const input = await readLayoutInput(ctx, request);
    upload = input.files[0]!;
    return { file: upload, options: { ...parseRequestOptions(input.fields, ctx.config), ...extra }, priority: input.fields.priority };
  });
  return { doc, upload: upload! };
}
