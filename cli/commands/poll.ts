// `lanewatch poll`: polls the configured devices and prints rates — a debugging tool for
// engineers. `--once` polls every device twice, one interval apart, prints the second round
// and exits; without it the collector runs and prints every batch until Ctrl-C.
import type { CliCommand } from '../command.ts';
import { defineCommand, loadConfigOrReport, numberOption, UsageError } from '../args.ts';
import type { DestinationStream, Logger } from 'pino';
import { stderrLogger } from '../logger.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { secretValues } from '../../config/secrets.ts';
import { pollTwice } from '../../collector/poll-once.ts';
import { Collector } from '../../collector/collector.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { InterfaceSample, LinkSample, PollBatch, PollOutcome } from '../../collector/samples.ts';
import { serviceClasses } from '../../api/schemas.ts';

const usage = `Usage: lanewatch poll [--config DIR] [--once] [--json] [--interval-ms N] [--log-level LEVEL]

Polls every router of the topology over SNMP (v2c or v3) and prints link rates,
interface rates and each poll's outcome. A link has one row per direction and
class: \`total\` (the interface rate) and, where the router reports per-class
counters (class-based QoS or per-service sub-interfaces), one row for each
service class its classes map to (${serviceClasses.join(', ')}).

Options:
  --config DIR       the config directory (default: the embedded example, config/example)
  --once             poll every device twice, one interval apart, print the second
                     round and exit (exit code 1 when a device failed)
                     (without --once: poll continuously and print every batch until Ctrl-C)
  --json             print JSON: {"links":[…],"interfaces":[…],"polls":[…]},
                     each link row with its "dir" and "class"
                     (continuous mode: one such object per poll batch, one per line)
  --interval-ms N    time between polls (default: collector.intervalMs of the config)
  --log-level LEVEL  log level of the diagnostics on stderr (default: warn)
  -h, --help         this text`;

/** The fields of a link sample the report prints. */
type ReportedSample = Pick<LinkSample, 'link' | 'province' | 'tier' | 'dir' | 'class' | 'bitsPerSecond' | 'utilization' | 'capacityBps'>;

export interface PollReport {
  links: ReportedSample[];
  interfaces: InterfaceSample[];
  polls: PollOutcome[];
}

function toReport(batches: readonly PollBatch[]): PollReport {
  return {
    links: batches.flatMap((b) =>
      b.links.map((s) => ({
        link: s.link,
        province: s.province,
        tier: s.tier,
        dir: s.dir,
        class: s.class,
        bitsPerSecond: s.bitsPerSecond,
        utilization: s.utilization,
        capacityBps: s.capacityBps,
      })),
    ),
    interfaces: batches.flatMap((b) => b.interfaces),
    polls: batches.map((b) => b.poll),
  };
}

/** 1234567 → "1.23 Mbps". */
function formatBps(bitsPerSecond: number): string {
  const units = ['bps', 'kbps', 'Mbps', 'Gbps', 'Tbps'];
  let value = bitsPerSecond;
  let unit = 0;
  while (Math.abs(value) >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? value.toFixed(0) : value.toFixed(2)} ${units[unit]}`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

function formatReport(report: PollReport): string {
  const parts: string[] = [];
  parts.push(
    report.links.length === 0
      ? 'links: no rates (first reading, discontinuity, or no capacity known)'
      : table(
          ['link', 'province', 'tier', 'dir', 'class', 'rate', 'util', 'capacity'],
          report.links.map((l) => [
            l.link,
            l.province,
            String(l.tier),
            l.dir,
            l.class,
            formatBps(l.bitsPerSecond),
            `${(l.utilization * 100).toFixed(1)}%`,
            formatBps(l.capacityBps),
          ]),
        ),
  );
  if (report.interfaces.length > 0) {
    parts.push(
      table(
        ['device', 'ifName', 'in', 'out', 'oper', 'inErr', 'outErr'],
        report.interfaces.map((i) => [
          i.device,
          i.ifName,
          formatBps(i.inBps),
          formatBps(i.outBps),
          i.operUp ? 'up' : 'down',
          String(i.inErrors),
          String(i.outErrors),
        ]),
      ),
    );
  }
  parts.push(
    table(
      ['device', 'poll', 'latency', 'varbinds', 'error'],
      report.polls.map((p) => [p.device, p.ok ? 'ok' : 'FAILED', `${p.latencyMs} ms`, String(p.varbinds), p.error ?? '']),
    ),
  );
  return parts.join('\n\n') + '\n';
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function logLevel(level: string): string {
  if (!LEVELS.includes(level)) throw new UsageError(`--log-level expects one of ${LEVELS.join(', ')}, got "${level}"`);
  return level;
}

async function pollContinuously(collector: Collector): Promise<number> {
  collector.start();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await collector.stop();
  return 0;
}

/** The command's stderr logger, scrubbed of the configuration's secrets as `lanewatch run`'s is. */
export function pollLogger(config: LanewatchConfig, level: string, destination?: DestinationStream): Logger {
  return stderrLogger('poll', level, { secrets: secretValues(config), ...(destination === undefined ? {} : { destination }) });
}

export const pollCommand: CliCommand = defineCommand({
  name: 'poll',
  summary: 'poll devices from a config and print rates (debugging: --once --json)',
  usage,
  options: {
    config: { type: 'string' },
    once: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    'interval-ms': { type: 'string' },
    'log-level': { type: 'string', default: 'warn' },
  },
  run: async ({ values }) => {
    const intervalMs = numberOption('interval-ms', values['interval-ms'], undefined, { integer: true, min: 1 });
    const level = logLevel(values['log-level']);
    const config = loadConfigOrReport(values.config);
    if (!config) return 2;
    const log = pollLogger(config, level);
    if (intervalMs !== undefined) config.settings.collector.intervalMs = intervalMs;

    if (values.once) {
      const batches = await pollTwice(config, { log, intervalMs });
      const report = toReport(batches);
      process.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
      return report.polls.every((p) => p.ok) ? 0 : 1;
    }

    const bus = new LiveBus((err) => log.error({ err }, 'printing a batch failed'));
    bus.subscribe((batch) => {
      const report = toReport([batch]);
      process.stdout.write(values.json ? JSON.stringify(report) + '\n' : formatReport(report) + '\n');
    });
    return pollContinuously(new Collector({ config, bus, log }));
  },
});
