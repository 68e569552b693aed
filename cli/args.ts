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
