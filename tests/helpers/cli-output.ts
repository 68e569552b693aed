// A CLI command run in the test's process with what it prints kept as text (not shown), for the
// tests of `lanewatch <command>`.
import type { CliCommand } from '../../cli/command.ts';

export interface CommandRun {
  code: number;
  /** What it wrote to stdout. */
  out: string;
  /** What it wrote to stderr. */
  err: string;
}

function text(chunk: string | Uint8Array): string {
  return typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
}

/** Runs `command` with `args`, process.stdout and process.stderr captured until it ends. */
export async function runCommand(command: Pick<CliCommand, 'run'>, args: string[]): Promise<CommandRun> {
  let out = '';
  let err = '';
  const stdout = process.stdout.write;
  const stderr = process.stderr.write;
  process.stdout.write = ((chunk: string | Uint8Array): boolean => ((out += text(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array): boolean => ((err += text(chunk)), true)) as typeof process.stderr.write;
  try {
    const code = await command.run(args);
    return { code, out, err };
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
}
