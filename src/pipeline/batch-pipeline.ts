/**
 * The one page pipeline: batches of pages → prepare (decode/render → resize) → one model run per
 * batch → finish (each page's own rows post-processed, its overlay/crops drawn). In a device
 * worker the stages run on prep threads and the model on the inference thread; in process (the
 * library, the CLI without --devices) both run inline on the calling thread.
 *
 * Overlapped: a batch is prepared as soon as it arrives, while earlier batches run; batches then
 * run in arrival order (interactive batches before batch-class ones waiting), each one the
 * moment the previous run returns, and are finished
 * while the next one already runs. The pool sends up to `lookahead` batches beyond the running
 * one, so one is always prepared ahead (double buffering). Not overlapped: each batch is
 * prepared, run and finished before the next one starts.
 */
import { toLayoutError, type LayoutError } from '../errors.js';
import { selectPageOutputs, type ModelInfo, type PageGeometry, type PageResult, type RawOutputs } from '../model/index.js';
import type { StageModelInfo, PreparedPage } from './page-stages.js';
import type { StageRunner } from './stage-runner.js';
import { pageSpans } from './page-spans.js';
import type { PipelineOutcome, PipelineTask } from './types.js';

/** Batches queued beyond the running one when prep threads exist: one preparing, one prepared. */
const PIPELINE_LOOKAHEAD = 2;

/**
 * The device as the pipeline sees it: a device worker's inference client, a session in this
 * process (SessionDevice), or a test fixture's wrapper of one (see PoolOptions.workerEntry).
 */
export interface PipelineDevice {
  readonly info: ModelInfo;
  /** Runs batch `batchId` after those already sent; `pixels` is transferred. */
  run(pixels: Float32Array, geometries: readonly PageGeometry[], batchId: number): Promise<{ raw: RawOutputs; runMs: number }>;
  /** The run in progress (what heartbeats report); zeros when idle. */
  current(): { runningForMs: number; pages: number };
}

export interface BatchPipelineOptions {
  readonly stages: StageRunner;
  readonly inference: PipelineDevice;
  readonly maxPixels: number;
  /** False: each batch is prepared, run and finished before the next (no spare core to overlap onto, or inline). */
  readonly overlap: boolean;
  /** The device's name on the page spans (traced requests only). */
  readonly deviceName?: string;
  onRunStarted?(batchId: number): void;
  onResult(batchId: number, outcomes: PipelineOutcome[], runMs: number): void;
}

type Prepared = { readonly ok: true; readonly page: PreparedPage } | { readonly ok: false; readonly error: LayoutError };

/** A batch handed to the pipeline whose run has not begun. */
interface WaitingBatch {
  readonly batchId: number;
  readonly tasks: readonly PipelineTask[];
  readonly priority: 'interactive' | 'batch';
  /** Preparing since it arrived (overlapped); undefined inline, where it is prepared when its turn comes. */
  readonly prepared: Promise<Prepared[]> | undefined;
}

export class BatchPipeline {
  readonly #options: BatchPipelineOptions;
  readonly #info: StageModelInfo;
  readonly #inline: boolean;
  readonly #waiting: WaitingBatch[] = [];
  /** A batch is running (overlapped) or running and finishing (inline). */
  #busy = false;

