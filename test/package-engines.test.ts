/**
 * `engines` in package.json is a promise: every locked dependency must support every Node version
 * it admits, or `npm ci` warns EBADENGINE on the versions we claim (content-disposition 3.1 and
 * cookie 2.0 declare Node ≥ 22: while Node 20 was admitted they had to be pinned back by `overrides`).
 * A platform package (`os`/`cpu`) is installed only on its platform, so it is held to the promise
 * only where the service can run at all: where onnxruntime-node ships its binary.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, it } from 'node:test';
import { repoRoot } from './fixtures/paths.js';

// semver is npm's own range logic (a dependency of sharp), so the check means what npm means.
const semver = createRequire(import.meta.url)('semver') as { subset(sub: string, dom: string): boolean; validRange(range: string): string | null };

const readJson = <T>(file: string): T => JSON.parse(fs.readFileSync(path.join(repoRoot, file), 'utf8')) as T;

interface LockedPackage { version?: string; engines?: unknown; os?: string[]; cpu?: string[] }
interface Platform { os: string; cpu: string }

/** The os/cpu pairs onnxruntime-node ships a binary for (bin/napi-v*\/<os>/<cpu>): the service runs nowhere else. */
function enginePlatforms(): Platform[] {
  const bin = path.join(repoRoot, 'node_modules/onnxruntime-node/bin');
  return fs.readdirSync(bin).flatMap((napi) =>
    fs.readdirSync(path.join(bin, napi)).flatMap((os) =>
      fs.readdirSync(path.join(bin, napi, os)).map((cpu) => ({ os, cpu }))));
}

/** npm's reading of an `os`/`cpu` list: absent allows all, `!x` excludes x, any name listed admits only those. */
function allows(list: string[] | undefined, value: string): boolean {
  if (!list || list.length === 0) return true;
  if (list.includes(`!${value}`)) return false;
  const admitted = list.filter((entry) => !entry.startsWith('!'));
  return admitted.length === 0 || admitted.includes(value);
}

describe('package engines', () => {
  it('every locked dependency supports every Node version package.json admits', () => {
    const ours = readJson<{ engines: { node: string } }>('package.json').engines.node;
    assert.ok(semver.validRange(ours), `engines.node ${ours}`);
    const platforms = enginePlatforms();
    assert.ok(platforms.some((p) => p.os === 'linux' && p.cpu === 'x64'), `onnxruntime-node binaries: ${JSON.stringify(platforms)}`);
    const lock = readJson<{ packages: Record<string, LockedPackage> }>('package-lock.json');
    const unsupported: string[] = [];
    for (const [where, pkg] of Object.entries(lock.packages)) {
      const range = (pkg.engines as { node?: unknown } | undefined)?.node;
      if (where === '' || typeof range !== 'string' || !semver.validRange(range)) continue;
      if (!platforms.some((p) => allows(pkg.os, p.os) && allows(pkg.cpu, p.cpu))) continue;
      if (!semver.subset(ours, range)) unsupported.push(`${where.replace(/^.*node_modules\//, '')}@${pkg.version}: node ${range}`);
    }
    assert.deepEqual(unsupported, [], `package.json says node ${ours}`);
  });

  it('a platform package counts only on the platforms it names', () => {
    assert.ok(allows(undefined, 'linux'));
    assert.ok(allows(['linux', 'darwin'], 'linux'));
    assert.ok(!allows(['win32'], 'linux'));
    assert.ok(!allows(['ia32'], 'x64'));
    assert.ok(allows(['!win32'], 'linux'));
    assert.ok(!allows(['!win32'], 'win32'));
  });
});
