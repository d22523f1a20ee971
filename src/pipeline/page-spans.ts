/**
 * A page's spans in its device worker, children of its request's span (the W3C context its task
 * carries). The stages run on prep threads and the model on the inference thread; the spans are
 * recorded here, on the thread that hands them the work, from the wall time of each hand-off and
 * the timings the threads measure (decode or render, resize, post-process, overlay/crops): one
 * exporter per process, none per thread, and a thread that dies loses no span. So the trace
 * context goes no further than this thread: the prep and inference threads' messages carry none
 * (README "Tracing" says why spans made in the threads would add nothing).
 */
import type { LayoutError } from '../errors.js';
import { contextFrom, failSpan, pastSpan, withSpan } from '../tracing/index.js';
import type { FinishedPage, PreparedPage } from './page-stages.js';
import type { PipelineTask } from './types.js';

function pageAttributes(task: PipelineTask) {
  return { 'doclayout.page.name': task.name, 'doclayout.page.number': task.page ?? 1, 'doclayout.page.source': task.source.kind };
}

export const pageSpans = {
  /** page.prep [hand-off → prepared], with page.decode (page.render for a PDF) and page.resize laid back from its end. */
  prepared(task: PipelineTask, startedAt: number, outcome: PreparedPage | LayoutError): void {
    const endedAt = Date.now();
    const parent = contextFrom(task);
    const span = pastSpan('page.prep', parent, startedAt, endedAt, pageAttributes(task));
    if (!('pixels' in outcome)) {
      failSpan(span, outcome);
      return;
    }
    const inner = withSpan(parent, span);
    const resizeFrom = endedAt - outcome.preprocessMs;
    pastSpan(task.source.kind === 'pdf' ? 'page.render' : 'page.decode', inner, resizeFrom - outcome.decodeMs, resizeFrom, { 'doclayout.duration_ms': outcome.decodeMs });
    pastSpan('page.resize', inner, resizeFrom, endedAt, { 'doclayout.duration_ms': outcome.preprocessMs });
  },

  /** page.inference for each page of a batch: one model run, the batch's size and device on each. */
  inferred(tasks: readonly PipelineTask[], startedAt: number, batchSize: number, device: string | undefined, outcome: number | LayoutError): void {
    const endedAt = Date.now();
    for (const task of tasks) {
      const span = pastSpan('page.inference', contextFrom(task), startedAt, endedAt, {
        'doclayout.batch.size': batchSize,
        ...(device ? { 'doclayout.device': device } : {}),
        ...(typeof outcome === 'number' ? { 'doclayout.run_ms': outcome } : {}),
      });
      if (typeof outcome !== 'number') failSpan(span, outcome);
    }
  },

  /** page.postprocess [hand-off → regions], then page.images (overlay/crops) when asked for. */
  finished(task: PipelineTask, startedAt: number, outcome: FinishedPage | LayoutError): void {
    const endedAt = Date.now();
    const parent = contextFrom(task);
    if (!('regions' in outcome)) {
      failSpan(pastSpan('page.postprocess', parent, startedAt, endedAt, pageAttributes(task)), outcome);
      return;
    }
    const imagesFrom = endedAt - outcome.imagesMs;
    pastSpan('page.postprocess', parent, startedAt, imagesFrom, { ...pageAttributes(task), 'doclayout.regions': outcome.regions.length, 'doclayout.duration_ms': outcome.postprocessMs });
    if (task.outputs?.overlay || task.outputs?.crops) {
      pastSpan('page.images', parent, imagesFrom, endedAt, {
        ...(task.outputs.overlay ? { 'doclayout.overlay': task.outputs.overlay } : {}),
        ...(outcome.crops ? { 'doclayout.crops': outcome.crops.length } : {}),
      });
    }
  },
};