  constructor(options: BatchPipelineOptions) {
    this.#options = options;
    const { info } = options.inference;
    this.#info = {
      inputWidth: info.inputWidth, inputHeight: info.inputHeight, mean: info.mean, std: info.std,
      labels: info.labels, variant: info.variant, hasOrder: info.hasOrder, hasMasks: info.hasMasks, rowWidth: info.rowWidth,
    };
    this.#inline = !options.overlap;
  }

  /** Batches the pool should send beyond the running one. */
  get lookahead(): number {
    return this.#inline ? 0 : PIPELINE_LOOKAHEAD;
  }

  submit(batchId: number, tasks: readonly PipelineTask[], priority: 'interactive' | 'batch' = 'batch'): void {
    // Overlapped: start preparing now, behind nothing but the prep threads' own queue.
    this.#waiting.push({ batchId, tasks, priority, prepared: this.#inline ? undefined : this.#prepareAll(tasks) });
    this.#runNext();
  }

  #prepareAll(tasks: readonly PipelineTask[]): Promise<Prepared[]> {
    return Promise.all(tasks.map((task) => this.#prepare(task)));
  }

  /**
   * Starts the next waiting batch once the device is free: an interactive one before batch-class
   * ones that arrived earlier (the pool sends a batch-class batch ahead to keep the device fed;
   * a person's page must not queue behind it), else the oldest.
   */
  #runNext(): void {
    if (this.#busy || this.#waiting.length === 0) return;
    const interactive = this.#waiting.findIndex((b) => b.priority === 'interactive');
    const [batch] = this.#waiting.splice(Math.max(0, interactive), 1);
    this.#busy = true;
    void (async () => {
      const pages = await (batch!.prepared ?? this.#prepareAll(batch!.tasks));
      const finished = this.#runAndFinish(batch!.batchId, batch!.tasks, pages);
      // The next batch may run as soon as this run returned; inline, only once it is finished.
      await (this.#inline ? finished.done : finished.ran);
    })()
      .catch((err: unknown) => process.stderr.write(`doclayout: batch ${batch!.batchId} failed outside its pages: ${String(err)}\n`))
      .finally(() => {
        this.#busy = false;
        this.#runNext();
      });
  }

  async #prepare(task: PipelineTask): Promise<Prepared> {
    const startedAt = Date.now();
    try {
      const page = await this.#options.stages.prepare({ source: task.source, name: task.name, maxPixels: this.#options.maxPixels, info: this.#info, outputs: task.outputs });
      if (task.traceparent) pageSpans.prepared(task, startedAt, page);
      return { ok: true, page };
    } catch (err) {
      const error = toLayoutError(err);
      if (task.traceparent) pageSpans.prepared(task, startedAt, error);
      return { ok: false, error };
    }
  }

  #runAndFinish(batchId: number, tasks: readonly PipelineTask[], prepared: readonly Prepared[]): { ran: Promise<void>; done: Promise<void> } {
    const outcomes: PipelineOutcome[] = new Array(tasks.length);
    const ready: Array<{ index: number; page: PreparedPage }> = [];
    prepared.forEach((p, index) => {
      if (p.ok) ready.push({ index, page: p.page });
      else outcomes[index] = { taskId: tasks[index]!.taskId, ok: false, code: p.error.code, message: p.error.message };
    });
    const runStartedAt = Date.now();
    const ran = ready.length === 0 ? Promise.resolve(undefined) : this.#run(batchId, ready);
    const done = ran.then(async (result) => {
      if (result) {
        const traced = ready.map(({ index }) => tasks[index]!).filter((task) => task.traceparent);
        if (traced.length > 0) pageSpans.inferred(traced, runStartedAt, ready.length, this.#options.deviceName, 'error' in result ? result.error : result.runMs);
      }
      if (result && 'error' in result) {
        for (const { index } of ready) outcomes[index] = { taskId: tasks[index]!.taskId, ok: false, code: result.error.code, message: result.error.message };
      } else if (result) {
        await Promise.all(ready.map(({ index, page }, imageIndex) => this.#finish(tasks[index]!, page, result, imageIndex, ready.length).then((o) => { outcomes[index] = o; })));
      }
      this.#options.onResult(batchId, outcomes, result && 'runMs' in result ? result.runMs : 0);
    });
    return { ran: ran.then(() => undefined), done };
  }

  async #run(
    batchId: number,
    ready: ReadonlyArray<{ index: number; page: PreparedPage }>,
  ): Promise<{ raw: RawOutputs; runMs: number } | { error: LayoutError }> {
    const { inference } = this.#options;
    this.#options.onRunStarted?.(batchId);
    const pageLength = ready[0]!.page.pixels.length;
    let pixels = ready[0]!.page.pixels;
    if (ready.length > 1) {
      pixels = new Float32Array(ready.length * pageLength);
      ready.forEach(({ page }, i) => pixels.set(page.pixels, i * pageLength));
    }
    try {
      return await inference.run(pixels, ready.map(({ page }) => page.geometry), batchId);
    } catch (err) {
      return { error: toLayoutError(err) };
    }
  }

  async #finish(
    task: PipelineTask,
    page: PreparedPage,
    result: { raw: RawOutputs; runMs: number },
    imageIndex: number,
    batchPages: number,
  ): Promise<PipelineOutcome> {
    const startedAt = Date.now();
    try {
      // This page's rows that can pass its threshold, with their masks: kilobytes, not 48 MB.
      const raw = selectPageOutputs(result.raw, imageIndex, task.params.threshold);
      const done = await this.#options.stages.finish({ raw, geometry: page.geometry, info: this.#info, params: task.params, image: page.image, overlay: task.outputs?.overlay, crops: task.outputs?.crops });
      if (task.traceparent) pageSpans.finished(task, startedAt, done);
      const pageResult: PageResult = {
        model: this.#options.inference.info.name,
        input: { name: task.name, page: task.page ?? 1, width: page.geometry.width, height: page.geometry.height },
        regions: done.regions,
        // The batch shares one forward pass; each page is charged its share.
        timing: { decodeMs: page.decodeMs, preprocessMs: page.preprocessMs, inferMs: result.runMs / batchPages, postprocessMs: done.postprocessMs },
      };
      const images = { ...(done.overlay ? { overlay: done.overlay } : {}), ...(page.pageJpeg ? { pageJpeg: page.pageJpeg } : {}), ...(done.crops ? { crops: done.crops } : {}) };
      return { taskId: task.taskId, ok: true, result: pageResult, ...(Object.keys(images).length > 0 ? { images } : {}) };
    } catch (err) {
      const error = toLayoutError(err);
      if (task.traceparent) pageSpans.finished(task, startedAt, error);
      return { taskId: task.taskId, ok: false, code: error.code, message: error.message };
    }
  }
}
