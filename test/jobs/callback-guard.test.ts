/**
 * The callback SSRF guard, form by form: every block of the IANA IPv4 and IPv6 special-purpose
 * registries, every IPv6 form that embeds an IPv4 address, and this host's own addresses are
 * refused. Nothing is sent: `allows` and `check` on IP literals only classify.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import { CallbackGuard } from '../../src/jobs/index.js';
import { embeddedIPv4, parseAddress } from '../../src/jobs/special-addresses.js';

/** One address inside each block of the IANA IPv4 Special-Purpose Address Registry (+ multicast). */
const IANA_IPV4 = [
  '0.0.0.0', '0.1.2.3', // 0.0.0.0/8 this network
  '10.0.0.1', '10.255.255.254', // 10.0.0.0/8 private
  '100.64.0.1', '100.127.255.254', // 100.64.0.0/10 shared (CGN)
  '127.0.0.1', '127.255.0.1', // loopback
  '169.254.169.254', // link-local (cloud metadata)
  '172.16.0.1', '172.31.255.254', // private
  '192.0.0.1', '192.0.0.9', '192.0.0.170', // IETF protocol assignments, PCP anycast, NAT64 discovery
  '192.0.2.1', '198.51.100.7', '203.0.113.200', // documentation TEST-NET-1/2/3
  '192.31.196.1', '192.175.48.1', // AS112
  '192.52.193.1', // AMT
  '192.88.99.1', // deprecated 6to4 relay anycast
  '192.168.1.1', // private
  '198.18.0.1', '198.19.255.254', // benchmarking
  '240.0.0.1', '255.255.255.254', '255.255.255.255', // reserved, limited broadcast
  '224.0.0.1', '239.255.255.250', // multicast
];

/** One address inside each block of the IANA IPv6 Special-Purpose Address Registry (+ multicast, site-local). */
const IANA_IPV6 = [
  '::', '::1', // unspecified, loopback
  '::ffff:0:0', '::ffff:808:808', // IPv4-mapped (even of a public IPv4: the socket would be IPv4)
  '64:ff9b::808:808', '64:ff9b:1::1', // NAT64 well-known and local-use
  '100::1', // discard-only
  '2001::1', '2001:1::1', '2001:1::2', '2001:2::1', '2001:3::1', '2001:4:112::1', // 2001::/23 IETF protocol assignments
  '2001:10::1', '2001:20::1', '2001:30::1', // ORCHID, ORCHIDv2, DRIP
  '2001:db8::1', // documentation
  '2002:808:808::1', // 6to4
  '2620:4f:8000::1', // AS112-v6
  '3fff::1', // documentation (RFC 9637)
  '5f00::1', // segment routing
  'fc00::1', 'fd12:3456::1', // unique local
  'fe80::1', 'febf::1', // link-local
  'fec0::1', // deprecated site-local
  'ff02::1', 'ff0e::1', // multicast
];

/** IPv6 forms that carry an IPv4 address, with the address they carry. */
const EMBEDDING: ReadonlyArray<readonly [string, string]> = [
  ['::ffff:127.0.0.1', '127.0.0.1'], // IPv4-mapped
  ['::ffff:0:7f00:1', '127.0.0.1'], // IPv4-translated (RFC 6145)
  ['::127.0.0.1', '127.0.0.1'], // IPv4-compatible
  ['::a9fe:a9fe', '169.254.169.254'], // IPv4-compatible, hex
  ['::8.8.8.8', '8.8.8.8'], // IPv4-compatible of a public address: refused as a form
  ['64:ff9b::127.0.0.1', '127.0.0.1'], // NAT64
  ['64:ff9b::a9fe:a9fe', '169.254.169.254'], // NAT64, hex
  ['2002:7f00:1::', '127.0.0.1'], // 6to4
  ['2002:a9fe:a9fe:1::1', '169.254.169.254'], // 6to4 with a subnet and host part
  ['2001:0:4136:e378:8000:63bf:80ff:fffe', '127.0.0.1'], // Teredo: client IPv4 XOR 0xffffffff
  ['2001:0:4136:e378:8000:63bf:5646:a9fe', '169.185.86.1'], // Teredo of another client
];

describe('callback guard: special-purpose addresses', () => {
  const guard = new CallbackGuard();

  it('refuses every block of the IANA IPv4 special-purpose registry', () => {
    for (const address of IANA_IPV4) assert.equal(guard.allows(address), false, address);
  });

  it('refuses every block of the IANA IPv6 special-purpose registry', () => {
    for (const address of IANA_IPV6) assert.equal(guard.allows(address), false, address);
  });

  it('refuses every IPv6 form that embeds an IPv4 address, and reads the address it carries', () => {
    for (const [address, inner] of EMBEDDING) {
      assert.equal(guard.allows(address), false, address);
      const parsed = parseAddress(address);
      assert.ok(parsed, address);
      assert.equal(embeddedIPv4(parsed)?.toString(), inner, address);
    }
  });

  it("refuses this host's own interface addresses (non-loopback ones included)", () => {
    const own = Object.values(os.networkInterfaces()).flatMap((entries) => entries ?? []).map((e) => e.address.split('%')[0] ?? '');
    assert.ok(own.length > 0, 'this host has interface addresses');
    for (const address of own) assert.equal(guard.allows(address), false, address);
  });

  it('allows public unicast addresses, and refuses what is not a plain IP literal', () => {
    for (const address of ['8.8.8.8', '1.1.1.1', '93.184.216.34', '192.0.3.1', '198.20.0.1', '2606:4700:4700::1111', '2a00:1450:4001:82a::200e', '2001:4860:4860::8888']) {
      assert.equal(guard.allows(address), true, address);
    }
    for (const address of ['not-an-ip', '', '2130706433', '0x7f.0.0.1', 'fe80::1%eth0']) assert.equal(guard.allows(address), false, address);
  });

  it('names the embedded address when it refuses a URL', async () => {
    await assert.rejects(guard.check('http://[64:ff9b::a9fe:a9fe]/hook'), /carrying 169\.254\.169\.254.*--callback-allow/);
    await assert.rejects(guard.check('http://[2002:7f00:1::]/hook'), /6to4 carrying 127\.0\.0\.1/);
    await assert.rejects(guard.check('http://192.0.2.10/hook'), /192\.0\.2\.10 is not a public address \(reserved\)/);
  });

  it('lets the operator allow a refused range explicitly', () => {
    const allowing = new CallbackGuard('192.0.2.0/24,2002::/16');
    assert.equal(allowing.allows('192.0.2.10'), true);
    assert.equal(allowing.allows('2002:7f00:1::'), true);
    assert.equal(allowing.allows('198.51.100.7'), false);
  });
});
