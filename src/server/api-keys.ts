/**
 * The API keys file (`--api-keys FILE`): one tenant per line, `tenant:key` or, better, the key's
 * sha256 as `tenant:sha256:<64 hex>` (then the file holds no secret), optionally followed by that
 * tenant's own limits: `pages=N` (pages accepted and unanswered), `queued=N` (pages waiting) and
 * `priority=batch` (its requests never go ahead of batch work). `#` starts a comment.
 *
 *     acme:sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 pages=16 queued=64
 *     nightly-import:another-secret priority=batch
 *
 * Only digests are kept in memory; a presented key is hashed and compared with every entry in
 * constant time (crypto.timingSafeEqual, no early exit), so timing tells nothing about the keys.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import { InvalidParamError } from '../errors.js';
import type { PriorityClass } from '../pool/index.js';

export interface TenantEntry {
  readonly tenant: string;
  /** Per-tenant overrides of --tenant-max-pages / --tenant-max-queued. */
  readonly maxPages?: number;
  readonly maxQueued?: number;
  /** The highest class its requests may use. */
  readonly maxPriority: PriorityClass;
}

const TENANT = /^[A-Za-z0-9._-]{1,64}$/;
const HASHED = /^sha256:([0-9a-fA-F]{64})$/;

function digest(key: string): Buffer {
  return createHash('sha256').update(key, 'utf8').digest();
}

export class ApiKeys {
  readonly #entries: ReadonlyArray<{ readonly digest: Buffer; readonly entry: TenantEntry }>;

  constructor(entries: ReadonlyArray<{ readonly digest: Buffer; readonly entry: TenantEntry }>) {
    this.#entries = entries;
  }

  static parse(text: string, source = 'api keys'): ApiKeys {
    const entries: Array<{ digest: Buffer; entry: TenantEntry }> = [];
    const bad = (line: number, why: string) => InvalidParamError('apiKeys', `${source} line ${line}: ${why}`);
    text.split(/\r?\n/).forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '').trim();
      if (!line) return;
      const [credential, ...options] = line.split(/\s+/);
      const colon = credential!.indexOf(':');
      const tenant = credential!.slice(0, colon);
      const key = credential!.slice(colon + 1);
      if (colon < 0 || !TENANT.test(tenant)) throw bad(i + 1, 'expected tenant:key or tenant:sha256:<hex>, tenant of letters, digits, . _ -');
      if (!key) throw bad(i + 1, 'empty key');
      const hashed = HASHED.exec(key);
      const entry: { tenant: string; maxPages?: number; maxQueued?: number; maxPriority: PriorityClass } = { tenant, maxPriority: 'interactive' };
      for (const option of options) {
        const [name, value] = option.split('=');
        if ((name === 'pages' || name === 'queued') && /^\d{1,9}$/.test(value ?? '')) entry[name === 'pages' ? 'maxPages' : 'maxQueued'] = Number(value);
        else if (name === 'priority' && (value === 'interactive' || value === 'batch')) entry.maxPriority = value;
        else throw bad(i + 1, `unknown option "${option}" (pages=N, queued=N, priority=interactive|batch)`);
      }
      const d = hashed ? Buffer.from(hashed[1]!, 'hex') : digest(key);
      if (entries.some((e) => e.digest.equals(d))) throw bad(i + 1, 'the same key twice');
      entries.push({ digest: d, entry });
    });
    if (entries.length === 0) throw InvalidParamError('apiKeys', `${source} holds no key`);
    return new ApiKeys(entries);
  }

  static load(file: string): ApiKeys {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      throw InvalidParamError('apiKeys', `cannot read ${file}: ${(err as Error).message}`);
    }
    return ApiKeys.parse(text, file);
  }

  /** The entry the key belongs to, or undefined; every entry is compared whatever matches. */
  lookup(key: string): TenantEntry | undefined {
    const d = digest(key);
    let found: TenantEntry | undefined;
    for (const { digest: known, entry } of this.#entries) if (timingSafeEqual(known, d) && !found) found = entry;
    return found;
  }
}
