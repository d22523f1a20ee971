import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { optionSpecs } from '../../src/config.js';
import { nginxConfig, PURE_LAYOUT_ROUTES } from '../../src/deploy/nginx-config.js';
import { nginxBodyLimitMb, parseUpstream } from '../../src/deploy/nginx-options.js';
import { findNginx, writeNginxConf } from './nginx-harness.js';
import { repoRoot } from '../fixtures/paths.js';
import { missingDependency } from '../helpers/require-dep.js';

const cli = path.join(repoRoot, 'dist/src/cli/index.js');
const three = ['10.0.0.11:8000', '10.0.0.12:8000', '10.0.0.13:8000'];

/** The body of the first `location` block whose header matches. */
function locationBlock(conf: string, header: RegExp): string {
  const lines = conf.split('\n');
  const start = lines.findIndex((l) => /^\s*location\b/.test(l) && header.test(l));
  assert.ok(start >= 0, `no location matching ${header}`);
  const end = lines.findIndex((l, i) => i > start && /^\s{4}\}/.test(l));
  return lines.slice(start, end + 1).join('\n');
}

test('balances with least_conn over every backend, with passive health and keepalive', () => {
  const conf = nginxConfig({ upstreams: three, listen: 8080 });
  const upstream = conf.slice(conf.indexOf('upstream doclayout {'), conf.indexOf('}', conf.indexOf('upstream doclayout {')));
  assert.match(upstream, /^\s*least_conn;$/m);
  for (const u of three) assert.match(upstream, new RegExp(`^\\s*server ${u.replace(/\./g, '\\.')} max_fails=3 fail_timeout=10s;$`, 'm'));
  assert.match(upstream, /^\s*keepalive 32;$/m);
  assert.match(conf, /^\s*listen 8080;$/m);
  assert.match(conf, /^\s*proxy_http_version 1\.1;$/m);
  assert.match(conf, /^\s*proxy_set_header Connection "";$/m);
});

test("the body limit follows the service's upload limit, with room for base64", () => {
  const fallback = optionSpecs.maxUploadMb.default;
  assert.match(nginxConfig({ upstreams: three, listen: 80 }), new RegExp(`client_max_body_size ${nginxBodyLimitMb(fallback)}m;`));
  assert.equal(nginxBodyLimitMb(50), 67);
  assert.equal(nginxBodyLimitMb(3), 5);
  assert.ok(nginxBodyLimitMb(fallback) * 3 >= fallback * 4, 'a base64 body of a full-size upload must pass');
  assert.match(nginxConfig({ upstreams: three, listen: 80, maxUploadMb: 3 }), /client_max_body_size 5m;/);
});

test('proxy timeouts are long and configurable, connect timeout short', () => {
  const conf = nginxConfig({ upstreams: three, listen: 80, proxyTimeoutS: 900 });
  assert.match(conf, /proxy_read_timeout 900s;/);
  assert.match(conf, /proxy_send_timeout 900s;/);
  assert.match(conf, /proxy_connect_timeout 5s;/);
  const defaults = nginxConfig({ upstreams: three, listen: 80 });
  const readS = Number(/proxy_read_timeout (\d+)s;/.exec(defaults)![1]);
  assert.ok(readS * 1000 > optionSpecs.requestTimeoutMs.default, 'nginx must wait longer than the service deadline');
});

