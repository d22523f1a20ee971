/**
 * `doclayout analyze <files|dirs|globs…>`: runs every page of every input, writes one JSON per
 * input (or JSONL), optional overlays, and a summary. A bad file is reported and skipped; a PDF
 * page that fails alone is reported and its file's other pages are written (in the JSON as
 * `{ page, error }` in its place); the exit code is 1 when any input or page failed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config, OptionName } from '../../config.js';
import { createInProcessAnalyzer, type AnalyzedPage, type FailedPage } from '../../document/index.js';
import { createPoolAnalyzer } from '../../engine/index.js';
import { InvalidParamError } from '../../errors.js';
import { parseLayoutParams, resolveModelPath, type LayoutParams, type PageResult } from '../../model/index.js';
import { cropFileName } from '../../export/index.js';
import { analyzeFiles, type FileOutcome } from '../analyze-files.js';
import { CocoCollector, FORMAT_FLAG_HELP, formatDone, parseFormats, writeFormatFiles } from '../export-files.js';
import type { ExportFormat } from '../../export/index.js';
import { addConfigOptions, configFromOptions, optionGiven } from '../config-options.js';
import { expandInputs, type InputFile } from '../input-files.js';
import { createProgress } from '../progress.js';
import { jsonlLines, outputPath as resultPath, writeDocumentJson } from '../result-files.js';

const CONFIG_OPTIONS: readonly OptionName[] = ['model', 'modelDir', 'devices', 'cpuThreads', 'maxBatch', 'pdfDpi', 'maxPdfPages', 'pdfPageTimeoutMs', 'maxPixels', 'threshold'];

interface AnalyzeOptions extends Record<string, unknown> {
  out?: string;
  jsonl?: string;
  visualize?: boolean;
  pages?: string;
  resume?: boolean;
  device?: string;
  layoutNms?: boolean;
  mergeMode?: string;
  unclipRatio?: string;
  shapeMode?: string;
  verbose?: boolean;
  format?: string;
  crops?: string;
  cropLabels?: string;
  cropFormat?: string;
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .description('Analyze images and PDFs (files, folders — recursively — or globs)')
    .argument('<inputs...>', 'files, directories or glob patterns')
    .option('-o, --out <dir>', 'write <stem>.json per input into this folder (scan.pdf → scan.json; mirrors sub-folders)')
    .option('--jsonl <file>', 'append one JSON line per page to this file instead ("-" = stdout)')
    .option('--visualize', 'also write a PNG overlay per page (needs --out)')
    .option('--format <list>', FORMAT_FLAG_HELP)
    .option('--crops <dir>', 'write each region cut from its page into this folder (mirrors sub-folders)')
    .option('--crop-labels <list>', 'with --crops: only regions with these labels, e.g. table,image')
    .option('--crop-format <format>', 'with --crops: png (default) or jpeg')
    .option('--pages <list>', 'PDF pages, e.g. 1-5,9 (default: all)')
    .option('--resume', 'skip inputs whose output already exists')
    .option('--device <device>', 'cpu | cuda:N — shorthand for --devices with one device')
    .option('--no-layout-nms', 'disable layout NMS')
    .option('--merge-mode <mode>', 'union | large | small, or label:mode,… per class')
    .option('--unclip-ratio <ratio>', 'number, "w,h", or label:ratio,… per class')
    .option('--shape-mode <mode>', 'auto | rect | poly | quad')
    .option('--verbose', 'list the files in folders and globs that were ignored as neither image nor PDF');
  addConfigOptions(command, CONFIG_OPTIONS);
  command.action(async (inputs: string[], options: AnalyzeOptions) => {
    // Devices named by --device, --devices or DOCLAYOUT_DEVICES run on the pool; none → in process.
    const devicesGiven = options.device !== undefined || optionGiven(options, 'devices');
    if (options.device !== undefined) options.devices = options.device;
    const config = configFromOptions(options, CONFIG_OPTIONS);
    process.exitCode = await runAnalyze(inputs, options, config, devicesGiven);
  });
}

async function runAnalyze(inputs: string[], options: AnalyzeOptions, config: Config, usePool: boolean): Promise<number> {
  if (!options.out && !options.jsonl) throw InvalidParamError('--out', 'give --out DIR or --jsonl FILE');
  if (options.visualize && !options.out) throw InvalidParamError('--visualize', 'needs --out DIR');
  const formats = parseFormats(options.format);
  const crops = cropOptions(options);
  if (options.format !== undefined && !options.out) throw InvalidParamError('--format', 'needs --out DIR');
  // A COCO dataset covers one run; a resumed run would write one without the inputs it skips.
  if (formats.includes('coco') && options.resume) throw InvalidParamError('--format', 'coco cannot be combined with --resume (the dataset covers one run)');
  const params: Partial<LayoutParams> = parseLayoutParams({
    threshold: config.threshold,
    layoutNms: options.layoutNms === false ? false : undefined,
    mergeMode: options.mergeMode,
    unclipRatio: options.unclipRatio,
    shapeMode: options.shapeMode,
  });
  const { files, missing, ignored } = await expandInputs(inputs);
  for (const arg of missing) process.stderr.write(`doclayout: no input matches ${arg}\n`);
  if (files.length === 0) {
    process.stderr.write(`doclayout: nothing to analyze${ignored.length > 0 ? ` (${ignoredNote(ignored, options.verbose)})` : ''}\n`);
    return 1;
  }
  if (options.out) refuseSharedStems(files, options.out);
  const done = options.resume && options.jsonl && options.jsonl !== '-' ? namesInJsonl(options.jsonl) : new Set<string>();
  const modelPath = resolveModelPath(config);
  const analyzer = usePool ? await createPoolAnalyzer(modelPath, config) : await createInProcessAnalyzer(modelPath, config);
  if (options.out) await fsp.mkdir(options.out, { recursive: true });
  const jsonl = options.jsonl === '-' ? process.stdout : options.jsonl ? fs.createWriteStream(options.jsonl, { flags: 'a' }) : undefined;
  const out = options.out;

  const coco = formats.includes('coco') ? new CocoCollector() : undefined;
  const cocoImages = new Map<string, Map<number, Uint8Array>>();
  const pageImagesOf = (file: InputFile): Map<number, Uint8Array> => {
    let images = cocoImages.get(file.relative);
    if (!images) cocoImages.set(file.relative, (images = new Map()));
    return images;
  };
  const progress = createProgress(files.length);
  const started = Date.now();
  const stop = stopOnSignal();
  let outcomes: FileOutcome[];
  try {
    outcomes = await analyzeFiles(files, {
      analyzer,
      signal: stop.signal,
      // Local files have no upload or spool bound (the disk still is one); the page and pixel limits still apply.
      limits: { maxPixels: config.maxPixels, pdfDpi: config.pdfDpi, maxPdfPages: config.maxPdfPages, pdfPageTimeoutMs: config.pdfPageTimeoutMs, spoolMaxMb: 0 },
      params,
      pages: options.pages,
      skip: options.resume ? (file) => done.has(file.relative) || (out !== undefined && formats.every((f) => formatDone(out, file.relative, f))) : undefined,
      // Drawn where the pixels are (PNG overlay, crops), written here from the returned bytes.
      ...(options.visualize && out ? { visualize: true } : {}),
      ...(crops ? { crops: { format: crops.format, ...(crops.labels ? { labels: crops.labels } : {}) } } : {}),
      // A COCO dataset holds the page images its annotations name: a PDF page's as analysed.
      ...(coco ? { returnImage: true } : {}),
      onPage: (options.visualize && out) || crops || coco
        ? async (file, page, pdf) => {
          if (options.visualize && out) await writeOverlay(out, file, page, pdf);
          if (crops) await writeCrops(crops.dir, file, page, pdf);
          if (coco && pdf && page.image) pageImagesOf(file).set(page.result.input.page ?? 1, Buffer.from(page.image, 'base64'));
        }
        : undefined,
      onFile: async (outcome) => {
        const images = cocoImages.get(outcome.file.relative);
        cocoImages.delete(outcome.file.relative);
        // Stopped by Ctrl-C: nothing is written, --resume does the file again.
        if (outcome.interrupted) return;
        if (!outcome.skipped && !outcome.error) {
          if (jsonl) jsonl.write(jsonlLines(outcome.pages));
          if (out) await writeOutputs(out, outcome, formats, analyzer.labels);
          if (coco && out) {
            // An image is its own page image: the dataset gets the input's bytes.
            const pageImages = outcome.pdf ? images : new Map([[1, await fsp.readFile(outcome.file.path)]]);
            await coco.add(out, { relative: outcome.file.relative, pdf: Boolean(outcome.pdf), pages: outcome.pages, ...(pageImages ? { pageImages } : {}) });
          }
        }
        if (outcome.skipped) progress.fileSkipped(outcome.file.relative);
        else progress.fileDone(outcome.file.relative, outcome.pages.length, outcome.error, (outcome.failedPages ?? []).map(describeFailedPage));
      },
    });
  } finally {
    stop.dispose();
    progress.stop();
    await analyzer.close();
    if (jsonl && jsonl !== process.stdout) await new Promise<void>((resolve) => (jsonl as fs.WriteStream).end(resolve));
  }
  if (coco && out) process.stderr.write(`COCO dataset: ${await coco.write(out, { labels: analyzer.labels })}\n`);
  const code = summarize(outcomes, (Date.now() - started) / 1000, ignored, options.verbose === true);
  if (!stop.signal.aborted) return code;
  process.stderr.write(interruptedNote(outcomes, stop.signalName, formats, options.jsonl));
  return stop.signalName === 'SIGTERM' ? 143 : 130;
}

/**
 * Ctrl-C / SIGTERM: the first stops the run after the pages in flight (their files' outputs, and
 * those of every finished file, are kept); a second quits at once.
 */
