// Argument parsing shared by the commands: node's parseArgs with errors that name the option.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, ConfigError, defaultConfigDir } from '../config/load.ts';
import type { LanewatchConfig } from '../config/schema.ts';

export class UsageError extends Error {
  override name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<O extends Options>(args: string[], options: O, allowPositionals = false) {
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
export async function withUsage(usage: string, body: () => Promise<number>): Promise<number> {
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
