/**
 * Compose as an operator runs it: the base file plus the CPU override (and, for test timings, a
 * third file), Compose v2 (`docker compose`) where installed, else v1 (`docker-compose`).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../../fixtures/paths.js';
import { run, type Engine, type RunResult } from './engine.js';

export const composeFiles = [path.join(repoRoot, 'deploy/compose/docker-compose.yml'), path.join(repoRoot, 'deploy/compose/docker-compose.cpu.yml')];

/** ['docker', 'compose'] (v2) or ['docker-compose'] (v1); undefined when neither is installed. */
export function findCompose(): string[] | undefined {
  if (spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0) return ['docker', 'compose'];
  if (spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0) return ['docker-compose'];
  return undefined;
}

export interface Stack {
  compose(args: readonly string[], timeoutMs?: number): Promise<RunResult>;
  /** The id of the service's container number `index` (0-based). */
  container(service: string, index?: number): Promise<string>;
  down(): Promise<void>;
}

export function stack(engine: Engine, project: string, env: Record<string, string>, extraFiles: readonly string[] = []): Stack {
  const command = findCompose();
  if (!command) throw new Error('neither `docker compose` nor docker-compose is installed (apt-get install docker-compose)');
  const base = [...command.slice(1), '-p', project, ...[...composeFiles, ...extraFiles].flatMap((f) => ['-f', f])];
  const compose = (args: readonly string[], timeoutMs = 300_000): Promise<RunResult> =>
    run(command[0]!, [...base, ...args], { env: { ...engine.env, ...env }, timeoutMs });
  return {
    compose,
    async container(service, index = 0) {
      const ids = (await compose(['ps', '-q', service])).stdout.split('\n').filter(Boolean).sort();
      const id = ids[index];
      if (!id) throw new Error(`no container ${index} for ${service} (have ${ids.length})`);
      return id;
    },
    async down() {
      await compose(['--profile', 'cluster', 'down', '-v', '--remove-orphans', '--timeout', '20'], 120_000).catch(() => undefined);
    },
  };
}
