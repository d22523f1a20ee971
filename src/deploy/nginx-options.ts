/**
 * The options of the nginx config generator, their defaults and their validation — kept apart
 * from the template so `doclayout deploy nginx`, the tests and the checked-in example agree on
 * what a value means. Every default is tied to the service's own defaults in config.ts.
 */
import { optionSpecs } from '../config.js';
import { InvalidParamError } from '../errors.js';

export interface NginxConfigOptions {
  /** Backends as host:port (hostname, IPv4 or [IPv6]); one doclayout instance each. */
  readonly upstreams: readonly string[];
  /** What nginx listens on: a port, or address:port. */
  readonly listen: string | number;
  /** The backends' --max-upload-mb; nginx's body limit is derived from it (default: the service default). */
  readonly maxUploadMb?: number;
  /** Proxy send/read timeout, s; keep it above the service's request deadline. */
  readonly proxyTimeoutS?: number;
  /** Passive health: failed attempts within failTimeoutS that take a backend out. */
  readonly maxFails?: number;
  /** Passive health window and time out of rotation, s. */
  readonly failTimeoutS?: number;
  /** Idle keep-alive connections to the backends, per nginx worker. */
  readonly keepalive?: number;
  /** Name of the upstream group (also prefixes the per-backend groups and the log format). */
  readonly name?: string;
  readonly serverName?: string;
  /** Access log path, or 'off'. */
  readonly accessLog?: string;
  /** Addresses/CIDRs allowed to call the per-backend admin routes. */
  readonly adminAllow?: readonly string[];
}

interface Upstream {
  readonly host: string;
  readonly port: number;
  /** host:port as nginx wants it. */
  readonly address: string;
}

export type ResolvedNginxOptions = Required<Omit<NginxConfigOptions, 'upstreams' | 'listen'>> & {
  readonly upstreams: readonly Upstream[];
  readonly listen: string;
};

export const NGINX_DEFAULTS = {
  maxUploadMb: optionSpecs.maxUploadMb.default,
  // Well above the service's default deadline (requestTimeoutMs, 120 s), so for a page still
  // being worked on the backend answers its own 504 before nginx gives up on it.
  proxyTimeoutS: 300,
  maxFails: 3,
  failTimeoutS: 10,
  keepalive: 32,
  name: 'doclayout',
  serverName: '_',
  accessLog: '/var/log/nginx/access.log',
  adminAllow: ['127.0.0.1', '::1'],
} as const;

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
const IPV6 = /^\[[0-9A-Fa-f:.]+\]$/;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
/** Characters that would end or break an nginx directive if they reached the config. */
const UNSAFE = /[\s;{}'"\\#$]/;

function port(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n < 1 || n > 65535) throw InvalidParamError(what, `expected a port 1-65535, got "${text}"`);
  return n;
}

export function parseUpstream(text: string): Upstream {
  const value = text.trim();
  const colon = value.lastIndexOf(':');
  if (colon <= 0) throw InvalidParamError('--upstream', `expected host:port, got "${text}"`);
  const host = value.slice(0, colon);
  if (!HOSTNAME.test(host) && !IPV6.test(host)) throw InvalidParamError('--upstream', `"${host}" is not a host name or address`);
  const p = port(value.slice(colon + 1), '--upstream');
  return { host, port: p, address: `${host}:${p}` };
}

function parseListen(listen: string | number): string {
  const value = String(listen).trim();
  if (/^\d+$/.test(value)) return String(port(value, '--listen'));
  const colon = value.lastIndexOf(':');
  const host = value.slice(0, colon);
  if (colon <= 0 || (!HOSTNAME.test(host) && !IPV6.test(host) && host !== '*')) throw InvalidParamError('--listen', `expected PORT or ADDRESS:PORT, got "${value}"`);
  return `${host}:${port(value.slice(colon + 1), '--listen')}`;
}

function positive(value: number, what: string, integer: boolean): number {
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw InvalidParamError(what, `expected ${integer ? 'an integer' : 'a number'} > 0, got ${value}`);
  }
  return value;
}

export function resolveNginxOptions(options: NginxConfigOptions): ResolvedNginxOptions {
  if (options.upstreams.length === 0) throw InvalidParamError('--upstream', 'give at least one backend host:port');
  const upstreams = options.upstreams.map(parseUpstream);
  const seen = new Set<string>();
  for (const u of upstreams) {
    if (seen.has(u.address)) throw InvalidParamError('--upstream', `${u.address} is listed twice`);
    seen.add(u.address);
  }
  const name = options.name ?? NGINX_DEFAULTS.name;
  if (!NAME.test(name)) throw InvalidParamError('--name', `expected letters, digits and _ (starting with a letter), got "${name}"`);
  const serverName = options.serverName ?? NGINX_DEFAULTS.serverName;
  const accessLog = options.accessLog ?? NGINX_DEFAULTS.accessLog;
  const adminAllow = options.adminAllow ?? NGINX_DEFAULTS.adminAllow;
  for (const [what, value] of [['--server-name', serverName], ['--access-log', accessLog], ...adminAllow.map((a) => ['--admin-allow', a])] as const) {
    if (value === '' || UNSAFE.test(value)) throw InvalidParamError(what, `"${value}" cannot be written into an nginx directive`);
  }
  return {
    upstreams,
    listen: parseListen(options.listen),
    maxUploadMb: positive(options.maxUploadMb ?? NGINX_DEFAULTS.maxUploadMb, '--max-body-mb', false),
    proxyTimeoutS: positive(options.proxyTimeoutS ?? NGINX_DEFAULTS.proxyTimeoutS, '--proxy-timeout-s', true),
    maxFails: positive(options.maxFails ?? NGINX_DEFAULTS.maxFails, '--max-fails', true),
    failTimeoutS: positive(options.failTimeoutS ?? NGINX_DEFAULTS.failTimeoutS, '--fail-timeout-s', true),
    keepalive: positive(options.keepalive ?? NGINX_DEFAULTS.keepalive, '--keepalive', true),
    name,
    serverName,
    accessLog,
    adminAllow,
  };
}

/**
 * The largest request body the backends accept, in whole MiB: a JSON body carries the file as
 * base64 (4/3 larger) plus 64 KiB of fields (see bodyLimit in server/app.ts); multipart framing
 * is smaller than that. nginx must not refuse what the backend would take.
 */
export function nginxBodyLimitMb(maxUploadMb: number): number {
  return Math.ceil(maxUploadMb * (4 / 3) + 64 / 1024);
}