function stopOnSignal(): { signal: AbortSignal; signalName: string; dispose(): void } {
  const controller = new AbortController();
  const state = { signal: controller.signal, signalName: '', dispose: () => undefined as void };
  const onSignal = (name: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      process.stderr.write(`\ndoclayout: ${name} again, quitting now\n`);
      process.exit(name === 'SIGTERM' ? 143 : 130);
    }
    state.signalName = name;
    process.stderr.write(`\ndoclayout: ${name}, stopping after the pages in flight (${name === 'SIGINT' ? 'Ctrl-C' : name} again to quit at once)\n`);
    controller.abort(new Error(`interrupted by ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  state.dispose = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  return state;
}

/** What an interrupted run finished and the command that carries on from there. */
function interruptedNote(outcomes: readonly FileOutcome[], signalName: string, formats: readonly ExportFormat[], jsonl: string | undefined): string {
  const finished = outcomes.filter((o) => !o.interrupted).length;
  const pages = outcomes.reduce((sum, o) => sum + o.pages.length, 0);
  const args = process.argv.slice(2).map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`));
  if (!args.includes('--resume')) args.push('--resume');
  const note = formats.includes('coco') ? ' (a COCO dataset covers one run: drop coco from --format to resume)' : jsonl === '-' ? ' (--resume needs --out or a --jsonl file)' : '';
  return `interrupted by ${signalName}: ${finished} of ${outcomes.length} files done (${pages} pages); to carry on${note}:\n  doclayout ${args.join(' ')}\n`;
}

