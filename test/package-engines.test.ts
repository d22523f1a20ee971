/**
 * `engines` in package.json is a promise: every locked dependency must support every Node version
 * it admits, or `npm ci` warns EBADENGINE on the versions we claim (content-disposition 3.1 and
 * cookie 2.0 declare Node ≥ 22: while Node 20 was admitted they had to be pinned back by `overrides`).
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

describe('package engines', () => {
  it('every locked dependency supports every Node version package.json admits', () => {
    const ours = readJson<{ engines: { node: string } }>('package.json').engines.node;
    assert.ok(semver.validRange(ours), `engines.node ${ours}`);
    const lock = readJson<{ packages: Record<string, { version?: string; engines?: unknown; dev?: boolean }> }>('package-lock.json');
    const unsupported: string[] = [];
    for (const [where, pkg] of Object.entries(lock.packages)) {
      const range = (pkg.engines as { node?: unknown } | undefined)?.node;
      if (where === '' || typeof range !== 'string' || !semver.validRange(range)) continue;
      if (!semver.subset(ours, range)) unsupported.push(`${where.replace(/^.*node_modules\//, '')}@${pkg.version}: node ${range}`);
    }
    assert.deepEqual(unsupported, [], `package.json says node ${ours}`);
  });
});
