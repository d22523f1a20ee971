/**
 * How the client commands (`status`, `bench`) find a running server, the same way: `--url`, else
 * `DOCLAYOUT_URL`, else this machine at `DOCLAYOUT_PORT` (8000) — where `doclayout serve` listens
 * by default.
 */
import { InvalidArgumentError } from 'commander';

export function defaultServerUrl(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCLAYOUT_URL) return checkUrl(env.DOCLAYOUT_URL);
  return `http://127.0.0.1:${env.DOCLAYOUT_PORT || '8000'}`;
}

export const URL_FLAG_HELP = 'server base URL (default $DOCLAYOUT_URL, else http://127.0.0.1:$DOCLAYOUT_PORT, port 8000)';

export function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError(`"${url}" is not a URL (expected e.g. http://127.0.0.1:8000)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new InvalidArgumentError(`"${url}" must be http:// or https://`);
  return url;
}
