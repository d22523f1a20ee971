/**
 * PaddleX basic-serving endpoints, so PaddleX clients work by changing only the URL:
 * `POST /object-detection` and the layout part of `POST /layout-parsing`. Success is
 * `{ logId, errorCode: 0, errorMsg: "Success", result }`; failures use the same envelope with
 * `errorCode` = HTTP status (422 for invalid requests, as PaddleX's validation does).
 * Unlike PaddleX's default (10 pages), every PDF page is processed — never truncated silently;
 * a PDF page that fails to render fails the request (PaddleX's results cannot say a page failed).
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { UnsupportedMediaError } from '../../errors.js';
import { checkUpload, type AnalyzedPage } from '../../document/index.js';
import type { LayoutParams } from '../../model/index.js';
import type { EngineResult } from '../../engine/index.js';
import { analyzeForRoute } from '../analysis-route.js';
import type { ServerContext } from '../context.js';
import {
  LabelIndex,
  dataInfo,
  detectedObjects,
  layoutParsingBodySchema,
  objectDetectionBodySchema,
  paddlexParams,
  prunedResult,
} from '../paddlex-mapping.js';
import { decodeBase64Field } from '../request-input.js';

const envelopeDoc = (result: Record<string, unknown>): Record<string, unknown> => ({
  type: 'object',
  properties: {
    logId: { type: 'string' },
    errorCode: { type: 'integer', example: 0 },
    errorMsg: { type: 'string', example: 'Success' },
    result,
  },
});

const failureDoc = {
  type: 'object',
  properties: { logId: { type: 'string' }, errorCode: { type: 'integer' }, errorMsg: { type: 'string' } },
};

export function paddlexRoutes(app: FastifyInstance, options: { ctx: ServerContext }): Promise<void> {
  const { ctx } = options;
  const labels = new LabelIndex();

  app.post('/object-detection', {
    schema: { tags: ['paddlex-compatible'], summary: 'PaddleX object detection (layout model)', body: objectDetectionBodySchema },
    config: {
      shed: true,
      errorFormat: 'paddlex',
      openapi: {
        response: {
          200: envelopeDoc({
            type: 'object',
            properties: {
              detectedObjects: {
                type: 'array',
                items: { type: 'object', properties: { bbox: { type: 'array', items: { type: 'number' } }, categoryId: { type: 'integer' }, categoryName: { type: 'string' }, score: { type: 'number' } } },
              },
              image: { type: 'string', description: 'base64 JPEG with the boxes drawn (visualize)' },
            },
          }),
          '4xx': failureDoc,
          '5xx': failureDoc,
        },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Record<string, unknown>;
    const doc = await analyzeForRoute(ctx, request, reply, '/object-detection', () => {
      const bytes = decodeBase64Field('image', body.image, ctx.config.maxUploadMb, body);
      const file = { bytes, name: 'image' };
      if (checkUpload(file, ctx.config.maxUploadMb) === 'pdf') throw UnsupportedMediaError('image', 'a PDF was sent where an image is expected');
      // PaddleX's output images are JPEGs: the worker draws the overlay and encodes it as one.
      return { file, options: { params: paddlexParams(body, labels), visualize: body.visualize !== false, overlayFormat: 'jpeg' as const } };
    });
    const page = doc.pages[0]!;
    labels.learn(page.result.regions);
    return {
      logId: request.id,
      errorCode: 0,
      errorMsg: 'Success',
      result: {
        detectedObjects: detectedObjects(page.result),
        ...(page.overlay ? { image: page.overlay } : {}),
      },
    };
  });

  app.post('/layout-parsing', {
    schema: { tags: ['paddlex-compatible'], summary: 'PaddleX layout parsing — the layout-detection part (per-page results)', body: layoutParsingBodySchema },
    config: {
      shed: true,
      errorFormat: 'paddlex',
      openapi: {
        response: {
          200: envelopeDoc({
            type: 'object',
            properties: {
              layoutParsingResults: {
                type: 'array',
                items: {
                  type: 'object',
                  properties: {
                    prunedResult: { type: 'object', additionalProperties: true, description: '{ page_index, width, height, model_settings, layout_det_res: { boxes: [{ cls_id, label, score, coordinate, order, polygon_points }] } }' },
                    outputImages: { type: 'object', additionalProperties: { type: 'string' } },
                    inputImage: { type: 'string' },
                  },
                },
              },
              dataInfo: { type: 'object', additionalProperties: true },
            },
          }),
          '4xx': failureDoc,
          '5xx': failureDoc,
        },
      },
    },
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const body = request.body as Record<string, unknown>;
    const logId = typeof body.logId === 'string' && body.logId ? body.logId : request.id;
    const visualize = body.visualize !== false;
    let params: Partial<LayoutParams> = {};
    const doc = await analyzeForRoute(ctx, request, reply, '/layout-parsing', () => {
      const bytes = decodeBase64Field('file', body.file, ctx.config.maxUploadMb, body);
      const file = { bytes, name: 'file' };
      const sniffed = checkUpload(file, ctx.config.maxUploadMb);
      if (body.fileType === 0 && sniffed !== 'pdf') throw UnsupportedMediaError('file', `fileType 0 (PDF) was given but the bytes are ${sniffed.toUpperCase()}`);
      if (body.fileType === 1 && sniffed === 'pdf') throw UnsupportedMediaError('file', 'fileType 1 (image) was given but the bytes are a PDF');
      params = paddlexParams({ ...body, threshold: body.layoutThreshold }, labels);
      return { file, options: { params, visualize, returnImage: visualize, overlayFormat: 'jpeg' as const } };
    });
    // PaddleX's per-page results have no error member, and a client would read an empty page as a
    // blank one: a page that failed alone fails the request here, with that page's error.
    if (doc.failedPages[0]) throw doc.failedPages[0].error;
    for (const page of doc.pages) labels.learn(page.result.regions);
    const isPdf = doc.mediaType === 'pdf';
    const results = doc.pages.map((page: AnalyzedPage<EngineResult>) => ({
      prunedResult: prunedResult(page.result, isPdf ? page.result.input.page - 1 : null, params),
      ...(page.overlay ? { outputImages: { layout_det_res: page.overlay } } : {}),
      ...(page.image ? { inputImage: page.image } : {}),
    }));
    return {
      logId,
      errorCode: 0,
      errorMsg: 'Success',
      result: { layoutParsingResults: results, dataInfo: dataInfo(doc.mediaType, doc.pageCount, doc.sizes) },
    };
  });

  return Promise.resolve();
}
