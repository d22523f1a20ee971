/**
 * `callbackUrl`: POSTs a finished job's status as JSON, with bounded retries and exponential
 * backoff. Only a 2xx answer counts as delivered; a 4xx other than 408/429 is the receiver
 * refusing, so it is not retried. Failures never change the job's own state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';

export interface CallbackOptions {
  /** Tries in all, the first included. */
  readonly attempts?: number;
  /** First delay between tries, ms; doubles each time. */
  readonly backoffMs?: number;
  /** Per-try limit, ms: a receiver that hangs must not hold a worker. */
  readonly timeoutMs?: number;
}

export const CALLBACK_DEFAULTS = Object.freeze({ attempts: 5, backoffMs: 500, timeoutMs: 10_000 });

export interface CallbackOutcome {
  readonly delivered: boolean;
  readonly attempts: number;
  readonly lastStatus?: number;
  readonly lastError?: string;
}

export async function notifyCallback(url: string, body: unknown, options: CallbackOptions = {}): Promise<CallbackOutcome> {
  const { attempts, backoffMs, timeoutMs } = { ...CALLBACK_DEFAULTS, ...options };
  let lastStatus: number | undefined;
  let lastError: string | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'doclayout-callback' },
        body: JSON.stringify(body),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      await response.body.dump();
      lastStatus = response.statusCode;
      if (lastStatus >= 200 && lastStatus < 300) return { delivered: true, attempts: attempt, lastStatus };
      if (lastStatus >= 400 && lastStatus < 500 && lastStatus !== 408 && lastStatus !== 429) return { delivered: false, attempts: attempt, lastStatus };
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts, ...(lastStatus === undefined ? {} : { lastStatus }), ...(lastError === undefined ? {} : { lastError }) };
}
