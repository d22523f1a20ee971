/**
 * The JSON of one document, the same from the HTTP API, the CLI and the jobs: an image is its
 * page result; a PDF is `{ model, input: { name, type: 'pdf', pageCount }, pages[], failedPages? }`
 * with its pages in document order, a page that failed alone as `{ page, error }` in its place.
 * Callers add their own extras to a page (device, overlay) or to the document (timing).
 */
export interface FailedPageBody {
  readonly page: number;
  readonly error: { readonly code: string; readonly message: string };
}

interface PageBody {
  readonly model?: string;
  readonly input: { readonly page?: number };
}

export interface PdfBody<P> {
  model: string | undefined;
  input: { name: string; type: 'pdf'; pageCount: number };
  pages: Array<P | FailedPageBody>;
  failedPages?: number;
}

export function pdfResultBody<P extends PageBody>(name: string, pageCount: number, pages: readonly P[], failed: readonly FailedPageBody[]): PdfBody<P> {
  const entries = [
    ...pages.map((p) => ({ at: p.input.page ?? 1, body: p as P | FailedPageBody })),
    ...failed.map((f) => ({ at: f.page, body: { page: f.page, error: { code: f.error.code, message: f.error.message } } as FailedPageBody })),
  ];
  return {
    model: pages[0]?.model,
    input: { name, type: 'pdf', pageCount },
    pages: entries.sort((a, b) => a.at - b.at).map((e) => e.body),
    ...(failed.length > 0 ? { failedPages: failed.length } : {}),
  };
}