function cropOptions(options: AnalyzeOptions): { dir: string; format: 'png' | 'jpeg'; labels?: string[] } | undefined {
  if (options.crops === undefined) {
    if (options.cropLabels !== undefined || options.cropFormat !== undefined) throw InvalidParamError('--crops', '--crop-labels and --crop-format need --crops DIR');
    return undefined;
  }
  const format = options.cropFormat ?? 'png';
  if (format !== 'png' && format !== 'jpeg') throw InvalidParamError('--crop-format', `expected png or jpeg, got "${format}"`);
  const labels = options.cropLabels?.split(',').map((s) => s.trim()).filter(Boolean);
  return { dir: options.crops, format, ...(labels && labels.length > 0 ? { labels } : {}) };
}

/** The page's regions as image files, named `<page stem>-r<NNN>-<label>.<ext>` (reading order) in its mirror folder. */
async function writeCrops(dir: string, file: InputFile, page: AnalyzedPage, pdf: boolean): Promise<void> {
  const crops = page.crops ?? [];
  if (crops.length === 0) return;
  const folder = path.join(dir, path.dirname(file.relative));
  await fsp.mkdir(folder, { recursive: true });
  const source = { name: path.basename(file.relative), isPdf: pdf };
  for (const crop of crops) await fsp.writeFile(path.join(folder, cropFileName(source, page.result, crop)), crop.data);
}

