/**
 * What the container scenarios share: bounded event-driven waits, the stand-in model in a folder
 * a container can mount, real sample pages (../shared/samples) and PDFs made of them, HTTP calls
 * as a client makes them, and a crash from outside the engine (SIGKILL to the container's init,
 * as the OOM killer would; `docker kill` would count as a deliberate stop and skip the restart).
 */
import fs from 'node:fs';
import path from 'node:path';
import { PDFDocument } from 'pdf-lib';
import { writeFixtureModel } from '../../fixtures/fixture-model.js';
import { samplesDir } from '../../fixtures/paths.js';
import type { Engine } from './engine.js';

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true; fails after `timeoutMs` with what was awaited and `detail()`. */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 90_000, detail: () => string | Promise<string> = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${await detail()}`);
    await sleep(200);
  }
}

/** A folder holding the fixture model as the image expects it (/models/PP-DocLayoutV3.onnx), readable by uid 10001. */
export function modelDir(parent: string): string {
  const dir = fs.mkdtempSync(path.join(parent, 'models-'));
  fs.chmodSync(dir, 0o755);
  const target = path.join(dir, 'PP-DocLayoutV3.onnx');
  fs.copyFileSync(writeFixtureModel({ variant: 'v3' }), target);
  fs.chmodSync(target, 0o644);
  return dir;
}

export function samplePage(name = 'paper-page.jpg'): Buffer {
  return fs.readFileSync(path.join(samplesDir, name));
}

/** A PDF with one sample page per entry, each page the image at its own size. */
export async function samplePdf(names: readonly string[]): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  for (const name of names) {
    const image = await pdf.embedJpg(samplePage(name));
    pdf.addPage([image.width / 2, image.height / 2]).drawImage(image, { x: 0, y: 0, width: image.width / 2, height: image.height / 2 });
  }
  return Buffer.from(await pdf.save());
}

export interface LayoutAnswer {
  readonly status: number;
  readonly body: any;
}

export async function postLayout(url: string, name: string, bytes: Buffer, timeoutMs = 120_000): Promise<LayoutAnswer> {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(bytes)]), name);
  const res = await fetch(`${url}/v1/layout`, { method: 'POST', body: form, signal: AbortSignal.timeout(timeoutMs) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text for the failure message
  }
  return { status: res.status, body };
}

export async function ready(url: string): Promise<boolean> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

export async function busy(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/status`, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { queueDepth: number; devices: Array<{ inflight: number }> };
  return body.queueDepth + body.devices.reduce((n, d) => n + d.inflight, 0);
}

export async function inspect(engine: Engine, container: string, format: string): Promise<string> {
  return (await engine.docker(['inspect', '-f', format, container])).stdout.trim();
}

export async function logs(engine: Engine, container: string): Promise<string> {
  const out = await engine.docker(['logs', '--tail', '40', container], { allowFail: true });
  return `--- docker logs ${container}\n${out.stdout}${out.stderr}`;
}

/** The host pid of the container's init (tini): what a crash kills. */
export async function initPid(engine: Engine, container: string): Promise<number> {
  const pid = Number(await inspect(engine, container, '{{.State.Pid}}'));
  if (!(pid > 0)) throw new Error(`${container} is not running (pid ${pid})`);
  return pid;
}

/**
 * SIGKILL to the container's init process from the host, then waits until the restart policy has
 * started it again (RestartCount went up and it runs). Returns the new restart count. `pid` (read
 * beforehand with initPid) makes the kill itself immediate.
 */
export async function crashAndAwaitRestart(engine: Engine, container: string, pid?: number): Promise<number> {
  const before = Number(await inspect(engine, container, '{{.RestartCount}}'));
  process.kill(pid ?? (await initPid(engine, container)), 'SIGKILL');
  let count = before;
  await waitFor(async () => {
    const [restarts, running] = (await inspect(engine, container, '{{.RestartCount}} {{.State.Running}}')).split(' ');
    count = Number(restarts);
    return count > before && running === 'true';
  }, `${container} restarted by its restart policy`, 60_000, () => logs(engine, container));
  return count;
}
