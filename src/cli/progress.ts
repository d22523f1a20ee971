/**
 * Progress for long `analyze` runs: a bar with pages/s and ETA on a terminal, one plain line per
 * input otherwise (logs, CI), so output stays readable in both.
 */
import cliProgress from 'cli-progress';

interface Progress {
  /** `failedPages`: "page N: why" for each PDF page that failed alone. */
  fileDone(name: string, pages: number, error?: string, failedPages?: readonly string[]): void;
  /** An input left alone (--resume: its output exists). */
  fileSkipped(name: string): void;
  stop(): void;
}

export function createProgress(totalFiles: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  let pages = 0;
  let files = 0;
  const rate = (): string => (pages / Math.max(0.001, (Date.now() - started) / 1000)).toFixed(2);
  if (stream.isTTY) {
    const bar = new cliProgress.SingleBar(
      { format: 'analyze [{bar}] {value}/{total} files | {pages} pages | {rate} pages/s | ETA {eta_formatted}', hideCursor: true, stream, etaBuffer: 20 },
      cliProgress.Presets.shades_classic,
    );
    bar.start(totalFiles, 0, { pages: 0, rate: '0.00' });
    return {
      fileDone(name, filePages, error, failedPages = []) {
        pages += filePages;
        files += 1;
        // Clear the bar's line, print the failure above it; the next update redraws the bar.
        if (error) stream.write(`\r\x1b[K✖ ${name}: ${error}\n`);
        for (const failed of failedPages) stream.write(`\r\x1b[K✖ ${name} ${failed}\n`);
        bar.update(files, { pages, rate: rate() });
      },
      fileSkipped() {
        files += 1;
        bar.update(files, { pages, rate: rate() });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    fileDone(name, filePages, error, failedPages = []) {
      pages += filePages;
      files += 1;
      stream.write(error
        ? `[${files}/${totalFiles}] FAILED ${name}: ${error}\n`
        : `[${files}/${totalFiles}] ${name}: ${filePages} page(s), ${rate()} pages/s\n`);
      for (const failed of failedPages) stream.write(`[${files}/${totalFiles}] FAILED ${name} ${failed}\n`);
    },
    fileSkipped(name) {
      files += 1;
      stream.write(`[${files}/${totalFiles}] skipped ${name}: output exists (--resume)\n`);
    },
    stop() {},
  };
}
