/**
 * `doclayout bench [--url URL] --concurrency C (--duration S | --requests N) [files…]`: a load
 * test against a running service — the original guide's single and concurrent tests done right:
 * throughput, p50/p95/p99/max latency, status codes, the per-device split, optional JSON.
 * Exits 1 when any request got no HTTP answer at all (refused, reset, timed out).
 */
import fs from 'node:fs';
import path from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { InvalidParamError } from '../../errors.js';
import { formatLoadReport, runLoad, type LoadFile } from '../../loadtest/index.js';
import { expandInputs } from '../input-files.js';
import { checkUrl, defaultServerUrl, URL_FLAG_HELP } from '../server-url.js';

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be an integer ≥ 1`);
    return n;
  };
}

function nonNegativeInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be an integer ≥ 0`);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a number > 0`);
    return n;
  };
}

function collectParam(value: string, previous: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`expected key=value, got "${value}"`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}

interface BenchOptions {
  url?: string;
  endpoint: string;
  concurrency: number;
  duration?: number;
  requests?: number;
  warmup: number;
  timeoutMs: number;
  param: Record<string, string>;
  json?: string;
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('Load-test a running doclayout service (or any of its compatible APIs)')
    .argument('<files...>', 'images/PDFs to send, round-robin (files, folders or globs)')
    .option('--url <url>', URL_FLAG_HELP, checkUrl)
    .option('--endpoint <path>', 'API to drive: /v1/layout, /v1/layout/batch, /analyze, /object-detection, /layout-parsing', '/v1/layout')
    .option('-c, --concurrency <n>', 'concurrent clients (= connections)', positiveInt('--concurrency'), 1)
    .option('-d, --duration <s>', 'run for this many seconds', positiveNumber('--duration'))
    .option('-n, --requests <n>', 'send exactly this many requests', positiveInt('--requests'))
    .option('--warmup <n>', 'requests sent first and not measured', nonNegativeInt('--warmup'), 0)
    .option('--timeout-ms <ms>', 'per-request limit', positiveInt('--timeout-ms'), 120_000)
    .option('-p, --param <key=value>', 'layout parameter (threshold=0.4, shapeMode=rect, …); repeatable', collectParam, {})
    .option('--json <file>', 'also write the report as JSON ("-" = stdout, replaces the table)')
    .action(async (inputs: string[], options: BenchOptions) => {
      if ((options.duration === undefined) === (options.requests === undefined)) {
        throw InvalidParamError('--duration/--requests', 'give exactly one of them');
      }
      const { files, missing } = await expandInputs(inputs);
      if (missing.length > 0) throw InvalidParamError('files', `not found: ${missing.join(', ')}`);
      if (files.length === 0) throw InvalidParamError('files', 'no input files');
      const loaded: LoadFile[] = files.map((f) => ({ name: path.basename(f.path), bytes: fs.readFileSync(f.path) }));

      const url = options.url ?? defaultServerUrl();
      const toStdout = options.json === '-';
      if (!toStdout) {
        const what = options.duration !== undefined ? `${options.duration} s` : `${options.requests} requests`;
        process.stderr.write(`bench: ${loaded.length} file(s) → ${url}${options.endpoint}, concurrency ${options.concurrency}, ${what}\n`);
      }
      const report = await runLoad({
        url,
        endpoint: options.endpoint,
        files: loaded,
        concurrency: options.concurrency,
        durationS: options.duration,
        requests: options.requests,
        warmupRequests: options.warmup,
        timeoutMs: options.timeoutMs,
        params: options.param,
        onProgress: process.stderr.isTTY && !toStdout
          ? ({ done, failed, elapsedS }) => process.stderr.write(`\r  ${elapsedS.toFixed(0)} s: ${done} done, ${failed} failed   `)
          : undefined,
      });
      if (process.stderr.isTTY && !toStdout) process.stderr.write('\n');
      const json = `${JSON.stringify(report, null, 2)}\n`;
      if (toStdout) process.stdout.write(json);
      else {
        process.stdout.write(formatLoadReport(report));
        if (options.json) fs.writeFileSync(options.json, json);
      }
      if (report.transportErrors > 0) {
        process.stderr.write(`bench: ${report.transportErrors} request(s) got no HTTP answer\n`);
        process.exitCode = 1;
      }
    });
}
