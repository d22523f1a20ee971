/**
 * SSRF guard for callbackUrl: a job's submitter chooses the URL, and the server (or a cluster
 * worker) POSTs to it from inside the operator's network. Addresses in loopback, link-local,
 * private, shared, multicast and reserved ranges are refused unless the operator allows them
 * (`--callback-allow 127.0.0.1/32,10.1.0.0/16`). A host name is resolved and every address it
 * resolves to is checked; the connection then uses the addresses that were checked (`lookup`),
 * so a name that resolves differently a moment later (DNS rebinding) cannot slip past.
 */
import dns from 'node:dns';
import net from 'node:net';
import { InvalidParamError } from '../errors.js';

type Family = 'ipv4' | 'ipv6';

/** Ranges a public callback never needs (RFC 6890 special-purpose, plus multicast). */
const REFUSED_RANGES: ReadonlyArray<readonly [string, number, Family]> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'], // private
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'], // loopback
  ['169.254.0.0', 16, 'ipv4'], // link-local (cloud metadata services live here)
  ['172.16.0.0', 12, 'ipv4'], // private
  ['192.0.0.0', 24, 'ipv4'], // IETF protocol assignments
  ['192.168.0.0', 16, 'ipv4'], // private
  ['198.18.0.0', 15, 'ipv4'], // benchmarking
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved and broadcast
  ['::', 128, 'ipv6'], // unspecified
  ['::1', 128, 'ipv6'], // loopback
  ['64:ff9b:1::', 48, 'ipv6'], // local-use NAT64
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'], // multicast
];

function familyOf(address: string): Family | undefined {
  const version = net.isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** `10.0.0.0/8`, `::1/128` or a bare address (one host) → a subnet; anything else is refused. */
function addAllowed(list: net.BlockList, entry: string): void {
  const [address = '', bits, extra] = entry.split('/');
  const family = familyOf(address);
  const maxBits = family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? maxBits : Number(bits);
  if (!family || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > maxBits || (bits !== undefined && !/^\d+$/.test(bits))) {
    throw InvalidParamError('--callback-allow', `expected addresses or CIDR ranges separated by commas (127.0.0.1/32, fd00::/8), got "${entry}"`);
  }
  list.addSubnet(address, prefix, family);
}

export type LookupFunction = NonNullable<net.TcpNetConnectOpts['lookup']>;

export class CallbackGuard {
  readonly #refused = new net.BlockList();
  readonly #allowed = new net.BlockList();

  /** `allow`: the operator's comma-separated addresses or CIDR ranges (empty: none). */
  constructor(allow = '') {
    for (const [address, prefix, family] of REFUSED_RANGES) this.#refused.addSubnet(address, prefix, family);
    for (const entry of allow.split(',').map((e) => e.trim()).filter(Boolean)) addAllowed(this.#allowed, entry);
  }

  /** Whether a callback may connect to this IP address. */
  allows(address: string): boolean {
    const family = familyOf(address);
    if (!family) return false;
    // BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 rules too.
    return this.#allowed.check(address, family) || !this.#refused.check(address, family);
  }

  /** Why a callback URL is refused: its host, or an address it resolves to, is not allowed. */
  async check(url: string): Promise<void> {
    const host = hostOf(url);
    const addresses = familyOf(host) ? [host] : await resolveAll(host);
    const refused = addresses.find((a) => !this.allows(a));
    if (refused !== undefined) throw refusedError(host, refused);
  }

  /**
   * A `lookup` for the connection: resolves, refuses when any address is not allowed, and hands
   * the socket only the addresses it checked. IP literals never reach it, so `check` runs first.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    dns.lookup(hostname, { ...options, all: true }, (err, addresses) => {
      if (err) return callback(err, '', 0);
      const refused = addresses.find((a) => !this.allows(a.address));
      if (refused) return callback(refusedError(hostname, refused.address), '', 0);
      if (options.all) return (callback as unknown as (e: null, a: dns.LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(Object.assign(new Error(`${hostname} has no address`), { code: 'ENOTFOUND' }), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

/** A URL's host as the resolver wants it (IPv6 literals lose their brackets). */
export function hostOf(url: string): string {
  const { hostname } = new URL(url);
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

async function resolveAll(host: string): Promise<string[]> {
  try {
    return (await dns.promises.lookup(host, { all: true })).map((a) => a.address);
  } catch (err) {
    throw InvalidParamError('callbackUrl', `its host ${host} does not resolve (${(err as { code?: string }).code ?? 'error'})`);
  }
}

function refusedError(host: string, address: string): Error {
  const where = host === address ? address : `${host} (${address})`;
  return InvalidParamError('callbackUrl', `${where} is a loopback, link-local, private or reserved address; the operator can allow it with --callback-allow`);
}
