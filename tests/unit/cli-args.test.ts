// cli/args.ts defineCommand: the arguments parsed against the command's options before its
// body runs; a usage error (from the parsing or the body) exits 2 with the command's usage.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defineCommand, UsageError } from '../../cli/args.ts';

const usage = 'Usage: lanewatch demo [--config DIR] [--json] [NAME]';

function demo(positionals: boolean) {
  const calls: unknown[] = [];
  const command = defineCommand({
    name: 'demo',
    summary: 'a command for the test',
    usage,
    options: { config: { type: 'string' }, json: { type: 'boolean', default: false } },
    positionals,
    run: async ({ values, positionals: rest }) => {
      calls.push({ config: values.config, json: values.json, rest });
      if (values.config === 'bad') throw new UsageError('--config: bad is not a directory');
      return 0;
    },
  });
  return { command, calls };
}

let stderr = '';
afterEach(() => {
  vi.restoreAllMocks();
  stderr = '';
});
function captureStderr(): void {
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
}

describe('defineCommand', () => {
  it('names the command and hands its body the parsed options and positional arguments', async () => {
    const { command, calls } = demo(true);
    expect(command).toMatchObject({ name: 'demo', summary: 'a command for the test', usage });
    expect(await command.run(['--config', 'dir', 'alice'])).toBe(0);
    expect(calls).toEqual([{ config: 'dir', json: false, rest: ['alice'] }]);
  });

  it.each([
    ['an unknown option', true, ['--nope'], "Unknown option '--nope'"],
    ['a positional argument where none is taken', false, ['alice'], "Unexpected argument 'alice'"],
    ['a usage error from the body', true, ['--config', 'bad'], '--config: bad is not a directory'],
  ])('%s: exit code 2, the reason and the usage on stderr', async (_what, positionals, args, reason) => {
    captureStderr();
    const { command } = demo(positionals);
    expect(await command.run(args)).toBe(2);
    expect(stderr).toContain(reason);
    expect(stderr).toContain(usage);
  });
});
