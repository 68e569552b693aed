// `lanewatch simulate`: serves every router of a topology as an SNMP agent on loopback, with
// per-class traffic, an optional scenario and an optional ground-truth file.
import { resolve } from 'node:path';
import type { CliCommand } from '../command.ts';
import { defineCommand, loadConfigOrReport, numberOption, UsageError } from '../args.ts';
import type { DestinationStream, Logger } from 'pino';
import { createLogger } from '../logger.ts';
import { topologySecrets } from '../../config/secrets.ts';
import { ConfigError } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { generateTopology } from '../../simulator/generate.ts';
import { loadScenario, type Scenario } from '../../simulator/scenario/schema.ts';
import { loadSimulationConfig, type SimulationConfig } from '../../simulator/sim-config.ts';
import { Simulator, servedRouters } from '../../simulator/simulator.ts';

const usage = `Usage: lanewatch simulate [--config DIR | --generate N] [--speed N] [--seed S]
                         [--scenario FILE] [--truth FILE] [--list]

Serves every router of the topology (DIR/topology.yaml, with DIR/simulation.yaml when present;
default: the embedded example, config/example) as an SNMP agent on its configured address:
SNMPv2c or SNMPv3 authPriv as configured, GET/GETNEXT/GETBULK over the system group, ifTable,
ifXTable and, for class-based-QoS routers, the CISCO-CLASS-BASED-QOS-MIB tables (service
policies, objects, policy-map, class-map and queueing config, class-map stats); routers of the
sub-interface style expose one sub-interface per service class instead. Traffic per link,
direction and class follows seeded daily profiles (Vietnam time) through a queue model at the
link's capacity; counters are exact. Only loopback addresses (127.0.0.0/8, [::1]) are served.
Runs until SIGINT or SIGTERM.

Options:
  --config DIR     the config directory (topology.yaml, optional simulation.yaml)
  --generate N     serve a synthetic topology of N routers instead (10 links each, from
                   127.0.0.1:16101 on; --list shows the addresses); no config directory needed
  --speed N        the simulated clock runs N times faster than the wall clock (default 1);
                   sysUpTime and the counters follow the simulated clock, so a poller that
                   takes Δt from sysUpTime sees the modelled rates (--speed 60: an hour a minute)
  --seed S         traffic seed, a non-negative integer (default: simulation.yaml's, else 1):
                   same seed, same trace
  --scenario FILE  play a scenario (YAML timeline: internetSurge, videoConference, reboot,
                   counterWrap, renumber, linkDown, unresponsive; see
                   config/example/scenarios/demo.yaml) from the start, in simulated time
  --truth FILE     write the ground truth as JSON lines: the true per-link, per-direction,
                   per-class offered, sent and dropped rates (bps), one line per class every
                   simulated minute, timestamped in simulated epoch ms
  --list           print the routers served as JSON and exit: id, address, SNMP version, and
                   the community (v2c) or user name (v3). SNMPv3 keys are never printed: take
                   them from the topology file (so the output can go in tickets and logs)
  -h, --help       this text

Examples:
  lanewatch simulate --speed 60 --scenario config/example/scenarios/demo.yaml &
  snmpbulkwalk -v2c -c lanewatch-ro 127.0.0.1:16101 1.3.6.1.2.1.31.1.1.1.1
  snmpbulkwalk -v2c -c lanewatch-ro 127.0.0.1:16101 1.3.6.1.4.1.9.9.166.1.7.1.1.1`;

/** First port of a generated topology. */
const generatedBasePort = 16_101;

/**
 * The process's logger, scrubbed of the simulated routers' communities and SNMPv3 keys as
 * `lanewatch run`'s is of the configuration's secrets. `destination` replaces stdout (tests).
 */
export function simulateLogger(topology: TopologyConfig, destination?: DestinationStream): Logger {
  return createLogger({ secrets: topologySecrets(topology), ...(destination === undefined ? {} : { destination }) });
}

export const simulateCommand: CliCommand = defineCommand({
  name: 'simulate',
  summary: 'serve the topology as simulated routers speaking SNMP on loopback (demo, benchmarks)',
  usage,
  options: {
    config: { type: 'string' },
    speed: { type: 'string' },
    seed: { type: 'string' },
    scenario: { type: 'string' },
    truth: { type: 'string' },
    generate: { type: 'string' },
    list: { type: 'boolean', default: false },
  },
  run: async ({ values }) => {
    const speed = numberOption('speed', values.speed, 1, { min: 0, minExclusive: true, max: 1_000_000 });
    const seedGiven = numberOption('seed', values.seed, undefined, { integer: true, min: 0, max: 0xffff_ffff });
    const generateCount = numberOption('generate', values.generate, undefined, { integer: true, min: 1, max: 100_000 });
    if (generateCount !== undefined && values.config !== undefined) throw new UsageError('--generate and --config exclude each other');

    let topology: TopologyConfig;
    let simulation: SimulationConfig;
    let scenario: Scenario | undefined;
    if (generateCount !== undefined) {
      try {
        ({ topology, simulation } = generateTopology(generateCount, { seed: seedGiven ?? 1, basePort: generatedBasePort }));
      } catch (err) {
        throw new UsageError(`--generate: ${err instanceof Error ? err.message : String(err)}`);
      }
    } else {
      const config = loadConfigOrReport(values.config);
      if (!config) return 1;
      topology = config.topology;
      try {
        simulation = loadSimulationConfig(config.dir, topology);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(err.message + '\n');
        return 1;
      }
    }
    if (values.scenario !== undefined) {
      try {
        scenario = loadScenario(resolve(values.scenario), topology);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        process.stderr.write(err.message + '\n');
        return 1;
      }
    }

    if (values.list) {
      process.stdout.write(JSON.stringify(servedRouters(topology), null, 2) + '\n');
      return 0;
    }
    // The process's logger, as `lanewatch run` makes it; the simulator's parts name their component.
    const log = simulateLogger(topology);
    const simulator = new Simulator({
      topology,
      simulation,
      seed: seedGiven,
      speed,
      log,
      scenario,
      truth: values.truth === undefined ? undefined : { path: resolve(values.truth) },
    });
    try {
      await simulator.start();
    } catch (err) {
      process.stderr.write(`lanewatch simulate: ${err instanceof Error ? err.message : String(err)}\n`);
      return 1;
    }
    const signal = await new Promise<NodeJS.Signals>((resolveSignal) => {
      process.once('SIGINT', resolveSignal);
      process.once('SIGTERM', resolveSignal);
    });
    log.info({ signal }, 'stopping');
    await simulator.stop();
    return 0;
  },
});
