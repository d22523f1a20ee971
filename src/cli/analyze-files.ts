/**
 * The `analyze` command's work loop: many input files through one page analyzer. Every file
 * shares ONE page window, so pages in flight over all files together stay within what the
 * analyzer can work on (files in flight never multiply it). A bad file is an outcome with an
 * error, never a thrown exception: the run goes on with the next file; a PDF page that fails
 * alone is listed in its file's outcome next to the pages that went on. When `signal` aborts
 * (Ctrl-C), no new file starts, the files in progress stop after their pages in flight, and
 * those files and the ones never started are outcomes marked `interrupted`.
 */
import fsp from 'node:fs/promises';
import { toLayoutError } from '../errors.js';
import { analyzeDocument, PageWindow, type AnalyzedPage, type DocumentLimits, type FailedPage, type PageAnalyzer } from '../document/index.js';
import type { LayoutParams, MediaType, PageResult } from '../model/index.js';
import type { InputFile } from './input-files.js';

export interface FileOutcome {
  readonly file: InputFile;
  readonly pages: PageResult[];
  /** PDF pages that failed alone (LAYOUT_ERR_PDF) while the file's other pages went on. */
  readonly failedPages?: readonly FailedPage[];
  readonly pageCount: number;
  /** Sniffed from the bytes: a PDF is written as { input, pages[] } even with one page. */
  readonly pdf?: boolean;
  readonly error?: string;
  readonly skipped?: boolean;
  /** Stopped by the signal (or never started): no output was written; --resume does it again. */
  readonly interrupted?: boolean;
}

interface AnalyzeFilesOptions {
  readonly analyzer: PageAnalyzer;
  /** Aborts the run: no new file starts, files in progress stop after their pages in flight. */
  readonly signal?: AbortSignal;
  readonly limits: DocumentLimits;
  readonly params: Partial<LayoutParams>;
  /** PDF page selection, for every PDF. */
  readonly pages?: string;
  /** Files to leave alone (--resume). */
  readonly skip?: (file: InputFile) => boolean;
  /** Images to make of every page where its pixels are (the overlay as PNG, the regions cut out). */
  readonly visualize?: boolean;
  readonly crops?: { readonly format: 'png' | 'jpeg'; readonly labels?: readonly string[] };
  /** Also return each page as analysed (JPEG), for a COCO dataset's images. */
  readonly returnImage?: boolean;
  /** Runs per page with its encoded images, inside its window slot (overlay and crop files are written here). */
  readonly onPage?: (file: InputFile, page: AnalyzedPage, pdf: boolean) => Promise<void>;
  /** Runs per finished file, in completion order, before the file's lane takes the next one (the returned list is in input order). */
  readonly onFile?: (outcome: FileOutcome) => Promise<void>;
}

/** One outcome per file, in the order of `files` (files finish in any order: a short one overtakes a long one). */
export async function analyzeFiles(files: readonly InputFile[], options: AnalyzeFilesOptions): Promise<FileOutcome[]> {
  const window = PageWindow.forCapacity(options.analyzer.capacity());
  const outcomes: FileOutcome[] = new Array(files.length);
  let next = 0;
  // As many files in flight as pages fit in the window: many small images keep every device
  // busy, while a long PDF's pages wait for slots that the other files' pages free.
  const lane = async (): Promise<void> => {
    while (next < files.length && !options.signal?.aborted) {
      const index = next++;
      const outcome = await analyzeFile(files[index]!, window, options);
      await options.onFile?.(outcome);
      outcomes[index] = outcome;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window.size, files.length) }, lane));
  // Files never started because the run was stopped.
  for (let i = 0; i < files.length; i++) outcomes[i] ??= { file: files[i]!, pages: [], pageCount: 0, interrupted: true };
  return outcomes;
}

async function analyzeFile(file: InputFile, window: PageWindow, options: AnalyzeFilesOptions): Promise<FileOutcome> {
  if (options.skip?.(file)) return { file, pages: [], pageCount: 0, skipped: true };
  try {
    const bytes = await fsp.readFile(file.path);
    const onPage = options.onPage;
    const doc = await analyzeDocument({ analyzer: options.analyzer, limits: options.limits }, { bytes, name: file.relative }, {
      params: options.params,
      pages: options.pages,
      window,
      ...(options.signal ? { signal: options.signal } : {}),
      // A bulk run is batch work (a pool it shares would serve interactive pages first).
      admission: { priority: 'batch' },
      ...(options.visualize ? { visualize: true } : {}),
      ...(options.crops ? { crops: options.crops } : {}),
      ...(options.returnImage ? { returnImage: true } : {}),
      ...(onPage ? { onPage: (page: AnalyzedPage, type: MediaType) => onPage(file, page, type === 'pdf') } : {}),
    });
    return { file, pages: doc.pages.map((p) => p.result), failedPages: doc.failedPages, pageCount: doc.pageCount, pdf: doc.mediaType === 'pdf' };
  } catch (err) {
    if (options.signal?.aborted) return { file, pages: [], pageCount: 0, interrupted: true };
    const error = toLayoutError(err);
    return { file, pages: [], pageCount: 0, error: `${error.message} [${error.code}]` };
  }
}
