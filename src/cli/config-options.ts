/**
 * Turns config.ts's option table into commander options, and commander's parsed values back
 * into config overrides — so a flag, its env name and its default are declared once.
 */
import { Option, type Command } from 'commander';
import { envValue, optionSpecs, resolveConfig, type Config, type OptionName } from '../config.js';

export function addConfigOptions(command: Command, names: readonly OptionName[]): Command {
  for (const name of names) {
    const spec = optionSpecs[name];
    const unit = 'unit' in spec && spec.unit ? ` [${spec.unit}]` : '';
    const fallback = spec.default === undefined ? '' : `; default ${String(spec.default)}`;
    command.addOption(new Option(spec.flag, `${spec.description}${unit} (env ${spec.env}${fallback})`));
  }
  return command;
}

/** commander names the value after the flag (--heartbeat-ms → heartbeatMs), not the option. */
function flagValue(options: Record<string, unknown>, name: OptionName): unknown {
  return options[new Option(optionSpecs[name].flag).attributeName()];
}

/** Flags given on the command line win over the environment, which wins over defaults. */
export function configFromOptions(options: Record<string, unknown>, names: readonly OptionName[]): Config {
  const overrides: Partial<Record<OptionName, unknown>> = {};
  for (const name of names) {
    const value = flagValue(options, name);
    if (value !== undefined) overrides[name] = value;
  }
  return resolveConfig(overrides);
}

/** Set by a flag or the environment rather than left at its default. */
export function optionGiven(options: Record<string, unknown>, name: OptionName): boolean {
  return flagValue(options, name) !== undefined || envValue(name) !== undefined;
}
