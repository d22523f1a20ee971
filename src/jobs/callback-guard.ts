/**
 * SSRF guard for callbackUrl: a job's submitter chooses the URL, and the server (or a cluster
 * worker) POSTs to it from inside the operator's network. Every address in the IANA
 * special-purpose registries (IPv4 and IPv6: loopback, link-local, private, shared, documentation,
 * benchmarking, reserved, multicast...), every IPv6 form that embeds an IPv4 address (mapped,
 * compatible, NAT64, 6to4, Teredo) and this host's own interface addresses are refused unless the
 * operator allows them (`--callback-allow 127.0.0.1/32,10.1.0.0/16`); the classification is
 * `ipaddr.js`'s (special-addresses.ts). A host name is resolved and every address it resolves to
 * is checked; the connection then uses the addresses that were checked (`lookup`), so a name that
 * resolves differently a moment later (DNS rebinding) cannot slip past.
 */
import dns from 'node:dns';
import net from 'node:net';
import os from 'node:os';
import { InvalidParamError } from '../errors.js';
import { embeddedIPv4, parseAddress, specialRange } from './special-addresses.js';

type Family = 'ipv4' | 'ipv6';

function familyOf(address: string): Family | undefined {
  const version = net.isIP(address);
  return version === 4 ? 'ipv4' : version === 6 ? 'ipv6' : undefined;
}

/** This host's own addresses, normalized (read per check: interfaces come and go). */
function ownAddresses(): Set<string> {
  const own = new Set<string>();
  for (const entries of Object.values(os.networkInterfaces())) {
    for (const entry of entries ?? []) {
      const parsed = parseAddress(entry.address.split('%')[0] ?? '');
      if (parsed) own.add(parsed.toNormalizedString());
    }
  }
  return own;
}

/** Why an address is refused ('loopback', '6to4 → 127.0.0.1', 'this host'...), or undefined. */
export function refusalReason(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed) return 'not an IP address';
  const own = ownAddresses();
  if (own.has(parsed.toNormalizedString())) return 'this host';
  const inner = embeddedIPv4(parsed);
  const range = specialRange(parsed);
  if (inner) return `${range ?? 'embedded IPv4'} carrying ${inner.toString()}`;
  if (range) return range;
  return undefined;
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
  readonly #allowed = new net.BlockList();

  /** `allow`: the operator's comma-separated addresses or CIDR ranges (empty: none). */
  constructor(allow = '') {
    for (const entry of allow.split(',').map((e) => e.trim()).filter(Boolean)) addAllowed(this.#allowed, entry);
  }

  /** Whether a callback may connect to this IP address. */
  allows(address: string): boolean {
    const family = familyOf(address);
    if (!family) return false;
    // BlockList matches an IPv4-mapped IPv6 address (::ffff:127.0.0.1) against IPv4 rules too.
    return this.#allowed.check(address, family) || refusalReason(address) === undefined;
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
  const why = refusalReason(address) ?? 'special-purpose';
  return InvalidParamError('callbackUrl', `${where} is not a public address (${why}): loopback, link-local, private, reserved, IPv4-embedding and this host's addresses are refused; the operator can allow it with --callback-allow`);
}
