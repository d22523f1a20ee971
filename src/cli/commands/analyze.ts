/**
 * `doclayout analyze <files|dirs|globs…>`: runs every page of every input, writes one JSON per
 * input (or JSONL), optional overlays, and a summary. A bad file is reported and skipped; the
 * exit code is 1 when any input failed.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config, OptionName } from '../../config.js';
import { InvalidParamError, toLayoutError } from '../../errors.js';
import { parseLayoutParams } from '../../model/index.js';
import { resolveModelPath } from '../../model/index.js';
import { sniffMediaType } from '../../model/index.js';
import type { LayoutParams, PageResult } from '../../model/index.js';
import { rasterizePdf } from '../../pdf/rasterize.js';
import { renderOverlay } from '../../visualize/overlay.js';
import { addConfigOptions, configFromOptions } from '../config-options.js';
import type { DecodedImage } from '../../model/index.js';
import { expandInputs, type InputFile } from '../input-files.js';
import { createInProcessAnalyzer, createPoolAnalyzer, type PageAnalyzer } from '../page-analyzer.js';
import { createProgress } from '../progress.js';

const CONFIG_OPTIONS: readonly OptionName[] = ['model', 'modelDir', 'devices', 'cpuThreads', 'maxBatch', 'pdfDpi', 'maxPdfPages', 'maxPixels', 'threshold'];

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
}

interface FileOutcome {
  readonly file: InputFile;
  readonly pages: PageResult[];
  readonly pageCount: number;
  /** Sniffed from the bytes: a PDF is written as { input, pages[] } even with one page. */
  readonly pdf?: boolean;
  readonly error?: string;
  readonly skipped?: boolean;
}

export function registerAnalyzeCommand(program: Command): void {
  const command = program
    .command('analyze')
    .description('Analyze images and PDFs (files, folders — recursively — or globs)')
    .argument('<inputs...>', 'files, directories or glob patterns')
    .option('-o, --out <dir>', 'write <input-name>.json per input into this folder (mirrors sub-folders)')
    .option('--jsonl <file>', 'append one JSON line per page to this file instead ("-" = stdout)')
    .option('--visualize', 'also write a PNG overlay per page (needs --out)')
    .option('--pages <list>', 'PDF pages, e.g. 1-5,9 (default: all)')
    .option('--resume', 'skip inputs whose output already exists')
    .option('--device <device>', 'cpu | cuda:N — shorthand for --devices with one device')
    .option('--no-layout-nms', 'disable layout NMS')
    .option('--merge-mode <mode>', 'union | large | small, or label:mode,… per class')
    .option('--unclip-ratio <ratio>', 'number, "w,h", or label:ratio,… per class')
    .option('--shape-mode <mode>', 'auto | rect | poly | quad')
    .option('--verbose', 'list the files in folders and globs that were ignored as neither image nor PDF');
  addConfigOptions(command, CONFIG_OPTIONS);
  command.action(async (inputs: string[], options: AnalyzeOptions, cmd: Command) => {
    const devicesGiven = cmd.getOptionValueSource('devices') === 'cli' || Boolean(process.env.DOCLAYOUT_DEVICES) || options.device !== undefined;
    if (options.device !== undefined) options.devices = options.device;
    const config = configFromOptions(options, CONFIG_OPTIONS);
    process.exitCode = await runAnalyze(inputs, options, config, devicesGiven);
  });
}

async function runAnalyze(inputs: string[], options: AnalyzeOptions, config: Config, usePool: boolean): Promise<number> {
  if (!options.out && !options.jsonl) throw InvalidParamError('--out', 'give --out DIR or --jsonl FILE');
  if (options.visualize && !options.out) throw InvalidParamError('--visualize', 'needs --out DIR');
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
  const done = options.resume && options.jsonl && options.jsonl !== '-' ? namesInJsonl(options.jsonl) : new Set<string>();
  const modelPath = resolveModelPath(config);
  const analyzer = usePool ? await createPoolAnalyzer(modelPath, config) : await createInProcessAnalyzer(modelPath, config);
  if (options.out) await fsp.mkdir(options.out, { recursive: true });
  const jsonl = options.jsonl === '-' ? process.stdout : options.jsonl ? fs.createWriteStream(options.jsonl, { flags: 'a' }) : undefined;

  const progress = createProgress(files.length);
  const started = Date.now();
  const outcomes: FileOutcome[] = [];
  let next = 0;
  // Keeps `concurrency` inputs in flight so a multi-device pool stays busy; 1 in-process.
  const lane = async (): Promise<void> => {
    while (next < files.length) {
      const file = files[next++]!;
      const outcome = await analyzeFile(file, analyzer, config, params, options, done);
      if (!outcome.skipped && !outcome.error) {
        if (jsonl) for (const page of outcome.pages) jsonl.write(`${JSON.stringify(page)}\n`);
        if (options.out) await writeOutputs(file, outcome, options);
      }
      outcomes.push(outcome);
      progress.fileDone(file.relative, outcome.pages.length, outcome.error);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(analyzer.concurrency, files.length) }, lane));
  } finally {
    progress.stop();
    await analyzer.close();
    if (jsonl && jsonl !== process.stdout) await new Promise<void>((resolve) => (jsonl as fs.WriteStream).end(resolve));
  }
  return summarize(outcomes, (Date.now() - started) / 1000, ignored, options.verbose === true);
}

