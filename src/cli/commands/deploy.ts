/**
 * `doclayout deploy nginx --upstream host:port … --listen PORT`: prints the nginx `upstream` +
 * `server` blocks for several instances (to include inside `http {}`), so the balancer's limits
 * follow the service's own defaults instead of being copied by hand.
 */
import { InvalidArgumentError, type Command } from 'commander';
import { nginxConfig } from '../../deploy/nginx-config.js';
import { NGINX_DEFAULTS } from '../../deploy/nginx-options.js';

function number(name: string, integer: boolean) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
      throw new InvalidArgumentError(`${name} must be ${integer ? 'an integer' : 'a number'} > 0`);
    }
    return n;
  };
}

const collect = (value: string, previous: string[]): string[] => [...previous, ...value.split(',').map((v) => v.trim()).filter(Boolean)];

interface NginxFlags {
  upstream: string[];
  listen: string;
  maxBodyMb: number;
  proxyTimeoutS: number;
  maxFails: number;
  failTimeoutS: number;
  keepalive: number;
  name: string;
  serverName: string;
  accessLog: string;
  adminAllow: string[];
}

export function registerDeployCommand(program: Command): void {
  const deploy = program.command('deploy').description('Generate deployment configuration');
  deploy
    .command('nginx')
    .description('Print nginx upstream + server blocks (include inside http {}) that balance several instances with least_conn')
    .requiredOption('--upstream <host:port>', 'a doclayout instance; repeat or comma-separate for several', collect, [])
    .requiredOption('--listen <port|addr:port>', 'where nginx listens')
    .option('--max-body-mb <mb>', "the backends' --max-upload-mb; nginx allows base64 overhead on top", number('--max-body-mb', false), NGINX_DEFAULTS.maxUploadMb)
    .option('--proxy-timeout-s <s>', "proxy read/send timeout; keep it above the service's --request-timeout-ms", number('--proxy-timeout-s', true), NGINX_DEFAULTS.proxyTimeoutS)
    .option('--max-fails <n>', 'passive health: failed attempts that take a backend out', number('--max-fails', true), NGINX_DEFAULTS.maxFails)
    .option('--fail-timeout-s <s>', 'passive health window and time out of rotation', number('--fail-timeout-s', true), NGINX_DEFAULTS.failTimeoutS)
    .option('--keepalive <n>', 'idle upstream connections kept per nginx worker', number('--keepalive', true), NGINX_DEFAULTS.keepalive)
    .option('--name <name>', 'upstream group name', NGINX_DEFAULTS.name)
    .option('--server-name <name>', 'nginx server_name', NGINX_DEFAULTS.serverName)
    .option('--access-log <path|off>', 'access log (with the upstream that answered)', NGINX_DEFAULTS.accessLog)
    .option('--admin-allow <addr>', 'address/CIDR allowed to call /backends/N/v1/admin/reload; repeatable', collect, [])
    .action((flags: NginxFlags) => {
      const text = nginxConfig({
        upstreams: flags.upstream,
        listen: flags.listen,
        maxUploadMb: flags.maxBodyMb,
        proxyTimeoutS: flags.proxyTimeoutS,
        maxFails: flags.maxFails,
        failTimeoutS: flags.failTimeoutS,
        keepalive: flags.keepalive,
        name: flags.name,
        serverName: flags.serverName,
        accessLog: flags.accessLog,
        adminAllow: flags.adminAllow.length > 0 ? flags.adminAllow : NGINX_DEFAULTS.adminAllow,
      });
      process.stdout.write(text);
    });
}
