/**
 * Runs a real nginx for tests: its own prefix, pid file, temp folders and logs under a temporary
 * folder, in the foreground (a child process we can kill), listening on 127.0.0.1 only.
 */
import { freePort } from '../helpers/free-port.js';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';

const CANDIDATES = ['nginx', '/usr/sbin/nginx', '/usr/local/sbin/nginx', '/usr/local/nginx/sbin/nginx'];

interface NginxBinary {
  readonly path: string;
  /** `nginx -V` output: which modules were left out of this build. */
  readonly build: string;
}

let found: NginxBinary | null | undefined;

function locate(): NginxBinary | null {
  for (const candidate of CANDIDATES) {
    const result = spawnSync(candidate, ['-V'], { encoding: 'utf8', timeout: 10_000 });
    if (result.status === 0) return { path: candidate, build: `${result.stdout}${result.stderr}` };
  }
  return null;
}

/** The nginx executable, or undefined when none is installed (tests then skip). */
export function findNginx(): string | undefined {
  if (found === undefined) found = locate();
  return found?.path;
}

/**
 * Writes `dir/nginx.conf`: a complete config around a generated snippet, where every path nginx
 * writes to (pid, temp folders, logs) lives in `dir`, since the compiled-in ones
 * (/var/lib/nginx…) are the system's. Returns the file's path.
 */
export function writeNginxConf(dir: string, snippet: string): string {
  fs.mkdirSync(path.join(dir, 'temp'), { recursive: true });
  const file = path.join(dir, 'nginx.conf');
  fs.writeFileSync(file, standaloneNginxConf(dir, snippet));
  return file;
}

function standaloneNginxConf(dir: string, snippet: string): string {
  const build = found?.build ?? '';
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .filter((m) => m === 'client_body' || m === 'proxy' || !build.includes(`--without-http_${m}_module`))
    .map((m) => `    ${m}_temp_path ${path.join(dir, 'temp', m)};`);
  // As root, workers would switch to "nobody", who cannot write into a private temp folder.
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  return `${user}worker_processes 1;
pid ${path.join(dir, 'nginx.pid')};
error_log stderr warn;
events {
    worker_connections 1024;
}
http {
${temp.join('\n')}
${snippet}
}
`;
}

export interface NginxProcess {
  readonly child: ChildProcess;
  /** stderr so far (errors and warnings). */
  output(): string;
  stop(): Promise<void>;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts nginx in the foreground with `dir/nginx.conf`; resolves once `port` accepts connections. */
export async function startNginx(nginx: string, dir: string, port: number, timeoutMs = 15_000): Promise<NginxProcess> {
  const child = spawn(nginx, ['-p', dir, '-c', path.join(dir, 'nginx.conf'), '-e', 'stderr', '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-20_000);
  });
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const stop = async (): Promise<void> => {
    // SIGTERM: the master stops its workers, then exits. SIGKILL would orphan the workers, which
    // hold our stderr pipe open (and this process alive). SIGKILL only if it ignores SIGTERM for 5 s.
    if (!exited) child.kill('SIGTERM');
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exit;
    clearTimeout(force);
    child.stderr!.destroy();
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await canConnect(port))) {
    if (exited) throw new Error(`nginx exited at start: ${stderr}`);
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`nginx did not listen on ${port} within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { child, output: () => stderr, stop };
}