test('non_idempotent retries are enabled only on the pure layout routes, bounded', () => {
  const conf = nginxConfig({ upstreams: three, listen: 80 });
  assert.equal(conf.match(/^\s*proxy_next_upstream [^\n]*non_idempotent;$/gm)?.length, 1);
  const layout = locationBlock(conf, /v1\/layout/);
  assert.match(layout, /proxy_next_upstream error timeout http_502 http_503 non_idempotent;/);
  assert.match(layout, /proxy_next_upstream_tries 2;/);
  assert.match(layout, /proxy_next_upstream_timeout \d+s;/);
  const header = layout.split('\n')[0]!;
  const routeRegex = new RegExp(/location ~ (\S+) \{/.exec(header)![1]!);
  for (const route of PURE_LAYOUT_ROUTES) assert.ok(routeRegex.test(`/${route}`), route);
  for (const route of ['/v1/admin/reload', '/v1/layoutx', '/v1/status', '/analyze/extra']) assert.ok(!routeRegex.test(route), route);
  const rest = locationBlock(conf, /location \/ \{/);
  assert.match(rest, /proxy_next_upstream error timeout http_502 http_503;/);
  assert.doesNotMatch(conf, /http_429|http_500|http_504/, '429/500/504 are never retried');
});

test('every backend gets its own status routes, and admin is not reachable through the balancer', () => {
  const conf = nginxConfig({ upstreams: three, listen: 80 });
  three.forEach((u, i) => {
    assert.match(conf, new RegExp(`upstream doclayout_backend_${i} \\{\\n\\s+server ${u.replace(/\./g, '\\.')};`));
    const status = locationBlock(conf, new RegExp(`\\^/backends/${i}/\\(`));
    assert.match(status, /gpu_status/);
    assert.match(status, /v1\/status/);
    assert.match(status, new RegExp(`proxy_pass http://doclayout_backend_${i}/\\$1;`));
    const admin = locationBlock(conf, new RegExp(`= /backends/${i}/v1/admin/reload`));
    assert.match(admin, /deny all;/);
  });
  assert.match(locationBlock(conf, /\^~ \/v1\/admin\//), /return 403/);
  const index = /return 200 '(.*)';/.exec(locationBlock(conf, /= \/backends \{/))![1]!;
  assert.deepEqual(JSON.parse(index).backends.map((b: { upstream: string }) => b.upstream), three);
});

test('bad upstreams, listen addresses and directive injection are refused', () => {
  const bad = (options: Parameters<typeof nginxConfig>[0], pattern: RegExp): void => {
    assert.throws(() => nginxConfig(options), (err: Error & { code?: string }) => err.code === 'LAYOUT_ERR_INVALID_PARAM' && pattern.test(err.message));
  };
  bad({ upstreams: [], listen: 80 }, /at least one/);
  bad({ upstreams: ['host'], listen: 80 }, /host:port/);
  bad({ upstreams: ['host:0'], listen: 80 }, /port/);
  bad({ upstreams: ['host:70000'], listen: 80 }, /port/);
  bad({ upstreams: ['a:1', 'a:1'], listen: 80 }, /twice/);
  bad({ upstreams: ['a;b:1'], listen: 80 }, /host name/);
  bad({ upstreams: ['a:1'], listen: 'x' }, /PORT/);
  bad({ upstreams: ['a:1'], listen: 80, serverName: 'a; return 200' }, /nginx directive/);
  bad({ upstreams: ['a:1'], listen: 80, maxFails: 0 }, /max-fails/);
  assert.deepEqual(parseUpstream('[::1]:9000'), { host: '[::1]', port: 9000, address: '[::1]:9000' });
});

const nginx = findNginx();
const noNginx = missingDependency('nginx', nginx ? undefined : 'nginx is not installed (apt-get install nginx-light)');

test('the generated config is accepted by nginx -t', { skip: noNginx, timeout: 30_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'doclayout-nginx-t-'));
  try {
    const snippet = nginxConfig({ upstreams: ['127.0.0.1:9001', '[::1]:9002', 'localhost:9003'], listen: '127.0.0.1:9000', accessLog: path.join(dir, 'access.log') });
    const conf = writeNginxConf(dir, snippet);
    const result = spawnSync(nginx!, ['-t', '-p', dir, '-c', conf, '-e', 'stderr'], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stderr, /test is successful/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy/nginx/doclayout.conf is exactly what the command in its header prints', { timeout: 30_000 }, () => {
  const file = fs.readFileSync(path.join(repoRoot, 'deploy/nginx/doclayout.conf'), 'utf8');
  const command = /^#\s+doclayout (deploy nginx .*)$/m.exec(file)?.[1];
  assert.ok(command, 'the header names the command that generated it');
  const result = spawnSync(process.execPath, [cli, ...command.split(/\s+/)], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(result.status, 0, result.stderr);
  assert.equal(result.stdout, file, 'regenerate it with the command in its header');
});

test('doclayout deploy nginx refuses a bad flag with a usage error', { timeout: 30_000 }, () => {
  const result = spawnSync(process.execPath, [cli, 'deploy', 'nginx', '--upstream', 'a:1', '--listen', '80', '--max-fails', 'zero'], { encoding: 'utf8', timeout: 20_000 });
  assert.notEqual(result.status, 0);
  assert.match(result.stderr, /--max-fails/);
  assert.equal(result.stdout, '');
});
