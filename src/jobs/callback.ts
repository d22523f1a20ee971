/**
 * `callbackUrl`: POSTs a finished job's status as JSON, with bounded retries and exponential
 * backoff. Only a 2xx answer counts as delivered; a 4xx other than 408/429 is the receiver
 * refusing, so it is not retried, and neither is an address the SSRF guard refuses. Each attempt
 * is bounded as a whole — connect, headers and the body the receiver sends back, which is read
 * (up to a few KiB) and discarded — so a receiver that trickles its answer cannot hold a socket.
 * Every attempt's outcome is reported, and traced as a `job.callback` span (the receiver's host,
 * never its path or query). Failures never change the job's own state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Config } from '../config.js';
import { InvalidParamError } from '../errors.js';
import { contextFrom, inSpan, SpanStatusCode, type Span, type TraceCarrier } from '../tracing/index.js';
import { CallbackGuard } from './callback-guard.js';

export interface CallbackAttempt {
  readonly url: string;
  readonly attempt: number;
  /** delivered (2xx), refused (4xx, or an address the guard refuses: not retried), failed (retried while tries are left). */
  readonly outcome: 'delivered' | 'refused' | 'failed';
  readonly status?: number;
  readonly error?: string;
  readonly ms: number;
}

export interface CallbackOptions {
  /** Tries in all, the first included. */
  readonly attempts?: number;
  /** First delay between tries, ms; doubles each time. */
  readonly backoffMs?: number;
  /** One attempt's whole time, ms, from connecting to the end of the answer: a receiver that hangs or trickles must not hold a worker. */
  readonly timeoutMs?: number;
  /** Which addresses the callback may reach; default: public ones only. */
  readonly guard?: CallbackGuard;
  /** Told each attempt's outcome (the server and workers log it). */
  readonly onAttempt?: (attempt: CallbackAttempt) => void;
  /** Extra request headers (the outbox's Idempotency-Key). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The job's W3C trace context (what its submitter's request was traced in): each attempt's
   * span joins that trace. Without one, the spans are children of the active context (a cluster
   * worker's document job runs inside BullMQ's span of it).
   */
  readonly trace?: TraceCarrier | undefined;
  /** The number of the first attempt made here, for a caller that spreads its attempts over calls (the outbox); default 1. */
  readonly firstAttempt?: number;
}

export const CALLBACK_DEFAULTS = Object.freeze({ attempts: 5, backoffMs: 500, timeoutMs: 10_000 });

/** The operator's callback settings (--callback-allow, --callback-timeout-ms) as notifyCallback options. */
export function callbackSettings(config: Pick<Config, 'callbackAllow' | 'callbackTimeoutMs'>): { guard: CallbackGuard; timeoutMs: number } {
  return { guard: new CallbackGuard(config.callbackAllow ?? ''), timeoutMs: config.callbackTimeoutMs };
}

/** The receiver's answer is only read to free the connection; more than this is not read at all. */
const ANSWER_LIMIT_BYTES = 16 * 1024;

export interface CallbackOutcome {
  readonly delivered: boolean;
  /** The receiver refused it (a 4xx other than 408/429, or an address the guard refuses): trying again cannot help. */
  readonly refused?: boolean;
  readonly attempts: number;
  readonly lastStatus?: number;
  readonly lastError?: string;
}

/** One dispatcher per guard: its `lookup` pins each connection to the addresses it checked. */
const dispatchers = new WeakMap<CallbackGuard, Agent>();

function dispatcherFor(guard: CallbackGuard): Agent {
  let agent = dispatchers.get(guard);
  if (!agent) {
    agent = new Agent({ connect: { lookup: guard.lookup } });
    dispatchers.set(guard, agent);
  }
  return agent;
}

const defaultGuard = new CallbackGuard();

/** One attempt's result, before it is reported. */
interface AttemptResult {
  readonly outcome: CallbackAttempt['outcome'];
  readonly status?: number;
  readonly error?: string;
}

