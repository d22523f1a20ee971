/**
 * The `/v1` result JSON: for an image, the engine's page result plus `device` and the pool's
 * timing (what `doclayout analyze` writes, plus serving facts); for a PDF, the same per page
 * under `pages`, as `doclayout analyze` writes PDFs (one body for both: export/json-body.ts). A PDF page that failed alone is
 * `{ page, error: { code, message } }` in its place, and the document then says `failedPages`.
 */
import type { AnalyzedDocument, AnalyzedPage, FailedPage } from '../document/index.js';
import { pdfResultBody } from '../export/index.js';

function pageBody(page: AnalyzedPage): Record<string, unknown> {
  return {
    ...page.result,
    ...(page.overlay === undefined ? {} : { overlay: page.overlay }),
    ...(page.image === undefined ? {} : { image: page.image }),
  };
}

export function failedPageBody(failed: FailedPage): { page: number; error: { code: string; message: string } } {
  return { page: failed.page, error: { code: failed.error.code, message: failed.error.message } };
}

export function documentBody(doc: AnalyzedDocument, totalMs: number): Record<string, unknown> {
  if (doc.mediaType !== 'pdf') return pageBody(doc.pages[0]!);
  return {
    ...pdfResultBody(doc.name, doc.pageCount, doc.pages.map(pageBody) as Array<Record<string, unknown> & { input: { page?: number } }>, doc.failedPages.map(failedPageBody)),
    timing: { totalMs: Math.round(totalMs * 10) / 10 },
  };
}

/** Query parameters shared by the analysis routes, for validation and the OpenAPI page. */
export const layoutQuerySchema = {
  type: 'object',
  properties: {
    threshold: { type: 'string', description: 'Score threshold 0-1, or per class "text:0.3,table:0.6" / JSON object. Default 0.5' },
    layoutNms: { type: 'string', description: 'Layout NMS on/off (true|false). Default true' },
    unclipRatio: { type: 'string', description: 'Box expansion: number, "w,h", or per class map. Default 1' },
    mergeMode: { type: 'string', description: 'union | large | small, or per class map. Default union' },
    shapeMode: { type: 'string', enum: ['auto', 'rect', 'poly', 'quad'], description: 'Region shape. Default auto' },
    filterOverlap: { type: 'string', description: "PaddleX's overlap filter on/off. Default true" },
    pages: { type: 'string', description: 'PDF pages, e.g. "1-3,7" (default: all)' },
    visualize: { type: 'string', description: 'Add a base64 PNG overlay per page (true|false)' },
    returnImage: { type: 'string', description: 'Add each page as analysed, base64 JPEG (true|false)' },
    timeoutMs: { type: 'string', description: 'Shorter deadline for this request, ms' },
    priority: { type: 'string', enum: ['interactive', 'batch'], description: 'Admission class: interactive (default on sync routes) goes ahead of batch (jobs); a bulk caller may ask for batch. Jobs are always batch' },
    name: { type: 'string', description: 'File name used in results for a raw-body upload' },
  },
} as const;

const regionSchema = {
  type: 'object',
  properties: {
    label: { type: 'string' },
    labelId: { type: 'integer' },
    score: { type: 'number' },
    bbox: { type: 'array', items: { type: 'number' }, minItems: 4, maxItems: 4, description: 'xyxy, original pixels' },
    polygon: { type: 'array', items: { type: 'array', items: { type: 'number' } } },
    order: { type: ['integer', 'null'], description: 'Reading order from 1; null outside the text flow' },
  },
} as const;

/** Documentation-only schema of a page result (responses are not re-serialised through it). */
const pageResultDoc = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    input: { type: 'object', properties: { name: { type: 'string' }, page: { type: 'integer' }, width: { type: 'integer' }, height: { type: 'integer' } } },
    regions: { type: 'array', items: regionSchema },
    device: { type: 'string', example: 'cuda:0' },
    deviceIndex: { type: 'integer' },
    timing: {
      type: 'object',
      properties: {
        decodeMs: { type: 'number' }, preprocessMs: { type: 'number' }, inferMs: { type: 'number' }, postprocessMs: { type: 'number' },
        queueMs: { type: 'number' }, totalMs: { type: 'number' }, batchSize: { type: 'integer' },
      },
    },
    overlay: { type: 'string', description: 'base64 PNG (visualize=true)' },
    image: { type: 'string', description: 'base64 JPEG (returnImage=true)' },
  },
} as const;

const failedPageDoc = {
  type: 'object',
  description: 'A PDF page whose own rendering failed (LAYOUT_ERR_PDF: a broken page, or past pdfPageTimeoutMs); the other pages went on',
  required: ['page', 'error'],
  properties: {
    page: { type: 'integer' },
    error: { type: 'object', properties: { code: { type: 'string', example: 'LAYOUT_ERR_PDF' }, message: { type: 'string' } } },
  },
} as const;

/** Documentation-only schema of a PDF's result. */
const pdfResultDoc = {
  type: 'object',
  properties: {
    model: { type: 'string' },
    input: { type: 'object', properties: { name: { type: 'string' }, type: { type: 'string', enum: ['pdf'] }, pageCount: { type: 'integer' } } },
    pages: { type: 'array', description: 'Selected pages in document order', items: { oneOf: [pageResultDoc, failedPageDoc] } },
    failedPages: { type: 'integer', description: 'Pages that failed alone (present only when some did; when every selected page fails, the request fails)' },
    timing: { type: 'object', properties: { totalMs: { type: 'number' } } },
  },
} as const;

/** Documentation-only schema of one document's result: a page result (image) or the PDF's pages. */
export const documentResultDoc = {
  description: 'Page result (image) or { model, input, pages[], failedPages? } (PDF)',
  oneOf: [pageResultDoc, pdfResultDoc],
} as const;

export const errorDoc = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' } } } },
} as const;
