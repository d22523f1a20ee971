/**
 * `doclayout status [--url URL …] [--watch [SECONDS]] [--json]` (or `--redis URL` for a cluster): the original guide's monitor
 * script as a command. Reads each instance's /v1/status and prints instances and devices as
 * tables (or JSON for scripts). Exit code 1 when any instance is down, draining, or has no
 * device ready — so `doclayout status --url … && deploy-next` works in a rollout script.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { resolveConfig } from '../../config.js';
import { InvalidParamError } from '../../errors.js';
import { Cluster, DEFAULT_QUEUE, JobClient, jobSettings } from '../../jobs/index.js';
import { clusterTable, readClusterStatus } from '../status/cluster-status.js';
import { fetchAllStatuses, type InstanceStatus } from '../status/instance-status.js';
import { statusTable } from '../status/status-table.js';
import { checkUrl, defaultServerUrl, URL_FLAG_HELP } from '../server-url.js';

const DEFAULT_WATCH_S = 2;
/** ANSI: clear the screen and move home, so --watch redraws in place like `watch(1)`. */
const CLEAR_SCREEN = '\x1b[2J\x1b[H';

interface StatusFlags {
  url?: string[];
  redis?: string;
  queue?: string;
  watch?: true | string;
  json?: boolean;
  timeoutMs: number;
}

const collectUrls = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), ...value.split(',').map((v) => v.trim()).filter(Boolean).map(checkUrl)];

function watchSeconds(value: true | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === true) return DEFAULT_WATCH_S;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw InvalidParamError('--watch', `expected a number of seconds > 0, got "${value}"`);
  return n;
}

function render(instances: readonly InstanceStatus[], json: boolean, pretty: boolean): string {
  if (!json) return statusTable(instances);
  const doc = { time: new Date().toISOString(), healthy: instances.every((i) => i.healthy), instances };
  return `${JSON.stringify(doc, null, pretty ? 2 : undefined)}\n`;
}

export function registerStatusCommand(program: Command): void {
  program
    .command('status')
    .description('Show state, load, throughput, latency and GPU figures of running instances (exit 1 if any is down)')
    .option('--url <url>', `${URL_FLAG_HELP}; repeat or comma-separate for several`, collectUrls)
    .option('-w, --watch [seconds]', `redraw every N seconds (default ${DEFAULT_WATCH_S}) until Ctrl-C`)
    .option('--redis <url>', 'show the cluster behind this job queue instead (workers, queue depth, pages/s)')
    .option('--queue <name>', 'cluster queue name with --redis', DEFAULT_QUEUE)
    .option('--json', 'machine-readable output (one JSON document per refresh with --watch)')
    .option('--timeout-ms <ms>', 'per-instance request limit', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('--timeout-ms must be an integer ≥ 1');
      return n;
    }, 3_000)
    .action(async (flags: StatusFlags) => {
      const urls = flags.url ?? [defaultServerUrl()];
      const everyS = watchSeconds(flags.watch);
      const json = Boolean(flags.json);
      const stop = new AbortController();
      const client = flags.redis ? new JobClient(new Cluster(jobSettings(resolveConfig({ redis: flags.redis, queue: flags.queue })))) : undefined;
      const once = async (): Promise<boolean> => {
        if (client) {
          const cluster = await readClusterStatus(client);
          const text = json ? `${JSON.stringify(cluster, null, everyS === undefined ? 2 : undefined)}\n` : clusterTable(cluster);
          process.stdout.write(everyS !== undefined && !json && process.stdout.isTTY ? `${CLEAR_SCREEN}${text}` : text);
          return cluster.healthy;
        }
        const instances = await fetchAllStatuses(urls, { timeoutMs: flags.timeoutMs, signal: stop.signal });
        if (stop.signal.aborted) return true;
        const text = render(instances, json, everyS === undefined);
        process.stdout.write(everyS !== undefined && !json && process.stdout.isTTY ? `${CLEAR_SCREEN}${text}` : text);
        return instances.every((i) => i.healthy);
      };

      if (everyS === undefined) {
        try {
          process.exitCode = (await once()) ? 0 : 1;
        } finally {
          await client?.cluster.close();
        }
        return;
      }
      // Ctrl-C ends the watch (and a refresh in progress); the exit code reports the last full refresh.
      let healthy = true;
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => {
          stop.abort();
          clearTimeout(timer);
          resolve();
        });
        const tick = async (): Promise<void> => {
          const result = await once();
          if (stop.signal.aborted) return;
          healthy = result;
          timer = setTimeout(() => void tick(), everyS * 1000);
        };
        void tick();
      });
      await client?.cluster.close();
      process.exitCode = healthy ? 0 : 1;
    });
}
