/**
 * `doclayout models pull`: streams a model to `<file>.partial`, hashing as it goes, and renames
 * it into place only when the sha256 matches. Each failed URL is reported with its reason (DNS,
 * connection, TLS, HTTP status, a cut-short body, checksum). Tested against loopback servers.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { ChecksumError, DownloadError } from '../../errors.js';
import { describeDownloadFailure, describeHttpStatus } from './download-failure.js';
import type { KnownModel } from './registry.js';

interface DownloadProgress {
  readonly url: string;
  readonly receivedBytes: number;
  readonly totalBytes: number | undefined;
}

interface PullOptions {
  readonly modelDir: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  /** Re-download even when a verified file is present. */
  readonly force?: boolean;
  readonly signal?: AbortSignal;
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/** Returns the final path. Tries each URL in turn; the last error is reported if all fail. */
export async function pullModel(model: KnownModel, options: PullOptions): Promise<string> {
  const target = path.join(options.modelDir, model.file);
  if (!options.force && fs.existsSync(target) && (await sha256File(target)) === model.sha256) return target;
  await fsp.mkdir(options.modelDir, { recursive: true });
  const partial = `${target}.partial`;
  const failures: string[] = [];
  for (const url of model.urls) {
    try {
      const digest = await downloadTo(url, partial, options);
      if (digest !== model.sha256) throw ChecksumError(url, model.sha256, digest);
      await fsp.rename(partial, target);
      return target;
    } catch (err) {
      await fsp.rm(partial, { force: true });
      if (options.signal?.aborted) throw err;
      failures.push(`${url}: ${(err as Error).message}`);
    }
  }
  throw DownloadError(model.name, failures.join('; '));
}

async function downloadTo(url: string, file: string, options: PullOptions): Promise<string> {
  let response: Response;
  try {
    response = await fetch(url, { redirect: 'follow', signal: options.signal });
  } catch (err) {
    if (options.signal?.aborted) throw err;
    throw new Error(describeDownloadFailure(url, err), { cause: err });
  }
  if (!response.ok || !response.body) throw new Error(describeHttpStatus(response.status, response.statusText));
  const totalHeader = response.headers.get('content-length');
  const totalBytes = totalHeader ? Number(totalHeader) : undefined;
  const hash = createHash('sha256');
  let receivedBytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      receivedBytes += chunk.length;
      options.onProgress?.({ url, receivedBytes, totalBytes });
      callback(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream), meter, fs.createWriteStream(file));
  } catch (err) {
    if (options.signal?.aborted) throw err;
    const of = totalBytes === undefined ? '' : ` of ${totalBytes}`;
    throw new Error(`download stopped after ${receivedBytes}${of} bytes: ${describeDownloadFailure(url, err)}`, { cause: err });
  }
  return hash.digest('hex');
}