async function attemptOnce(url: string, payload: string, guard: CallbackGuard, timeoutMs: number, headers: Readonly<Record<string, string>> | undefined): Promise<AttemptResult> {
  try {
    // IP literals never reach the dispatcher's lookup: they are checked here (names are checked there too).
    await guard.check(url);
  } catch (err) {
    return { outcome: 'refused', error: (err as Error).message };
  }
  const signal = AbortSignal.timeout(timeoutMs);
  let status: number | undefined;
  try {
    const response = await request(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'doclayout-callback' },
      body: payload,
      dispatcher: dispatcherFor(guard),
      signal,
      // One callback per job: no idle keep-alive socket is left behind to a receiver.
      reset: true,
    });
    status = response.statusCode;
    // Discarded; a body past the limit, or still arriving when the attempt's time is up, is cut.
    await response.body.dump({ limit: ANSWER_LIMIT_BYTES, signal }).catch(() => undefined);
    if (status >= 200 && status < 300) return { outcome: 'delivered', status };
    if (status >= 400 && status < 500 && status !== 408 && status !== 429) return { outcome: 'refused', status };
    return { outcome: 'failed', status };
  } catch (err) {
    const error = signal.aborted ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err);
    // The name resolved to a refused address at connect time (the guard's lookup): not retried.
    return { outcome: InvalidParamError.is(err) ? 'refused' : 'failed', error, ...(status === undefined ? {} : { status }) };
  }
}

/** The receiver's host as a span names it: never the path or query, which may carry a token. */
function receiverHost(url: string): { 'server.address'?: string; 'server.port'?: number } {
  try {
    const parsed = new URL(url);
    return { 'server.address': parsed.hostname, ...(parsed.port ? { 'server.port': Number(parsed.port) } : {}) };
  } catch {
    return {};
  }
}

function traceAttempt(span: Span | undefined, result: AttemptResult): void {
  if (!span) return;
  span.setAttribute('doclayout.callback.outcome', result.outcome);
  if (result.status !== undefined) span.setAttribute('http.response.status_code', result.status);
  if (result.outcome !== 'delivered') span.setStatus({ code: SpanStatusCode.ERROR, message: result.error ?? `HTTP ${result.status ?? '?'}` });
}

export async function notifyCallback(url: string, body: unknown, options: CallbackOptions = {}): Promise<CallbackOutcome> {
  const { attempts, backoffMs, timeoutMs } = { ...CALLBACK_DEFAULTS, ...options };
  const guard = options.guard ?? defaultGuard;
  const payload = JSON.stringify(body);
  // The job's trace, or the active one; both only looked at when tracing is on.
  const parent = contextFrom(options.trace);
  const host = receiverHost(url);
  const first = options.firstAttempt ?? 1;
  let last: AttemptResult | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const started = performance.now();
    const number = first + attempt - 1;
    last = await inSpan('job.callback', { ...host, 'http.request.method': 'POST', 'doclayout.callback.attempt': number }, async (span) => {
      const result = await attemptOnce(url, payload, guard, timeoutMs, options.headers);
      traceAttempt(span, result);
      return result;
    }, parent);
    options.onAttempt?.({ url, attempt: number, outcome: last.outcome, ms: Math.round(performance.now() - started), ...(last.status === undefined ? {} : { status: last.status }), ...(last.error === undefined ? {} : { error: last.error }) });
    const lastFields = { ...(last.status === undefined ? {} : { lastStatus: last.status }), ...(last.error === undefined ? {} : { lastError: last.error }) };
    if (last.outcome === 'delivered') return { delivered: true, attempts: attempt, ...lastFields };
    if (last.outcome === 'refused') return { delivered: false, refused: true, attempts: attempt, ...lastFields };
    if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts, ...(last?.status === undefined ? {} : { lastStatus: last.status }), ...(last?.error === undefined ? {} : { lastError: last.error }) };
}
