// `lanewatch simulate`: serves every router of a topology as an SNMP agent on loopback.
import { pino } from 'pino';
import type { CliCommand } from '../command.ts';
import { parseCommandArgs, loadConfigOrReport, withUsage, UsageError } from '../args.ts';
import { Simulator } from '../../simulator/simulator.ts';

const usage = `Usage: lanewatch simulate [--config DIR] [--speed N] [--seed S] [--list]

Serves every router of the topology (DIR/topology.yaml; default: the embedded example,
config/example) as an SNMP agent on its configured address: SNMPv2c or SNMPv3 authPriv as
configured, GET/GETNEXT/GETBULK over the system group, ifTable and ifXTable. Interfaces: one
per configured link (its ifName, speed from capacityBps) plus a management port (Gi0) and a
loopback (Lo0). Traffic follows a seeded daily profile (Vietnam time); counters are the exact
integral of the modelled rate. Only loopback addresses (127.0.0.0/8, [::1]) are served.
Runs until SIGINT or SIGTERM.

Options:
  --config DIR   the config directory
  --speed N      the simulated clock runs N times faster than the wall clock (default 1);
                 sysUpTime and the counters follow the simulated clock, so a poller that
                 takes Δt from sysUpTime sees the modelled rates
  --seed S       traffic seed, a non-negative integer (default 1): same seed, same trace
  --list         print the routers served as JSON and exit: id, address, SNMP version, and
                 the community (v2c) or user name (v3). SNMPv3 keys are never printed: take
                 them from the topology file (so the output can go in tickets and logs)
  -h, --help     this text

Example:
  lanewatch simulate --speed 60 &
  snmpbulkwalk -v2c -c lanewatch-ro 127.0.0.1:16101 1.3.6.1.2.1.31.1.1.1.1`;

function parseNumber(name: string, text: string | undefined, fallback: number, check: (n: number) => boolean): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) throw new UsageError(`--${name}: invalid value "${text}"`);
  return value;
}

export const simulateCommand: CliCommand = {
  name: 'simulate',
  summary: 'serve the topology as simulated routers speaking SNMP on loopback (demo, benchmarks)',
  usage,
  run: (args) =>
    withUsage(usage, async () => {
      const { values } = parseCommandArgs(args, {
        config: { type: 'string' },
        speed: { type: 'string' },
        seed: { type: 'string' },
        list: { type: 'boolean', default: false },
      });
      const speed = parseNumber('speed', values.speed, 1, (n) => n > 0 && n <= 1_000_000);
      const seed = parseNumber('seed', values.seed, 1, (n) => Number.isInteger(n) && n >= 0 && n <= 0xffff_ffff);
      const config = loadConfigOrReport(values.config);
      if (!config) return 1;
      const log = pino({ name: 'lanewatch', level: process.env.LOG_LEVEL ?? 'info' });
      const simulator = new Simulator({ topology: config.topology, seed, speed, log });
      if (values.list) {
        process.stdout.write(JSON.stringify(simulator.list(), null, 2) + '\n');
        return 0;
      }
      try {
        await simulator.start();
      } catch (err) {
        process.stderr.write(`lanewatch simulate: ${err instanceof Error ? err.message : String(err)}\n`);
        return 1;
      }
      const signal = await new Promise<NodeJS.Signals>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      log.info({ signal }, 'stopping');
      await simulator.stop();
      return 0;
    }),
};
