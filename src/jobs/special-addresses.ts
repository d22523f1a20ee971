/**
 * Which IP addresses a callback must never reach, decided by `ipaddr.js` (a maintained
 * classifier whose `range()` names the IANA special-purpose blocks): anything it does not call
 * plain 'unicast' is refused. IPv6 forms that carry an IPv4 address (mapped, translated,
 * compatible, NAT64, 6to4, Teredo) are refused as a whole, and their embedded IPv4 is extracted
 * so the reason names the address really reached.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/**
 * The one special-purpose block `range()` leaves as 'unicast': IPv4-compatible `::a.b.c.d`
 * (RFC 4291, deprecated), which embeds an IPv4 address; `::` and `::1` inside it are named already.
 */
const IPV4_COMPATIBLE = ipaddr.parseCIDR('::/96') as [ipaddr.IPv6, number];

/** The address, or undefined when it is not a valid IPv4/IPv6 literal (zone ids refused). */
export function parseAddress(text: string): Address | undefined {
  if (!ipaddr.isValid(text) || text.includes('%')) return undefined;
  const parsed = ipaddr.parse(text);
  // Only dotted-quad IPv4 literals: ipaddr also reads "0x7f.1" and "2130706433" as IPv4.
  if (parsed.kind() === 'ipv4' && !ipaddr.IPv4.isValidFourPartDecimal(text)) return undefined;
  return parsed;
}

function lastIPv4(address: ipaddr.IPv6, xor = 0): ipaddr.IPv4 {
  const [hi = 0, lo = 0] = address.parts.slice(6);
  const value = (((hi << 16) | lo) ^ xor) >>> 0;
  return new ipaddr.IPv4([value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff]);
}

/** The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4, Teredo). */
export function embeddedIPv4(address: Address): ipaddr.IPv4 | undefined {
  if (address.kind() !== 'ipv6') return undefined;
  const v6 = address as ipaddr.IPv6;
  const range = v6.range();
  const parts = v6.parts;
  if (range === 'ipv4Mapped' || range === 'rfc6145') return lastIPv4(v6);
  if (range === 'rfc6052') return lastIPv4(v6); // 64:ff9b::/96 puts it last; 64:ff9b:1::/48 is refused whole anyway
  if (range === '6to4') return lastIPv4(new ipaddr.IPv6([0, 0, 0, 0, 0, 0, parts[1] ?? 0, parts[2] ?? 0]));
  if (range === 'teredo') return lastIPv4(v6, 0xffffffff); // the client's IPv4, obfuscated by XOR
  if (range === 'unicast' && v6.match(IPV4_COMPATIBLE)) return lastIPv4(v6);
  return undefined;
}

/**
 * Why an address is special (a block name such as 'loopback', 'reserved', '6to4'), or undefined
 * for a plain public unicast address.
 */
export function specialRange(address: Address): string | undefined {
  const range = address.range();
  if (range !== 'unicast') return range;
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).match(IPV4_COMPATIBLE)) return 'ipv4Compatible';
  return undefined;
}
