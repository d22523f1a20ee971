/**
 * Reads one running instance's `GET /v1/status` and judges it the way `doclayout status` (and an
 * operator) would: up or not, and healthy or not — serving, not draining, at least one device
 * ready. Works through nginx's per-backend routes too (`http://lb/backends/0`).
 */
import type { StatusBody } from '../../server/index.js';

export type { StatusBody };
/** One device as /v1/status reports it. */
export type StatusDevice = StatusBody['devices'][number];
/** One GPU as /v1/status reports it (unreadable figures arrive as null). */
export type StatusGpu = StatusBody['gpus'][number];

export interface InstanceStatus {
  /** The base URL as given (no trailing slash). */
  readonly url: string;
  /** Answered /v1/status with a status body. */
  readonly up: boolean;
  /** Up, serving, not draining, and ≥ 1 device ready. */
  readonly healthy: boolean;
  /** Why it is not healthy (connection error, HTTP status, state). */
  readonly problem: string | undefined;
  readonly status: StatusBody | undefined;
}

interface FetchStatusOptions {
  /** Limit for the whole request, ms: a wedged instance must not stall the report. */
  readonly timeoutMs: number;
  readonly signal?: AbortSignal;
}

function statusUrl(base: string): string {
  return `${base.replace(/\/+$/, '')}/v1/status`;
}

const READY_STATES: ReadonlySet<StatusDevice['state']> = new Set(['ready', 'busy']);

export function readyDeviceCount(status: StatusBody): number {
  return status.devices.filter((d) => READY_STATES.has(d.state)).length;
}

/** Healthy = the instance would get traffic from a readiness probe, apart from queue pressure. */
export function judgeStatus(status: StatusBody): string | undefined {
  if (status.draining) return 'draining';
  if (status.state !== 'ready') return `pool ${status.state}`;
  const ready = readyDeviceCount(status);
  if (ready === 0) return `no device ready (${status.devices.map((d) => `${d.id} ${d.state}`).join(', ') || 'no devices'})`;
  return undefined;
}

function isStatusBody(value: unknown): value is StatusBody {
  const v = value as Partial<StatusBody> | null;
  return typeof v === 'object' && v !== null && typeof v.state === 'string' && Array.isArray(v.devices) && typeof v.queueDepth === 'number';
}

function describe(err: unknown): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (e.name === 'TimeoutError') return 'timed out';
  if (e.name === 'AbortError') return 'aborted';
  // fetch wraps the socket error: "fetch failed" with the real reason in cause.
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

async function fetchInstanceStatus(url: string, options: FetchStatusOptions): Promise<InstanceStatus> {
  const base = url.replace(/\/+$/, '');
  const down = (problem: string): InstanceStatus => ({ url: base, up: false, healthy: false, problem, status: undefined });
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  let response: Response;
  let text: string;
  try {
    response = await fetch(statusUrl(base), { signal, headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (err) {
    return down(describe(err));
  }
  if (!response.ok) return down(`HTTP ${response.status}`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return down('answer is not JSON');
  }
  if (!isStatusBody(body)) return down('answer is not a doclayout /v1/status body');
  const problem = judgeStatus(body);
  return { url: base, up: true, healthy: problem === undefined, problem, status: body };
}

export function fetchAllStatuses(urls: readonly string[], options: FetchStatusOptions): Promise<InstanceStatus[]> {
  return Promise.all(urls.map((u) => fetchInstanceStatus(u, options)));
}
