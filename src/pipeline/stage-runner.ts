/**
 * Where a page's CPU stages (page-stages.ts) run: on a device worker's prep threads (PrepPool),
 * or inline on the calling thread (InlineStages: the library's and the CLI's model in process,
 * with no threads). The batch pipeline only sees this interface.
 */
import { renderPdfPage } from '../pdf/index.js';
import { finishPage, preparePage, type FinishedPage, type FinishRequest, type PreparedPage, type PrepareRequest } from './page-stages.js';

export interface StageRunner {
  prepare(request: PrepareRequest): Promise<PreparedPage>;
  finish(request: FinishRequest): Promise<FinishedPage>;
  close(): Promise<void>;
}

/**
 * The stages on the calling thread, one after another. A PDF page is the one exception: it is
 * rendered on the process's PDF threads (pdf/pdf-threads.ts), so it keeps its render time budget
 * (a hostile page fails alone with LAYOUT_ERR_PDF instead of wedging the caller).
 */
export class InlineStages implements StageRunner {
  async prepare(request: PrepareRequest): Promise<PreparedPage> {
    const { source, name, maxPixels } = request;
    if (source.kind !== 'pdf') return preparePage(request);
    const image = await renderPdfPage({ ref: source, name, maxPixels });
    return preparePage({ ...request, source: { kind: 'pixels', image } });
  }

  finish(request: FinishRequest): Promise<FinishedPage> {
    return finishPage(request);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
