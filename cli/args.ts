// Argument parsing shared by the commands: node's parseArgs with errors that name the option.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, ConfigError, defaultConfigDir } from '../config/load.ts';
import type { LanewatchConfig } from '../config/schema.ts';
import type { CliCommand } from './command.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

function parseCommandArgs<O extends Options>(args: string[], options: O, allowPositionals = false) {
  try {
    return parseArgs({ args, options, allowPositionals, strict: true });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

/** The numbers an option accepts: at least `min` (above it where `minExclusive`), at most `max`, an integer where `integer`. */
export interface NumberRange {
  min: number;
  minExclusive?: boolean;
  max?: number;
  integer?: boolean;
}

function rangeText({ min, minExclusive = false, max, integer = false }: NumberRange): string {
  if (integer && min === 1 && !minExclusive && max === undefined) return 'a positive integer';
  const low = minExclusive ? `above ${min}` : `≥ ${min}`;
  return `${integer ? 'an integer' : 'a number'} ${low}${max === undefined ? '' : ` and ≤ ${max}`}`;
}

/** The number an option gives, or `fallback` when it is absent; a UsageError naming the option when it is not one in `range`. */
export function numberOption<F extends number | undefined>(name: string, text: string | undefined, fallback: F, range: NumberRange): number | F {
  if (text === undefined) return fallback;
  const value = Number(text);
  const fits =
    text.trim() !== '' &&
    Number.isFinite(value) &&
    (range.integer !== true || Number.isInteger(value)) &&
    (range.minExclusive === true ? value > range.min : value >= range.min) &&
    (range.max === undefined || value <= range.max);
  if (!fits) throw new UsageError(`--${name} expects ${rangeText(range)}, got "${text}"`);
  return value;
}

/** Loads the config named by --config (or the embedded default); prints problems and returns undefined when invalid. */
export function loadConfigOrReport(dir: string | undefined): LanewatchConfig | undefined {
  try {
    return loadConfig(dir ?? defaultConfigDir);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(err.message + '\n');
      return undefined;
    }
    throw err;
  }
}

/** Runs a command body, turning usage errors into exit code 2 with the command's usage. */
async function withUsage(usage: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (err) {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${usage}\n`);
      return 2;
    }
    throw err;
  }
}

/** What a command's `run` gets: its options parsed, and the positional arguments. */
export type ParsedCommandArgs<O extends Options> = ReturnType<typeof parseCommandArgs<O>>;

/**
 * A command whose arguments are parsed against `options` (positional arguments only where
 * `positionals` allows them) before `run`; a usage error, from the parsing or from `run`,
 * ends with exit code 2 and the command's usage.
 */
export function defineCommand<O extends Options>(spec: {
  name: string;
  summary: string;
  usage: string;
  options: O;
  positionals?: boolean;
  run(parsed: ParsedCommandArgs<O>): Promise<number>;
}): CliCommand {
  return {
    name: spec.name,
    summary: spec.summary,
    usage: spec.usage,
    run: (args) => withUsage(spec.usage, () => spec.run(parseCommandArgs(args, spec.options, spec.positionals ?? false))),
  };
}
