/**
 * Page selections as users write them: "1-5,9", "3-" (3 to the end), "-4" (1 to 4), "all".
 * Pages are 1-based like every PDF viewer. A selection that names a page the document does not
 * have is an error rather than being clipped, so a typo never silently drops pages.
 */
import { PageRangeError, PdfError } from '../errors.js';

const ALL = /^\s*all\s*$/i;
const PART = /^(\d+)?\s*(-)?\s*(\d+)?$/;

export function parsePageRange(spec: string | undefined, pageCount: number): number[] {
  if (!Number.isInteger(pageCount) || pageCount < 0) throw PageRangeError(String(spec), `invalid page count ${pageCount}`);
  const all = (): number[] => Array.from({ length: pageCount }, (_, i) => i + 1);
  if (spec === undefined || spec.trim() === '' || ALL.test(spec)) return all();

  const pages = new Set<number>();
  for (const rawPart of spec.split(',')) {
    const part = rawPart.trim();
    const match = PART.exec(part);
    if (part === '' || !match || (match[1] === undefined && match[3] === undefined)) {
      throw PageRangeError(spec, `"${part}" is not a page or range (examples: 3, 1-5, 7-, all)`);
    }
    const isRange = match[2] !== undefined;
    if (!isRange && match[3] !== undefined) {
      // "3 4" — two numbers with no dash between them.
      throw PageRangeError(spec, `"${part}" is not a page or range (examples: 3, 1-5, 7-, all)`);
    }
    const first = match[1] === undefined ? 1 : Number(match[1]);
    const last = !isRange ? first : match[3] === undefined ? pageCount : Number(match[3]);
    if (first < 1 || last < 1) throw PageRangeError(spec, 'pages are numbered from 1');
    const beyond = Math.max(first, last);
    if (beyond > pageCount) throw PageRangeError(spec, `page ${beyond} is out of range: the document has ${pageCount} page${pageCount === 1 ? '' : 's'}`);
    if (first > last) throw PageRangeError(spec, `range ${first}-${last} runs backwards`);
    for (let page = first; page <= last; page++) pages.add(page);
  }
  return [...pages].sort((a, b) => a - b);
}

/**
 * The pages of a PDF that will be analysed: the selection, refused (never truncated) above
 * `maxPages` (0 = no cap). A PDF with no pages is an error, not an empty success: there is
 * nothing to analyse, and every route and the CLI answer it the same way.
 */
export function selectPdfPages(spec: string | undefined, pageCount: number, options: { name: string; maxPages: number }): number[] {
  if (pageCount === 0) throw PdfError(options.name, 'the document has no pages');
  const pages = parsePageRange(spec, pageCount);
  if (options.maxPages > 0 && pages.length > options.maxPages) {
    throw PdfError(options.name, `${pages.length} pages selected, above the cap of ${options.maxPages} (maxPdfPages)`);
  }
  return pages;
}
