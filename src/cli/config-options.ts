/**
 * Turns config.ts's option table into commander options, and commander's parsed values back
 * into config overrides — so a flag, its env name and its default are declared once.
 */
import { Option, type Command } from 'commander';
import { envValue, optionSpecs, removedOptions, resolveConfig, type Config, type OptionName, type RemovedOptionName } from '../config.js';

/** `--help` topics, in the order shown; an option not listed here goes under "Options:". */
const HELP_TOPICS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['Model and devices:', ['model', 'modelDir', 'devices', 'cpuThreads', 'maxBatch', 'prepThreads', 'threshold']],
  ['Network and access:', ['host', 'port', 'apiKeys', 'tenantHeader', 'tenantMaxPages', 'tenantMaxQueued', 'adminToken', 'maxUploadMb', 'headersTimeoutMs', 'uploadTimeoutMs', 'minUploadBytesPerS', 'uploadRateWindowMs']],
  ['Documents:', ['maxPixels', 'pdfDpi', 'pdfPageTimeoutMs', 'maxPdfPages']],
  ['Queue and deadlines:', ['maxQueue', 'maxQueueDelayMs', 'requestTimeoutMs', 'priorityAgingMs', 'interactiveLane', 'eventLoopLagMs', 'drainTimeoutMs']],
  ['Worker health:', ['maxRetries', 'heartbeatIntervalMs', 'watchdogTimeoutMs', 'maxRunMs', 'restartBackoffMs', 'restartBackoffMaxMs', 'recycleAfterPages', 'recycleRssMb', 'idleRecycleMarginMb']],
  ['Jobs and cluster:', ['redis', 'queue', 'cache', 'jobTtlS', 'jobLockMs', 'jobAttempts', 'jobBackoffMs', 'jobStalledIntervalMs', 'jobMaxStalled', 'clusterWorker', 'callbackAllow', 'callbackTimeoutMs']],
  ['Logging and telemetry:', ['logLevel', 'gpuTelemetryMs']],
];
const TOPIC_OF = new Map(HELP_TOPICS.flatMap(([topic, names]) => names.map((name) => [name, topic] as const)));

/**
 * What `--help` says of an option: the first sentence of its description — what it does for the
 * user. The reasoning after it (measurements, history) stays in config.ts and the README.
 */
export function helpSummary(description: string): string {
  let depth = 0;
  let end = description.length;
  for (let i = 0; i < description.length; i++) {
    const c = description[i];
    if (c === '(') depth++;
    else if (c === ')') depth = Math.max(0, depth - 1);
    else if (c === '.' && depth === 0 && /^\s+[A-Z0-9`]/.test(description.slice(i + 1, i + 3)) && !/\b(i\.e|e\.g|vs)$/.test(description.slice(Math.max(0, i - 3), i))) {
      end = i;
      break;
    }
  }
  return description.slice(0, end).replace(/\s*\([^()]*\b(bench|issue)\b[^()]*\)/gi, '').replace(/\.$/, '').trim();
}

/** `removed`: flags the command had before they stopped being options; still accepted (hidden), they warn and do nothing. */
export function addConfigOptions(command: Command, names: readonly OptionName[], removed: readonly RemovedOptionName[] = []): Command {
  // Grouped only where there are many (serve, worker): a short list reads better plain.
  const grouped = names.length > 12;
  const topicIndex = (name: string): number => HELP_TOPICS.findIndex(([topic]) => topic === TOPIC_OF.get(name));
  const ordered = grouped ? [...names].sort((a, b) => (topicIndex(a) + 1 || 99) - (topicIndex(b) + 1 || 99)) : names;
  for (const name of ordered) {
    const spec = optionSpecs[name];
    const unit = 'unit' in spec && spec.unit ? ` [${spec.unit}]` : '';
    const fallback = spec.default === undefined ? '' : `, default ${String(spec.default)}`;
    const option = new Option(spec.flag, `${helpSummary(spec.description)}${unit} (env ${spec.env}${fallback})`);
    const topic = TOPIC_OF.get(name);
    if (grouped && topic) option.helpGroup(topic);
    command.addOption(option);
  }
  for (const name of removed) command.addOption(new Option(removedOptions[name].flag, removedOptions[name].instead).hideHelp());
  return command;
}

/** commander names the value after the flag (--heartbeat-ms → heartbeatMs), not the option. */
function flagValue(options: Record<string, unknown>, name: OptionName | RemovedOptionName): unknown {
  const flag = name in removedOptions ? removedOptions[name as RemovedOptionName].flag : optionSpecs[name as OptionName].flag;
  return options[new Option(flag).attributeName()];
}

/** Flags given on the command line win over the environment, which wins over defaults. A removed flag given warns (resolveConfig). */
export function configFromOptions(options: Record<string, unknown>, names: readonly OptionName[]): Config {
  const overrides: Partial<Record<OptionName | RemovedOptionName, unknown>> = {};
  for (const name of [...names, ...Object.keys(removedOptions) as RemovedOptionName[]]) {
    const value = flagValue(options, name);
    if (value !== undefined) overrides[name] = value;
  }
  return resolveConfig(overrides);
}

/** Set by a flag or the environment rather than left at its default. */
export function optionGiven(options: Record<string, unknown>, name: OptionName): boolean {
  return flagValue(options, name) !== undefined || envValue(name) !== undefined;
}
