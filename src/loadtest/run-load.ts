/**
 * The load generator behind `doclayout bench` (and the nginx test): `concurrency` closed-loop
 * clients over an undici pool of exactly that many connections, each sending the next file as
 * soon as its previous answer is fully read. Latency is measured to the last body byte.
 * Transport failures (refused, reset, timed out) are counted apart from HTTP error statuses.
 */
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { InvalidParamError } from '../errors.js';
import { summarizeLatencies, type LatencySummary } from './latency.js';
import { prepareBody, usesQueryParams, type LoadFile, type PreparedBody } from './request-body.js';

export type { LoadFile } from './request-body.js';

export interface LoadOptions {
  /** Base URL, e.g. http://127.0.0.1:8000 (a path here is ignored; use `endpoint`). */
  readonly url: string;
  readonly endpoint?: string;
  /** Sent round-robin. */
  readonly files: readonly LoadFile[];
  readonly concurrency: number;
  /** Run for this long (s)… */
  readonly durationS?: number;
  /** …or send exactly this many requests. */
  readonly requests?: number;
  /** Layout parameters: query string for multipart APIs, JSON fields for PaddleX's. */
  readonly params?: Readonly<Record<string, string>>;
  /** Per-request limit, ms (default 120 s: the server's own default deadline). */
  readonly timeoutMs?: number;
  /** Requests sent first and not measured (model warm-up, connection set-up). */
  readonly warmupRequests?: number;
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: { done: number; failed: number; elapsedS: number }) => void;
  /** Each successful request's latency, ms, as it completes (to pool several runs' percentiles). */
  readonly onLatency?: (latencyMs: number) => void;
}

export interface LoadReport {
  readonly url: string;
  readonly endpoint: string;
  readonly concurrency: number;
  readonly startedAt: string;
  /** Wall time from the first request to the last answer, s. */
  readonly elapsedS: number;
  readonly requests: number;
  readonly ok: number;
  /** Answers with a status ≥ 400. */
  readonly httpErrors: number;
  /** No HTTP answer at all. */
  readonly transportErrors: number;
  readonly pages: number;
  readonly throughputRps: number;
  readonly pagesPerSec: number;
  /** Successful requests only. */
  readonly latencyMs: LatencySummary;
  readonly statusCodes: Readonly<Record<string, number>>;
  /** Pages answered per device (from `x-doclayout-device` / the response's `device`). */
  readonly devices: Readonly<Record<string, number>>;
  /** Error code or transport error → count. */
  readonly errors: Readonly<Record<string, number>>;
}

const DEFAULT_TIMEOUT_MS = 120_000;

interface Outcome {
  readonly status: number | undefined;
  readonly latencyMs: number;
  readonly devices: readonly string[];
  readonly error: string | undefined;
}

/** Devices that answered, one entry per page: from the body when it says, else the header. */
function devicesOf(body: string, header: string | string[] | undefined): string[] {
  try {
    const parsed = JSON.parse(body) as { device?: unknown; pages?: Array<{ device?: unknown }>; results?: Array<{ result?: { device?: unknown; pages?: Array<{ device?: unknown }> } }> };
    const fromPages = (pages: Array<{ device?: unknown }> | undefined): string[] => (pages ?? []).map((p) => p.device).filter((d): d is string => typeof d === 'string');
    if (Array.isArray(parsed.pages)) return fromPages(parsed.pages);
    if (typeof parsed.device === 'string') return [parsed.device];
    if (Array.isArray(parsed.results)) {
      return parsed.results.flatMap((r) => (typeof r.result?.device === 'string' ? [r.result.device] : fromPages(r.result?.pages)));
    }
  } catch {
    // not JSON: fall back to the header
  }
  const value = Array.isArray(header) ? header.join(',') : header;
  return value ? value.split(',').filter(Boolean) : [];
}

function errorCodeOf(body: string): string | undefined {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown }; errorMsg?: unknown };
    if (typeof parsed.error?.code === 'string') return parsed.error.code;
    if (typeof parsed.errorMsg === 'string') return parsed.errorMsg;
  } catch {
    // not JSON
  }
  return undefined;
}

