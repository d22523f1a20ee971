/**
 * The start-up line `serve` prints: where the service listens, who can reach it, and whether
 * requests need an API key — the two facts a person needs before leaving a server running.
 * Tools (tests, benches) match its `doclayout listening on http://…` prefix.
 */
import type { AddressInfo } from 'node:net';

const ANY_ADDRESS = new Set(['0.0.0.0', '::']);
const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/** A URL a browser on this machine can open: "localhost" for a wildcard address. */
export function localUrl(address: AddressInfo): string {
  const host = ANY_ADDRESS.has(address.address) ? 'localhost' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** Who can connect, in words. */
export function reach(address: AddressInfo): string {
  if (ANY_ADDRESS.has(address.address)) return `every network interface (${address.address}): other machines can connect`;
  if (LOOPBACK.test(address.address)) return 'this machine only (--host 0.0.0.0 to serve others)';
  return `${address.address} only`;
}

export function listenLine(address: AddressInfo, apiKeysRequired: boolean): string {
  const url = localUrl(address);
  const keys = apiKeysRequired ? 'API keys: required (--api-keys)' : 'API keys: not required (anyone who can connect can use it; --api-keys to require them)';
  return `doclayout listening on ${url} — ${reach(address)}; ${keys}\n  web UI ${url}/ · jobs ${url}/jobs · dashboard ${url}/dashboard · API docs ${url}/docs\n`;
}
