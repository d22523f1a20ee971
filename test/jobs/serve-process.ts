/**
 * `doclayout serve` as a real child process on 127.0.0.1, for the durability fault tests: start it
 * on a data directory, read its device worker processes from /proc, submit jobs, read them back,
 * and count — over the HTTP API, as a client would — what was accepted, finished, lost and
 * duplicated.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { request } from 'undici';
import { repoRoot } from '../fixtures/paths.js';
import { writeFixtureModel } from '../fixtures/fixture-model.js';

const cli = path.join(repoRoot, 'dist/src/cli/index.js');

export interface ServeProcess {
  readonly child: ChildProcess;
  readonly url: string;
  output(): string;
  exited: Promise<number | null>;
}

/** Starts `serve` on `dataDir`; resolves once it listens and /readyz answers 200. */
export async function startServe(dataDir: string, extra: readonly string[] = []): Promise<ServeProcess> {
  const child = spawn(process.execPath, [
    cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--model', writeFixtureModel({ variant: 'v3' }),
    '--devices', 'cpu', '--cpu-threads', '1', '--gpu-telemetry-ms', '0', '--log-level', 'warn',
    '--max-event-loop-lag-ms', '0', '--max-queue-delay-ms', '1', '--data-dir', dataDir, ...extra,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      output += c.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`serve exited early (${code}):\n${output}`)));
  });
  await waitUntil(async () => (await request(`${url}/readyz`)).statusCode === 200, 'readiness', 60_000);
  return { child, url, output: () => output, exited };
}

/** Runs `serve` on `dataDir` expecting it to refuse to start; its exit code and output. */
export async function serveRefuses(dataDir: string): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, [
    cli, 'serve', '--host', '127.0.0.1', '--port', '0', '--model', writeFixtureModel({ variant: 'v3' }),
    '--devices', 'cpu', '--cpu-threads', '1', '--gpu-telemetry-ms', '0', '--log-level', 'warn', '--data-dir', dataDir,
  ], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  clearTimeout(timer);
  return { code, output };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await Promise.resolve().then(check).catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** The process ids whose parent is `pid` (Linux /proc). */
export function childPids(pid: number): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    if (parentOf(Number(name)) === pid) out.push(Number(name));
  }
  return out;
}

function readStat(pid: number): string | undefined {
  try {
    return fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
}

/** Fields after the command name (which may hold spaces): state, ppid, … */
function statFields(pid: number): string[] | undefined {
  const stat = readStat(pid);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

function parentOf(pid: number): number | undefined {
  const fields = statFields(pid);
  return fields ? Number(fields[1]) : undefined;
}

/** Gone, or a zombie nobody reaped yet (it holds nothing). */
export function processGone(pid: number): boolean {
  const fields = statFields(pid);
  return !fields || fields[0] === 'Z' || fields[0] === 'X';
}

/** A PDF of `pages` pages whose bytes are its own (`tag`), so no two jobs share cache entries. */
export async function taggedPdf(tag: string, pages: number): Promise<Buffer> {
  const doc = await PDFDocument.create();
  const font = await doc.embedFont(StandardFonts.Helvetica);
  for (let i = 1; i <= pages; i++) doc.addPage([595, 842]).drawText(`${tag} page ${i}`, { x: 72, y: 760, size: 24, font });
  return Buffer.from(await doc.save());
}

export interface JobBody {
  readonly id: string;
  readonly state: string;
  readonly pagesDone: number;
  readonly pagesTotal: number | null;
  readonly pages?: ReadonlyArray<{ readonly page: number; readonly ok: boolean }>;
  readonly error?: { readonly code: string; readonly message: string };
}

export async function submitJob(url: string, pdf: Buffer, name: string): Promise<{ status: number; body: JobBody }> {
  const res = await request(`${url}/v1/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ image: pdf.toString('base64'), name }),
  });
  return { status: res.statusCode, body: (await res.body.json()) as JobBody };
}

export async function getJob(url: string, id: string): Promise<{ status: number; body: JobBody }> {
  const res = await request(`${url}/v1/jobs/${id}`);
  return { status: res.statusCode, body: (await res.body.json()) as JobBody };
}

/** A counter from /metrics (summed over its labels). */
export async function metric(url: string, name: string): Promise<number> {
  const text = await (await request(`${url}/metrics`)).body.text();
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) || line.startsWith(`${name} `)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

export interface Tally {
  accepted: number;
  finished: number;
  lost: number;
  duplicated: number;
  failed: number;
  canceled: number;
}

/** Waits for every job to reach a final state and counts them. */
export async function tally(url: string, ids: readonly string[], pagesEach: number, timeoutMs: number): Promise<Tally> {
  const t: Tally = { accepted: ids.length, finished: 0, lost: 0, duplicated: 0, failed: 0, canceled: 0 };
  const until = Date.now() + timeoutMs;
  for (const id of ids) {
    let body: JobBody | undefined;
    for (;;) {
      const res = await getJob(url, id);
      if (res.status === 404) break;
      body = res.body;
      if (['completed', 'failed', 'canceled'].includes(body.state) || Date.now() > until) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!body || !['completed', 'failed', 'canceled'].includes(body.state)) {
      t.lost += 1;
      continue;
    }
    t.finished += 1;
    if (body.state === 'failed') t.failed += 1;
    if (body.state === 'canceled') t.canceled += 1;
    const pages = (body.pages ?? []).map((p) => p.page);
    if (new Set(pages).size !== pages.length || pages.length > pagesEach) t.duplicated += 1;
    if (body.state === 'completed' && pages.length !== pagesEach) t.lost += 1;
  }
  return t;
}
