/**
 * Memory of a served process tree as the kernel sees it: /proc RSS of the server process (with its
 * OS thread count: PDF and body threads show there) and of each device worker, the worker pids
 * read from /v1/status. A sampler keeps the peaks and the worst event-loop lag the server reports.
 */
import fs from 'node:fs';
import { request } from 'undici';

export interface TreeReading {
  readonly serverMb: number;
  readonly serverThreads: number;
  readonly workersMb: number[];
  readonly totalMb: number;
  /** The server's main V8 heap in use and its external memory (Buffers), from /metrics. */
  readonly serverHeapUsedMb?: number;
  readonly serverExternalMb?: number;
}

function procStatus(pid: number): Record<string, string> {
  try {
    const fields: Record<string, string> = {};
    for (const line of fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n')) {
      const at = line.indexOf(':');
      if (at > 0) fields[line.slice(0, at)] = line.slice(at + 1).trim();
    }
    return fields;
  } catch {
    return {};
  }
}

export function rssMb(pid: number): number {
  return Math.round(Number((procStatus(pid).VmRSS ?? '0').split(/\s+/)[0]) / 1024);
}

interface StatusView {
  readonly eventLoopLagMs?: number;
  readonly devices: Array<{ pid: number | null; restarts: number; recycles?: number }>;
}

export async function serverStatus(base: string): Promise<StatusView> {
  const res = await request(`${base}/v1/status`, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  return (await res.body.json()) as StatusView;
}

async function metricMb(base: string, names: readonly string[]): Promise<number[]> {
  const res = await request(`${base}/metrics`, { headersTimeout: 30_000, bodyTimeout: 30_000 });
  const text = await res.body.text();
  return names.map((name) => Math.round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? 0) / 2 ** 20));
}

export async function readTree(base: string, serverPid: number): Promise<TreeReading> {
  const status = await serverStatus(base);
  const serverMb = rssMb(serverPid);
  const workersMb = status.devices.map((d) => (d.pid ? rssMb(d.pid) : 0));
  const [serverHeapUsedMb, serverExternalMb] = await metricMb(base, ['doclayout_nodejs_heap_size_used_bytes', 'doclayout_nodejs_external_memory_bytes']);
  return { serverMb, serverThreads: Number(procStatus(serverPid).Threads ?? 0), workersMb, totalMb: serverMb + workersMb.reduce((a, b) => a + b, 0), serverHeapUsedMb, serverExternalMb };
}

/** Samples every `everyMs` until stopped: peak RSS of the tree and its parts, worst lag. */
export class TreeSampler {
  peak: TreeReading = { serverMb: 0, serverThreads: 0, workersMb: [], totalMb: 0 };
  peakServerMb = 0;
  peakServerThreads = 0;
  maxLagMs = 0;
  samples = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;

  constructor(readonly base: string, readonly serverPid: number, readonly everyMs = 500) {}

  start(): void {
    this.#timer = setInterval(() => void this.#sample(), this.everyMs);
  }

  stop(): void {
    clearInterval(this.#timer);
  }

  async #sample(): Promise<void> {
    if (this.#busy) return;
    this.#busy = true;
    try {
      const status = await serverStatus(this.base);
      this.maxLagMs = Math.max(this.maxLagMs, status.eventLoopLagMs ?? 0);
      const tree = await readTree(this.base, this.serverPid);
      this.samples += 1;
      if (tree.totalMb > this.peak.totalMb) this.peak = tree;
      this.peakServerMb = Math.max(this.peakServerMb, tree.serverMb);
      this.peakServerThreads = Math.max(this.peakServerThreads, tree.serverThreads);
    } catch {
      // A sample missed (the server busy past the timeout) is not a result.
    } finally {
      this.#busy = false;
    }
  }
}
