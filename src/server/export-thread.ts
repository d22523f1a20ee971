/**
 * Entry of an export thread (piscina): writes a job's results as PAGE-XML, ALTO or COCO — about
 * 1 ms a page on the event loop (bench:export), so 1,000 pages would hold it for a second.
 */
import { exportDocument, type ExportDocument, type ExportOptions } from '../export/index.js';
import { errorReply, type ThreadReply } from '../util/thread-reply.js';

export interface ExportTask {
  readonly format: 'page' | 'alto' | 'coco';
  readonly doc: ExportDocument;
  readonly options: ExportOptions;
}

export default function exportInThread(task: ExportTask): ThreadReply {
  try {
    return { ok: true, value: exportDocument(task.format, task.doc, task.options) };
  } catch (err) {
    return errorReply(err);
  }
}
