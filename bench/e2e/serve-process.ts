/** `doclayout serve` in its own process on 127.0.0.1 (port 0), for the end-to-end benchmarks. */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoRoot } from '../common/results.js';

const SERVER_START_TIMEOUT_MS = 180_000;

/** `env`: the server's environment (default: this process's); `cli`: another build's CLI (a baseline). */
export function startServe(modelPath: string, flags: readonly string[], env: NodeJS.ProcessEnv = process.env, cli = path.join(repoRoot, 'dist/src/cli/index.js')): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--model', modelPath,
    // One server per data directory: the default one may be held by a server already.
    '--data-dir', fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-bench-data-')), ...flags], { stdio: ['ignore', 'inherit', 'pipe'], env });
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start within ${SERVER_START_TIMEOUT_MS} ms:\n${stderr}`)), SERVER_START_TIMEOUT_MS);
    child.stderr!.on('data', (chunk: Buffer) => {
      if (stderr.length < 100_000) stderr += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        resolve({ child, url: match[1]! });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code}:\n${stderr}`));
    });
  });
}

export async function waitReady(url: string): Promise<void> {
  const until = Date.now() + SERVER_START_TIMEOUT_MS;
  while (Date.now() < until) {
    if (await fetch(`${url}/readyz`).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error('server never became ready');
}