async function send(pool: Pool, path: string, body: PreparedBody, timeoutMs: number, signal: AbortSignal | undefined): Promise<Outcome> {
  const started = performance.now();
  const timeout = AbortSignal.timeout(timeoutMs);
  try {
    const res = await pool.request({
      path,
      method: 'POST',
      headers: { 'content-type': body.contentType },
      body: body.body,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
    const text = await res.body.text();
    const latencyMs = performance.now() - started;
    const ok = res.statusCode < 400;
    return {
      status: res.statusCode,
      latencyMs,
      devices: ok ? devicesOf(text, res.headers['x-doclayout-device']) : [],
      error: ok ? undefined : (errorCodeOf(text) ?? `HTTP ${res.statusCode}`),
    };
  } catch (err) {
    const e = err as { code?: string; name?: string; message?: string };
    return { status: undefined, latencyMs: performance.now() - started, devices: [], error: e.code ?? e.name ?? e.message ?? String(err) };
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadReport> {
  const endpoint = options.endpoint ?? '/v1/layout';
  if (options.files.length === 0) throw InvalidParamError('files', 'at least one file is needed');
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw InvalidParamError('concurrency', `expected an integer ≥ 1, got ${options.concurrency}`);
  if ((options.durationS === undefined) === (options.requests === undefined)) throw InvalidParamError('duration', 'give exactly one of a duration or a request count');
  if (options.durationS !== undefined && !(options.durationS > 0)) throw InvalidParamError('duration', `expected seconds > 0, got ${options.durationS}`);
  if (options.requests !== undefined && !(Number.isInteger(options.requests) && options.requests >= 1)) throw InvalidParamError('requests', `expected an integer ≥ 1, got ${options.requests}`);

  const base = new URL(options.url);
  const params = options.params ?? {};
  const query = usesQueryParams(endpoint) && Object.keys(params).length > 0 ? `?${new URLSearchParams(params).toString()}` : '';
  const path = `${endpoint}${query}`;
  const bodies = options.files.map((f) => prepareBody(endpoint, f, usesQueryParams(endpoint) ? {} : params));
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  // Exactly `concurrency` sockets: the server sees the client count we claim to measure.
  const pool = new Pool(base.origin, { connections: options.concurrency, pipelining: 1, keepAliveTimeout: 30_000 });

  try {
    for (let i = 0; i < (options.warmupRequests ?? 0); i++) await send(pool, path, bodies[i % bodies.length]!, timeoutMs, options.signal);

    const outcomes: Outcome[] = [];
    let issued = 0;
    let failed = 0;
    const startedAt = new Date();
    const start = performance.now();
    const deadline = options.durationS === undefined ? Infinity : start + options.durationS * 1000;
    const more = (): boolean => !options.signal?.aborted && (options.requests === undefined ? performance.now() < deadline : issued < options.requests);
    const progress = options.onProgress
      ? setInterval(() => options.onProgress!({ done: outcomes.length, failed, elapsedS: (performance.now() - start) / 1000 }), 1000)
      : undefined;
    progress?.unref();

    const client = async (): Promise<void> => {
      while (more()) {
        const body = bodies[issued++ % bodies.length]!;
        const outcome = await send(pool, path, body, timeoutMs, options.signal);
        if (outcome.error !== undefined) failed++;
        else options.onLatency?.(outcome.latencyMs);
        outcomes.push(outcome);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, client));
    if (progress) clearInterval(progress);
    const elapsedS = (performance.now() - start) / 1000;
    return summarize(options, endpoint, startedAt, elapsedS, outcomes);
  } finally {
    await pool.close();
  }
}

function summarize(options: LoadOptions, endpoint: string, startedAt: Date, elapsedS: number, outcomes: readonly Outcome[]): LoadReport {
  const statusCodes: Record<string, number> = {};
  const devices: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const latencies: number[] = [];
  let ok = 0;
  let httpErrors = 0;
  let transportErrors = 0;
  let pages = 0;
  for (const o of outcomes) {
    const key = o.status === undefined ? 'transport' : String(o.status);
    statusCodes[key] = (statusCodes[key] ?? 0) + 1;
    if (o.status === undefined) transportErrors++;
    else if (o.status >= 400) httpErrors++;
    else {
      ok++;
      latencies.push(o.latencyMs);
      pages += Math.max(1, o.devices.length);
      for (const d of o.devices) devices[d] = (devices[d] ?? 0) + 1;
    }
    if (o.error !== undefined) errors[o.error] = (errors[o.error] ?? 0) + 1;
  }
  const per = (n: number): number => (elapsedS > 0 ? Math.round((n / elapsedS) * 100) / 100 : 0);
  return {
    url: options.url,
    endpoint,
    concurrency: options.concurrency,
    startedAt: startedAt.toISOString(),
    elapsedS: Math.round(elapsedS * 1000) / 1000,
    requests: outcomes.length,
    ok,
    httpErrors,
    transportErrors,
    pages,
    throughputRps: per(ok),
    pagesPerSec: per(pages),
    latencyMs: summarizeLatencies(latencies),
    statusCodes,
    devices,
    errors,
  };
}
