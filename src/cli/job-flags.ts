/**
 * What `submit` and `jobs` share: the cluster options, opening the cluster, and the analysis
 * parameters of a submitted document (the same flags as `analyze`).
 */
import type { Command } from 'commander';
import type { Config, OptionName, RemovedOptionName } from '../config.js';
import { InvalidParamError } from '../errors.js';
import { Cluster, JobClient, jobSettings, type DocumentOptions } from '../jobs/index.js';
import { parseLayoutParams } from '../model/index.js';

export const CLUSTER_OPTIONS: readonly OptionName[] = ['redis', 'queue', 'jobTtlS', 'jobAttempts'];
/** Accepted for one release with a deprecation warning (config.ts removedOptions). */
export const REMOVED_CLUSTER_OPTIONS: readonly RemovedOptionName[] = ['jobBackoffMs'];

export function openClient(config: Config): JobClient {
  if (!config.redis) throw InvalidParamError('--redis', 'give the queue: --redis redis://HOST:PORT (or DOCLAYOUT_REDIS)');
  return new JobClient(new Cluster(jobSettings(config)));
}

export function addParamOptions(command: Command): Command {
  return command
    .option('--pages <list>', 'PDF pages, e.g. 1-5,9 (default: all)')
    .option('--no-layout-nms', 'disable layout NMS')
    .option('--merge-mode <mode>', 'union | large | small, or label:mode,… per class')
    .option('--unclip-ratio <ratio>', 'number, "w,h", or label:ratio,… per class')
    .option('--shape-mode <mode>', 'auto | rect | poly | quad');
}

export function documentOptions(config: Config, flags: Record<string, unknown>, callbackUrl?: string): DocumentOptions {
  const params = parseLayoutParams({
    threshold: config.threshold,
    layoutNms: flags.layoutNms === false ? false : undefined,
    mergeMode: flags.mergeMode,
    unclipRatio: flags.unclipRatio,
    shapeMode: flags.shapeMode,
  });
  return {
    params,
    ...(typeof flags.pages === 'string' ? { pages: flags.pages } : {}),
    pdfDpi: config.pdfDpi,
    maxPdfPages: config.maxPdfPages,
    ...(callbackUrl ? { callbackUrl } : {}),
  };
}