async function writeOverlay(out: string, file: InputFile, page: AnalyzedPage, pdf: boolean): Promise<void> {
  if (page.overlay === undefined) return;
  const target = resultPath(out, file.relative, pdf, 'overlay', pdf ? page.result.input.page ?? 1 : undefined);
  await fsp.mkdir(path.dirname(target), { recursive: true });
  await fsp.writeFile(target, Buffer.from(page.overlay, 'base64'));
}

async function writeOutputs(out: string, outcome: FileOutcome, formats: readonly ExportFormat[], labels: readonly string[] | undefined): Promise<void> {
  const doc = { relative: outcome.file.relative, pdf: Boolean(outcome.pdf), pages: outcome.pages };
  await writeFormatFiles(out, doc, formats, { labels });
  if (!formats.includes('json')) return;
  // The JSON goes after the overlays, so --resume never skips an input whose overlays were cut short.
  const failedPages = (outcome.failedPages ?? []).map((f) => ({ page: f.page, error: { code: f.error.code, message: f.error.message } }));
  await writeDocumentJson(out, { ...doc, pageCount: outcome.pageCount, failedPages });
}

/** `a.jpg` and `a.png` in one folder would both write `a.json`: refused before any work. */
function refuseSharedStems(files: readonly InputFile[], out: string): void {
  const seen = new Map<string, string>();
  for (const file of files) {
    const target = resultPath(out, file.relative, false, 'json');
    const other = seen.get(target);
    if (other) throw InvalidParamError('inputs', `${other} and ${file.relative} would both write ${path.relative(out, target)}; rename one or analyze them into separate --out folders`);
    seen.set(target, file.relative);
  }
}

function describeFailedPage(failed: FailedPage): string {
  return `page ${failed.page}: ${failed.error.message} [${failed.error.code}]`;
}

function namesInJsonl(file: string): Set<string> {
  const names = new Set<string>();
  if (!fs.existsSync(file)) return names;
  for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      names.add((JSON.parse(line) as PageResult).input.name);
    } catch {
      // a line cut short by an interrupted run: that input is simply done again
    }
  }
  return names;
}

/** "3 files ignored: not images or PDFs by their bytes" plus the names with --verbose. */
function ignoredNote(ignored: readonly string[], verbose: boolean | undefined): string {
  const count = `${ignored.length} file${ignored.length === 1 ? '' : 's'} ignored: not images or PDFs by their bytes`;
  return verbose ? `${count}:\n${ignored.map((f) => `  ignored: ${f}`).join('\n')}` : `${count} (--verbose lists them)`;
}

function summarize(outcomes: readonly FileOutcome[], seconds: number, ignored: readonly string[], verbose: boolean): number {
  const failed = outcomes.filter((o) => o.error);
  const partial = outcomes.filter((o) => (o.failedPages?.length ?? 0) > 0);
  const skipped = outcomes.filter((o) => o.skipped).length;
  const interrupted = outcomes.filter((o) => o.interrupted).length;
  const pages = outcomes.reduce((sum, o) => sum + o.pages.length, 0);
  const failedPages = partial.reduce((sum, o) => sum + o.failedPages!.length, 0);
  const regions = outcomes.reduce((sum, o) => sum + o.pages.reduce((s, p) => s + p.regions.length, 0), 0);
  process.stderr.write(
    `\n${outcomes.length - failed.length - partial.length - skipped - interrupted} ok, ${partial.length > 0 ? `${partial.length} partial, ` : ''}${failed.length} failed, ${skipped} skipped${interrupted > 0 ? `, ${interrupted} not done (interrupted)` : ''}; ` +
      `${pages} pages${failedPages > 0 ? ` (${failedPages} failed)` : ''}, ${regions} regions in ${seconds.toFixed(1)} s (${(pages / Math.max(seconds, 0.001)).toFixed(2)} pages/s)\n`,
  );
  for (const f of failed) process.stderr.write(`  failed: ${f.file.relative}: ${f.error}\n`);
  for (const p of partial) for (const page of p.failedPages!) process.stderr.write(`  failed: ${p.file.relative} ${describeFailedPage(page)}\n`);
  if (ignored.length > 0) process.stderr.write(`${ignoredNote(ignored, verbose)}\n`);
  return failed.length > 0 || failedPages > 0 ? 1 : 0;
}
