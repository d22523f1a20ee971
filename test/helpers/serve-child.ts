/**
 * `doclayout serve` as a real child process with its own environment (so OTEL_* and other
 * variables apply), for the tracing and SIGTERM-drain tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { request } from 'undici';
import { writeFixtureModel } from '../fixtures/fixture-model.js';
import { repoRoot } from '../fixtures/paths.js';
import { multipart } from '../server/helpers.js';

const cli = path.join(repoRoot, 'dist/src/cli/index.js');
const children: ChildProcess[] = [];

/** Kills every server these helpers started that is still running. */
export function killServes(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
}

/** `doclayout serve` on a fixture model, with `env` added to this process's (OTEL_* removed first). */
export function startServe(env: Record<string, string>, flags: readonly string[] = []): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('OTEL_') && !key.startsWith('DOCLAYOUT_')));
  const child = spawn(process.execPath, [
    cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--model', writeFixtureModel({ variant: 'v3' }),
    '--devices', 'cpu', '--cpu-threads', '1', '--gpu-telemetry-ms', '0', '--log-level', 'info', ...flags,
  ], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...base, ...env } });
  children.push(child);
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve({ child, url: match[1]!, output: () => output });
    });
    child.once('exit', (code) => reject(new Error(`serve exited early (${code}):\n${output}`)));
  });
}

export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await Promise.resolve(check()).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function ready(url: string): Promise<void> {
  await waitFor(async () => {
    const res = await request(`${url}/readyz`);
    await res.body.text();
    return res.statusCode === 200;
  }, 'readiness');
}

export async function post(url: string, bytes: Buffer, name: string): Promise<number> {
  const body = multipart([{ name, bytes }]);
  const res = await request(url, { method: 'POST', headers: body.headers, body: body.payload });
  await res.body.arrayBuffer();
  return res.statusCode;
}

export function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

