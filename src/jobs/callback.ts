/**
 * `callbackUrl`: POSTs a finished job's status as JSON, with bounded retries and exponential
 * backoff. Only a 2xx answer counts as delivered; a 4xx other than 408/429 is the receiver
 * refusing, so it is not retried, and neither is an address the SSRF guard refuses. Each attempt
 * is bounded as a whole — connect, headers and the body the receiver sends back, which is read
 * (up to a few KiB) and discarded — so a receiver that trickles its answer cannot hold a socket.
 * Every attempt's outcome is reported. Failures never change the job's own state.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import type { Config } from '../config.js';
import { InvalidParamError } from '../errors.js';
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

export async function notifyCallback(url: string, body: unknown, options: CallbackOptions = {}): Promise<CallbackOutcome> {
  const { attempts, backoffMs, timeoutMs } = { ...CALLBACK_DEFAULTS, ...options };
  const guard = options.guard ?? defaultGuard;
  const payload = JSON.stringify(body);
  let lastStatus: number | undefined;
  let lastError: string | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const started = performance.now();
    const report = (outcome: CallbackAttempt['outcome']): void => {
      options.onAttempt?.({
        url, attempt, outcome, ms: Math.round(performance.now() - started),
        ...(lastStatus === undefined ? {} : { status: lastStatus }),
        ...(lastError === undefined ? {} : { error: lastError }),
      });
    };
    lastStatus = undefined;
    lastError = undefined;
    try {
      // IP literals never reach the dispatcher's lookup: they are checked here (names are checked there too).
      await guard.check(url);
    } catch (err) {
      lastError = (err as Error).message;
      report('refused');
      return { delivered: false, refused: true, attempts: attempt, lastError };
    }
    const signal = AbortSignal.timeout(timeoutMs);
    try {
      const response = await request(url, {
        method: 'POST',
        headers: { ...options.headers, 'content-type': 'application/json', 'user-agent': 'doclayout-callback' },
        body: payload,
        dispatcher: dispatcherFor(guard),
        signal,
        // One callback per job: no idle keep-alive socket is left behind to a receiver.
        reset: true,
      });
      lastStatus = response.statusCode;
      // Discarded; a body past the limit, or still arriving when the attempt's time is up, is cut.
      await response.body.dump({ limit: ANSWER_LIMIT_BYTES, signal }).catch(() => undefined);
      if (lastStatus >= 200 && lastStatus < 300) {
        report('delivered');
        return { delivered: true, attempts: attempt, lastStatus };
      }
      if (lastStatus >= 400 && lastStatus < 500 && lastStatus !== 408 && lastStatus !== 429) {
        report('refused');
        return { delivered: false, refused: true, attempts: attempt, lastStatus };
      }
    } catch (err) {
      lastError = signal.aborted ? `no answer within ${timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      // The name resolved to a refused address at connect time (the guard's lookup): not retried.
      if (InvalidParamError.is(err)) {
        report('refused');
        return { delivered: false, refused: true, attempts: attempt, lastError };
      }
    }
    report('failed');
    if (attempt < attempts) await sleep(backoffMs * 2 ** (attempt - 1));
  }
  return { delivered: false, attempts, ...(lastStatus === undefined ? {} : { lastStatus }), ...(lastError === undefined ? {} : { lastError }) };
}
