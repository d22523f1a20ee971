/**
 * `format=json|page|alto|coco` on the routes that return results: the format is checked before
 * any work starts (a bad one is a 400), and a non-JSON answer is sent as the file a client would
 * save, with its media type and a Content-Disposition name. Building the file is the export
 * layer's; this only adapts documents and jobs to it and writes the reply.
 */
import { fileURLToPath } from 'node:url';
import type { FastifyReply } from 'fastify';
import type { AnalyzedDocument } from '../document/index.js';
import { InvalidParamError } from '../errors.js';
import { EXPORT_FORMATS, exportDocument, isExportFormat, safeFileName, type ExportDocument, type ExportFile, type ExportFormat, type ExportOptions } from '../export/index.js';
import { BudgetedThreads } from '../util/budgeted-threads.js';
import { unwrapReply, type ThreadReply } from '../util/thread-reply.js';
import type { ExportTask } from './export-thread.js';
import type { PageOutcome } from '../jobs/index.js';
import type { PageResult } from '../model/index.js';

export const formatQueryDoc = {
  type: 'string',
  enum: [...EXPORT_FORMATS],
  description: 'Result format: json (default), page (PAGE-XML 2019-07-15; a zip of one file per page for several PDF pages), alto (ALTO v4, all pages in one file), coco (COCO dataset: a zip of coco.json and the page images)',
} as const;

/** The `format` field of a query/body, json when absent. */
export function parseFormat(fields: Record<string, unknown>): ExportFormat {
  const value = fields.format;
  if (value === undefined || value === '') return 'json';
  if (typeof value === 'string' && isExportFormat(value)) return value;
  throw InvalidParamError('format', `expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(value)}`);
}

/** A finished job's analysed pages (a job records no media type: more than one page, or a .pdf name, is a PDF). */
export function exportableJob(name: string, outcomes: readonly PageOutcome[]): ExportDocument {
  const pages: PageResult[] = outcomes.flatMap((o) => (o.ok ? [o.result] : []));
  const isPdf = outcomes.length > 1 || /\.pdf$/i.test(name);
  return { name, isPdf, pages };
}

/** Pages above which a document is written on the export thread rather than on the event loop. */
const OFF_LOOP_PAGES = 50;
const exportEntry = fileURLToPath(new URL('./export-thread.js', import.meta.url));
let exportThreads: BudgetedThreads<ExportTask, ThreadReply> | undefined;

/** exportDocument, on a thread for a large document (a 1,000-page job), so the event loop stays free. */
export async function exportOffLoop(format: 'page' | 'alto' | 'coco', doc: ExportDocument, options: ExportOptions = {}): Promise<ExportFile> {
  if (doc.pages.length <= OFF_LOOP_PAGES) return exportDocument(format, doc, options);
  // One thread, gone after a few idle seconds: exports are rare next to inference.
  exportThreads ??= new BudgetedThreads({ filename: exportEntry, threads: 1, minThreads: 0, idleTimeoutMs: 5_000 });
  const reply = await exportThreads.run({ format, doc, options });
  if (reply === 'timeout') throw new Error('export thread timed out');
  return unwrapReply<ExportFile>(reply);
}

/** Sends an exported file as a download; pages that failed alone are named in a header. */
export function sendExport(reply: FastifyReply, file: ExportFile, failedPages: readonly number[] = []): FastifyReply {
  const name = safeFileName(file.fileName);
  const ascii = name.replace(/[^\x20-\x7e]/g, '_');
  reply
    .type(file.contentType === 'application/json' ? 'application/json; charset=utf-8' : file.contentType.endsWith('+xml') ? `${file.contentType}; charset=utf-8` : file.contentType)
    .header('content-disposition', `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`);
  if (failedPages.length > 0) reply.header('x-doclayout-failed-pages', failedPages.join(','));
  return reply.send(typeof file.body === 'string' ? file.body : Buffer.from(file.body.buffer, file.body.byteOffset, file.body.byteLength));
}

export const cropsQueryDoc = {
  crops: { type: 'string', description: 'Answer a zip: the result (in `format`) plus every region cut from its page under crops/ (true), or only regions with these labels ("table,image")' },
  cropFormat: { type: 'string', enum: ['png', 'jpeg'], description: 'Encoding of the crops (default png)' },
} as const;

/** `crops=true|false|label,label…` and `cropFormat=png|jpeg`; undefined when no crops are asked. */
export function parseCrops(fields: Record<string, unknown>): { format: 'png' | 'jpeg'; labels?: string[] } | undefined {
  const value = fields.crops;
  const format = fields.cropFormat ?? 'png';
  if (format !== 'png' && format !== 'jpeg') throw InvalidParamError('cropFormat', `expected png or jpeg, got ${JSON.stringify(format)}`);
  if (value === undefined || value === '' || value === 'false' || value === false) return undefined;
  if (value === 'true' || value === true) return { format };
  if (typeof value !== 'string') throw InvalidParamError('crops', 'expected true, false or a comma-separated list of labels');
  const labels = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (labels.length === 0) throw InvalidParamError('crops', 'expected true, false or a comma-separated list of labels');
  return { format, labels };
}
