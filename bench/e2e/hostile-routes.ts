/**
 * The route shapes bench:hostile sends each corpus file over, and what it checks in each answer:
 * a status, a JSON error with a code on every 4xx/5xx, no result given twice, and for /v1/jobs
 * that the accepted job reaches a final state.
 */
import { request } from 'undici';
import { multipart } from '../../test/server/helpers.js';
import type { CorpusFile } from './hostile-corpus.js';

export const ROUTES = ['v1-multipart', 'v1-raw', 'v1-batch', 'v1-jobs', 'analyze', 'layout-parsing', 'object-detection'] as const;
export type RouteName = (typeof ROUTES)[number];

export interface Outcome {
  readonly route: RouteName;
  readonly file: string;
  readonly kind: CorpusFile['kind'];
  /** HTTP status; 0 when no answer came (reset, timeout): lost. */
  readonly status: number;
  readonly code?: string;
  /** An error status whose body was not JSON with error.code. */
  readonly uncoded?: boolean;
  /** A page or item answered twice. */
  readonly duplicated?: boolean;
  /** For a job: its final state, or 'unfinished' when it never got one. */
  readonly jobState?: string;
  readonly transportError?: string;
}

/** No answer within this long is a stall, counted as lost (ms). */
const ANSWER_TIMEOUT_MS = 240_000;
/** A job still not final this long after it was accepted is lost (ms). */
const JOB_DEADLINE_MS = 240_000;

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

async function send(url: string, init: { headers: Record<string, string>; body: Buffer | string; method?: 'POST' }): Promise<Answer> {
  const res = await request(url, { method: 'POST', headers: init.headers, body: init.body, headersTimeout: ANSWER_TIMEOUT_MS, bodyTimeout: ANSWER_TIMEOUT_MS });
  const text = await res.body.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: an error answer that is not JSON is reported as uncoded.
  }
  return { status: res.statusCode, body };
}

function errorCode(body: unknown): string | undefined {
  const error = (body as { error?: { code?: unknown } } | null)?.error;
  return typeof error?.code === 'string' ? error.code : undefined;
}

/** Page numbers (or batch item names) answered more than once. */
function hasDuplicates(body: unknown): boolean {
  const record = body as { pages?: Array<{ page?: number; input?: { page?: number } }>; results?: unknown[] } | null;
  if (Array.isArray(record?.pages)) {
    const numbers = record.pages.map((p) => p.input?.page ?? p.page);
    return new Set(numbers).size !== numbers.length;
  }
  return false;
}

async function waitJob(base: string, id: string): Promise<{ state: string; duplicated: boolean }> {
  const until = Date.now() + JOB_DEADLINE_MS;
  while (Date.now() < until) {
    const res = await request(`${base}/v1/jobs/${id}`);
    const view = (await res.body.json()) as { state?: string; pages?: Array<{ page?: number }> };
    if (view.state === 'completed' || view.state === 'failed' || view.state === 'canceled') {
      const numbers = (view.pages ?? []).map((p) => p.page);
      return { state: view.state, duplicated: new Set(numbers).size !== numbers.length };
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { state: 'unfinished', duplicated: false };
}

function jsonBody(field: string, file: CorpusFile): { headers: Record<string, string>; body: string } {
  return { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ [field]: file.bytes.toString('base64'), visualize: false }) };
}

export async function sendOver(base: string, route: RouteName, file: CorpusFile, control: CorpusFile): Promise<Outcome> {
  const part = { name: file.name, bytes: file.bytes, type: file.type };
  const common = { route, file: file.name, kind: file.kind };
  try {
    let answer: Answer;
    let duplicated = false;
    let jobState: string | undefined;
    switch (route) {
      case 'v1-multipart':
      case 'analyze': {
        const body = multipart([part]);
        answer = await send(`${base}${route === 'analyze' ? '/analyze' : '/v1/layout'}`, { headers: body.headers, body: body.payload });
        break;
      }
      case 'v1-raw':
        answer = await send(`${base}/v1/layout`, { headers: { 'content-type': file.type }, body: file.bytes });
        break;
      case 'v1-batch': {
        // The hostile file between two good ones: each item answered once, in order.
        const body = multipart([{ name: 'a-control.png', bytes: control.bytes }, part, { name: 'z-control.png', bytes: control.bytes }]);
        answer = await send(`${base}/v1/layout/batch`, { headers: body.headers, body: body.payload });
        const results = (answer.body as { results?: Array<{ name?: string }> } | null)?.results;
        if (answer.status === 200) duplicated = results?.length !== 3 || results[0]?.name !== 'a-control.png' || results[2]?.name !== 'z-control.png';
        break;
      }
      case 'v1-jobs': {
        const body = multipart([part]);
        answer = await send(`${base}/v1/jobs`, { headers: body.headers, body: body.payload });
        const id = (answer.body as { id?: string } | null)?.id;
        if (answer.status === 202 && id) {
          const done = await waitJob(base, id);
          jobState = done.state;
          duplicated = done.duplicated;
        }
        break;
      }
      case 'layout-parsing':
        answer = await send(`${base}/layout-parsing`, jsonBody('file', file));
        break;
      case 'object-detection':
        answer = await send(`${base}/object-detection`, jsonBody('image', file));
        break;
    }
    const code = errorCode(answer.body);
    return {
      ...common,
      status: answer.status,
      ...(code ? { code } : {}),
      ...(answer.status >= 400 && !code ? { uncoded: true } : {}),
      ...(duplicated || (answer.status === 200 && hasDuplicates(answer.body)) ? { duplicated: true } : {}),
      ...(jobState ? { jobState } : {}),
    };
  } catch (err) {
    return { ...common, status: 0, transportError: (err as Error).message };
  }
}
