/**
 * Starts real `doclayout serve` processes (the built CLI, fixture model, one CPU worker) on
 * loopback ports, the way an operator would start them, and kills them for good at the end:
 * each runs in its own process group so its pool workers go with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../fixtures/paths.js';

export const cliPath = path.join(repoRoot, 'dist/src/cli/index.js');

export interface Instance {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** Last lines of stdout + stderr, for failure messages. */
  output(): string;
  readonly exited: Promise<void>;
}

export interface StartInstanceOptions {
  readonly modelPath: string;
  /** 0 = any free port (read back from the "listening" line). */
  readonly port?: number;
  readonly extraArgs?: readonly string[];
  readonly timeoutMs?: number;
}

const LISTENING = /doclayout listening on http:\/\/127\.0\.0\.1:(\d+)/;

/** Resolves once the instance listens and answers /readyz with 200 (its CPU worker is up). */
export async function startInstance(options: StartInstanceOptions): Promise<Instance> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const args = [cliPath, 'serve', '--host', '127.0.0.1', '--port', String(options.port ?? 0), '--model', options.modelPath,
    '--devices', 'cpu', '--cpu-threads', '1', '--gpu-telemetry-ms', '0', '--log-level', 'warn', '--max-queue-delay-ms', '1',
    // Not what these tests are about: on a starved CPU the shedder would rightly refuse their requests.
    '--max-event-loop-lag-ms', '0',
    // One server per data directory: each instance has its own.
    '--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-instance-data-')),
    ...(options.extraArgs ?? [])];
  // detached: its own process group, so cleanup can kill the server and its pool workers together.
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, DOCLAYOUT_DEBUG: '1' } });
  let output = '';
  const append = (chunk: string): void => {
    output = (output + chunk).slice(-20_000);
  };
  child.stdout!.setEncoding('utf8').on('data', append);
  child.stderr!.setEncoding('utf8').on('data', append);
  let exitedFlag = false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    exitedFlag = true;
    // Pool workers that outlive the server must not keep our pipes (and this process) open.
    child.stdout!.destroy();
    child.stderr!.destroy();
    resolve();
  }));

  const deadline = Date.now() + timeoutMs;
  const fail = (why: string): never => {
    killInstanceGroup(child);
    throw new Error(`doclayout serve ${why}:\n${output}`);
  };
  let port = options.port ?? 0;
  while (port === 0) {
    const match = LISTENING.exec(output);
    if (match) port = Number(match[1]);
    else if (exitedFlag) fail('exited before listening');
    else if (Date.now() > deadline) fail(`did not listen within ${timeoutMs} ms`);
    else await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    if (exitedFlag) fail('exited before it was ready');
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) break;
    } catch {
      // not listening yet (fixed port) or busy starting
    }
    if (Date.now() > deadline) fail(`was not ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { port, url, child, output: () => output, exited };
}

/** SIGKILL to the instance's whole process group (server and pool workers). Safe to repeat. */
export function killInstanceGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Pages an instance has completed since it started (its pool snapshot). */
export async function completedPages(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { completed: number };
  return body.completed;
}
