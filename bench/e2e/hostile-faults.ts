/**
 * Fault scenarios of bench:hostile against the real server: a device worker SIGKILLed while its
 * pages are in flight, and SIGTERM while uploads are half sent. What counts: every request that
 * was accepted gets an answer (or, for a job, a final state), none twice.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import { request } from 'undici';
import type { CorpusFile } from './hostile-corpus.js';
import { sendOver, type Outcome } from './hostile-routes.js';
import { serverStatus } from './process-tree.js';

export interface FaultReport {
  readonly requests: number;
  readonly statuses: Record<string, number>;
  /** Accepted but never answered, or a job that never reached a final state. */
  readonly lost: number;
  readonly duplicated: number;
  readonly detail?: Record<string, unknown>;
}

export function histogram(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const o of outcomes) {
    const key = o.jobState ? `${o.status}:${o.jobState}` : String(o.status);
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

const lostCount = (outcomes: readonly Outcome[]): number => outcomes.filter((o) => o.status === 0 || o.jobState === 'unfinished').length;

/** `requests` pages and PDFs over /v1/layout and /v1/jobs; device 0's worker is SIGKILLed once it has work. */
export async function workerKilledMidLoad(base: string, files: { png: CorpusFile; pdf: CorpusFile }, requests = 24): Promise<FaultReport> {
  const before = await serverStatus(base);
  const victim = before.devices[0]?.pid;
  const sends = Array.from({ length: requests }, (_, i) => sendOver(base, i % 4 === 3 ? 'v1-jobs' : 'v1-multipart', i % 2 === 0 ? files.png : files.pdf, files.png));
  let killed = false;
  const until = Date.now() + 60_000;
  while (!killed && victim && Date.now() < until) {
    const status = await serverStatus(base);
    if ((status as unknown as { devices: Array<{ inflight: number }> }).devices[0]!.inflight > 0) {
      process.kill(victim, 'SIGKILL');
      killed = true;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
  const outcomes = await Promise.all(sends);
  const after = await serverStatus(base);
  return {
    requests,
    statuses: histogram(outcomes),
    lost: lostCount(outcomes),
    duplicated: outcomes.filter((o) => o.duplicated).length,
    detail: { killedPid: killed ? victim : null, restartsAfter: after.devices.map((d) => d.restarts), codes: [...new Set(outcomes.map((o) => o.code).filter(Boolean))] },
  };
}

/** `uploads` raw-body uploads sent half, then SIGTERM, then the rest: each must be answered. */
export async function sigtermMidUpload(base: string, child: ChildProcess, png: CorpusFile, uploads = 4): Promise<FaultReport> {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => { release = resolve; });
  const half = Math.floor(png.bytes.length / 2);
  let started = 0;
  const sends = Array.from({ length: uploads }, async (): Promise<Outcome> => {
    async function* body(): AsyncGenerator<Buffer> {
      yield png.bytes.subarray(0, half);
      started += 1;
      await gate;
      yield png.bytes.subarray(half);
    }
    try {
      const res = await request(`${base}/v1/layout`, { method: 'POST', headers: { 'content-type': png.type, 'content-length': String(png.bytes.length) }, body: Readable.from(body()), headersTimeout: 120_000, bodyTimeout: 120_000 });
      const text = await res.body.text();
      const code = (() => { try { return (JSON.parse(text) as { error?: { code?: string } }).error?.code; } catch { return undefined; } })();
      return { route: 'v1-raw', file: png.name, kind: 'valid', status: res.statusCode, ...(code ? { code } : {}) };
    } catch (err) {
      return { route: 'v1-raw', file: png.name, kind: 'valid', status: 0, transportError: (err as Error).message };
    }
  });
  while (started < uploads) await new Promise((resolve) => setTimeout(resolve, 10));
  // The first halves are on the wire; give the server a moment to have them in hand.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 200));
  release();
  const outcomes = await Promise.all(sends);
  const [exitCode] = (await exited) as [number | null];
  return {
    requests: uploads,
    statuses: histogram(outcomes),
    lost: lostCount(outcomes),
    duplicated: 0,
    detail: { exitCode, codes: [...new Set(outcomes.map((o) => o.code).filter(Boolean))], transportErrors: outcomes.map((o) => o.transportError).filter(Boolean) },
  };
}
