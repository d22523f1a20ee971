/**
 * A Docker engine of the test's own: Debian's dockerd on a socket in a temporary folder, with no
 * bridge network and no iptables (containers use the host network, on 127.0.0.1 only). Storage is
 * overlay2 where the folder can hold an overlay mount (a layer costs no copy), else vfs, which
 * works anywhere but copies the whole image for each build step and container (builds take
 * several times longer). It is stopped and its folder removed on every exit path:
 * `stop()` from the suite's `after`, and a synchronous kill on process exit as the last resort.
 * DOCLAYOUT_DEPLOY_TMP (set by scripts/test-deploy.sh) puts the folder where that script's own
 * trap can find and remove it too.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface Engine {
  /** unix:// address for DOCKER_HOST. */
  readonly host: string;
  readonly env: NodeJS.ProcessEnv;
  /** `docker ARGS`; rejects with its output unless it exits 0 (or `allowFail`). */
  docker(args: readonly string[], options?: { timeoutMs?: number; allowFail?: boolean; env?: NodeJS.ProcessEnv }): Promise<RunResult>;
  /** The last lines of dockerd's log, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export function findDockerd(): string | undefined {
  return ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => fs.existsSync(p));
}

/** overlay2 if an overlay mount works under `dir` (not on every file system, nor in every container), else vfs. */
export function storageDriver(dir: string): 'overlay2' | 'vfs' {
  const wanted = process.env.DOCLAYOUT_DEPLOY_STORAGE_DRIVER;
  if (wanted === 'overlay2' || wanted === 'vfs') return wanted;
  const probe = fs.mkdtempSync(path.join(dir, 'overlay-probe-'));
  const sub = ['lower', 'upper', 'work', 'merged'].map((d) => path.join(probe, d));
  for (const d of sub) fs.mkdirSync(d);
  const [lower, upper, work, merged] = sub as [string, string, string, string];
  const mounted = spawnSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lower},upperdir=${upper},workdir=${work}`, merged], { stdio: 'ignore' }).status === 0;
  if (mounted) spawnSync('umount', [merged], { stdio: 'ignore' });
  fs.rmSync(probe, { recursive: true, force: true });
  return mounted ? 'overlay2' : 'vfs';
}

export function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; allowFail?: boolean; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: options.env, cwd: options.cwd, timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      const result = { code, stdout, stderr };
      if (code !== 0 && !options.allowFail) {
        reject(new Error(`${command} ${args.join(' ')} failed (${err?.message.split('\n')[0]}):\n${stderr.slice(-4000)}${stdout.slice(-2000)}`));
      } else resolve(result);
    });
  });
}

export async function startEngine(timeoutMs = 60_000): Promise<Engine> {
  const dockerd = findDockerd();
  if (!dockerd) throw new Error('dockerd is not installed (apt-get install docker.io)');
  const parent = process.env.DOCLAYOUT_DEPLOY_TMP ?? os.tmpdir();
  fs.mkdirSync(parent, { recursive: true });
  const dir = fs.mkdtempSync(path.join(parent, 'engine-'));
  const host = `unix://${dir}/docker.sock`;
  const logFile = path.join(dir, 'dockerd.log');
  const logFd = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(dockerd, [
    '--bridge=none', '--iptables=false', '--ip6tables=false', `--storage-driver=${storageDriver(dir)}`,
    '--data-root', path.join(dir, 'data'), '--exec-root', path.join(dir, 'exec'),
    '--pidfile', path.join(dir, 'dockerd.pid'), '-H', host,
  ], { stdio: ['ignore', logFd, logFd] });
  fs.closeSync(logFd);
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => {
    exited = true;
    resolve();
  }));
  const killNow = (): void => {
    if (!exited) child.kill('SIGKILL');
    unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killNow);
  const log = (): string => {
    try {
      return fs.readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
    } catch {
      return '';
    }
  };
  const env = { ...process.env, DOCKER_HOST: host, DOCKER_BUILDKIT: '0' };
  const docker: Engine['docker'] = (args, options = {}) => run('docker', args, { ...options, env: { ...env, ...options.env } });

  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if ((await run('docker', ['version', '--format', '{{.Server.Version}}'], { env, allowFail: true, timeoutMs: 10_000 })).code === 0) break;
    if (exited || Date.now() > deadline) {
      killNow();
      throw new Error(`dockerd did not answer on ${host} within ${timeoutMs} ms:\n${log()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  const stop = async (): Promise<void> => {
    if (!exited) {
      // Containers first (each gets its stop signal), then the engine; SIGKILL if it hangs.
      const ids = (await docker(['ps', '-aq'], { allowFail: true })).stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await docker(['rm', '-f', '-v', ...ids], { allowFail: true, timeoutMs: 60_000 });
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exit;
      clearTimeout(timer);
    }
    unmountUnder(dir);
    fs.rmSync(dir, { recursive: true, force: true });
    process.removeListener('exit', killNow);
  };
  return { host, env, docker, log, stop };
}

/** Layer and container mounts an engine killed mid-run leaves behind (overlay2), deepest first. */
function unmountUnder(dir: string): void {
  let mounts: string[] = [];
  try {
    mounts = fs.readFileSync('/proc/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '').filter((m) => m.startsWith(`${dir}/`));
  } catch {
    return;
  }
  for (const m of mounts.sort().reverse()) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}
