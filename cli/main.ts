// `lanewatch <command>`: the only place that knows the collector, the server and the
// simulator together. Each command module parses its own arguments and has its own --help.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CliCommand } from './command.ts';
import { checkConfigCommand } from './commands/check-config.ts';
import { runCommand, collectorCommand, serverCommand } from './commands/run.ts';
import { pollCommand } from './commands/poll.ts';
import { simulateCommand } from './commands/simulate.ts';
import { discoverCommand } from './commands/discover.ts';
import { userCommand } from './commands/user.ts';

const commands: CliCommand[] = [runCommand, collectorCommand, serverCommand, pollCommand, discoverCommand, checkConfigCommand, simulateCommand, userCommand];

/** The version in Lanewatch's package.json: the nearest one above this module (cli/ in the sources, dist/cli/ when built). */
function packageVersion(): string {
  const here = fileURLToPath(import.meta.url);
  for (let dir = dirname(here); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg: unknown = JSON.parse(readFileSync(file, 'utf8'));
      if (typeof pkg === 'object' && pkg !== null && 'name' in pkg && pkg.name === 'lanewatch' && 'version' in pkg && typeof pkg.version === 'string') {
        return pkg.version;
      }
    }
    if (dirname(dir) === dir) throw new Error(`no package.json of lanewatch in any folder above ${here}`);
  }
}

function mainUsage(): string {
  const width = Math.max(...commands.map((c) => c.name.length));
  return [
    'lanewatch: bandwidth and QoS monitor for a two-tier national data network',
    '',
    'Usage: lanewatch <command> [options]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run `lanewatch <command> --help` for the options of a command; `lanewatch --version` prints the version.',
    'Without --config, commands use the embedded example configuration (config/example).',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainUsage() + '\n');
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    process.stdout.write(`${packageVersion()}\n`);
    return 0;
  }
  const command = commands.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`lanewatch: unknown command "${name}"\n\n${mainUsage()}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(command.usage + '\n');
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`lanewatch: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