async function analyzeFile(file: InputFile, analyzer: PageAnalyzer, config: Config, params: Partial<LayoutParams>, options: AnalyzeOptions, done: Set<string>): Promise<FileOutcome> {
  if (options.resume && (done.has(file.relative) || (options.out && fs.existsSync(outputPath(options.out, file, '.json'))))) {
    return { file, pages: [], pageCount: 0, skipped: true };
  }
  // Overlays are drawn while the page image is still in hand, so a PDF is rasterized once.
  const analyzePage = async (image: Uint8Array | DecodedImage, page: number, pdf: boolean): Promise<PageResult> => {
    const result = await analyzer.analyze(image, file.relative, page, params);
    if (options.visualize && options.out) {
      const target = outputPath(options.out, file, pdf ? `.page-${page}.png` : '.png');
      await fsp.mkdir(path.dirname(target), { recursive: true });
      await fsp.writeFile(target, await renderOverlay(image, result.regions));
    }
    return result;
  };
  try {
    const bytes = await fsp.readFile(file.path);
    const pages: PageResult[] = [];
    if (sniffMediaType(bytes) === 'pdf') {
      let pageCount = 0;
      const pending: Promise<PageResult>[] = [];
      for await (const page of rasterizePdf(bytes, { dpi: config.pdfDpi, pages: options.pages, maxPages: config.maxPdfPages, name: file.relative, maxPixels: config.maxPixels })) {
        pageCount = page.pageCount;
        pending.push(analyzePage(page.image, page.page, true));
        // Bound rendered pages held in memory while the analyzer works.
        if (pending.length >= analyzer.concurrency) pages.push(await pending.shift()!);
      }
      pages.push(...(await Promise.all(pending)));
      return { file, pages, pageCount, pdf: true };
    }
    pages.push(await analyzePage(bytes, 1, false));
    return { file, pages, pageCount: 1 };
  } catch (err) {
    const error = toLayoutError(err);
    return { file, pages: [], pageCount: 0, error: `${error.message} [${error.code}]` };
  }
}

function outputPath(outDir: string, file: InputFile, suffix: string): string {
  return path.join(outDir, `${file.relative}${suffix}`);
}

async function writeOutputs(file: InputFile, outcome: FileOutcome, options: AnalyzeOptions): Promise<void> {
  const out = options.out!;
  const target = outputPath(out, file, '.json');
  await fsp.mkdir(path.dirname(target), { recursive: true });
  const body = outcome.pdf
    ? { model: outcome.pages[0]?.model, input: { name: file.relative, pageCount: outcome.pageCount }, pages: outcome.pages }
    : outcome.pages[0];
  // The JSON goes after the overlays, so --resume never skips an input whose overlays were cut short.
  await fsp.writeFile(target, `${JSON.stringify(body, null, 2)}\n`);
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
  const skipped = outcomes.filter((o) => o.skipped).length;
  const pages = outcomes.reduce((sum, o) => sum + o.pages.length, 0);
  const regions = outcomes.reduce((sum, o) => sum + o.pages.reduce((s, p) => s + p.regions.length, 0), 0);
  process.stderr.write(
    `\n${outcomes.length - failed.length - skipped} ok, ${failed.length} failed, ${skipped} skipped; ` +
      `${pages} pages, ${regions} regions in ${seconds.toFixed(1)} s (${(pages / Math.max(seconds, 0.001)).toFixed(2)} pages/s)\n`,
  );
  for (const f of failed) process.stderr.write(`  failed: ${f.file.relative}: ${f.error}\n`);
  if (ignored.length > 0) process.stderr.write(`${ignoredNote(ignored, verbose)}\n`);
  return failed.length > 0 ? 1 : 0;
}
