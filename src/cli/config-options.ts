/**
 * Turns config.ts's option table into commander options, and commander's parsed values back
 * into config overrides — so a flag, its env name and its default are declared once.
 */
import { Option, type Command } from 'commander';
import { envValue, optionSpecs, removedOptions, resolveConfig, type Config, type OptionName, type RemovedOptionName } from '../config.js';

/** `removed`: flags the command had before they stopped being options; still accepted (hidden), they warn and do nothing. */
export function addConfigOptions(command: Command, names: readonly OptionName[], removed: readonly RemovedOptionName[] = []): Command {
  for (const name of names) {
    const spec = optionSpecs[name];
    const unit = 'unit' in spec && spec.unit ? ` [${spec.unit}]` : '';
    const fallback = spec.default === undefined ? '' : `; default ${String(spec.default)}`;
    command.addOption(new Option(spec.flag, `${spec.description}${unit} (env ${spec.env}${fallback})`));
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
