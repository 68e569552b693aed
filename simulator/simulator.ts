// Orchestration: every router of a topology served as an SNMP agent on its loopback address,
// with per-class traffic from the seeded traffic engine, an optional scenario (surges,
// conferences, reboots, wraps, renumbering, link failures, silent devices) and an optional
// ground-truth file, on a clock that may run faster than real.
// Wiring in dependency order: simulation config → clock → scenario effects → traffic engine →
// router models and MIBs → agents and sockets; started in that order, stopped in reverse.
// A two-ended link (topology `far`) is served by both of its routers: the near end's egress
// carries `down`, the far end's egress `up`, each queued as that router is configured.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { ServiceClass } from '../api/schemas.ts';
import type { LinkConfig, TopologyConfig } from '../config/schema.ts';
import { parseLoopbackAddress, type HostPort } from './address.ts';
import { SimulatedClock, localTimeOfDayMs } from './clock.ts';
import { RouterAgent, type AgentCounters, type AgentSecurity } from './agent/router-agent.ts';
import { ResponseWriter } from './agent/response-writer.ts';
import { UdpEndpoint } from './agent/udp-endpoint.ts';
import { PasswordKeyCache, deriveUser } from './agent/usm.ts';
import { MibLayoutCache } from './mib/layout.ts';
import { ReadScratch, RouterMib, type RouterControl } from './mib/router-mib.ts';
import { buildRouterModel, nominalSpeedBps, type SimRouter } from './mib/router-model.ts';
import { ScenarioEffects } from './scenario/effects.ts';
import { ScenarioRunner } from './scenario/runner.ts';
import type { Scenario } from './scenario/schema.ts';
import { resolveLinkQueues, resolveRouter, simulationConfigOf, type ClassQueue, type SimulationConfig } from './sim-config.ts';
import { TrafficEngine, noEffects, type EngineLink, type TrafficEffects } from './traffic/engine.ts';
import { hash32 } from './traffic/random.ts';
import { GroundTruthWriter } from './truth/writer.ts';

export interface ServedRouter {
  id: string;
  address: string;
  version: '2c' | '3';
  community?: string;
  user?: string;
}

export interface SimulatorOptions {
  topology: TopologyConfig;
  /** simulation.yaml (QoS styles, queues, class shares); default: the defaults. */
  simulation?: SimulationConfig;
  /** Same seed → same traffic trace; default the simulation config's seed (1). */
  seed?: number;
  /** The simulated clock runs this many times faster than the wall clock; default 1. */
  speed?: number;
  log: Logger;
  /** Wall clock (epoch ms); default Date.now. */
  now?: () => number;
  /** Simulated epoch ms at the start; default the scenario's clockStart today, else the wall time. */
  startAtMs?: number;
  /** A scenario played from the start (simulator/scenario/schema.ts loadScenario). */
  scenario?: Scenario;
  /** Write the ground truth (JSON lines) to `path`, one interval every `everyMs` simulated ms (default 60 s). */
  truth?: { path: string; everyMs?: number };
  /** The traffic engine's integration step (simulated ms); default the engine's. */
  stepMs?: number;
}

/** A served router: its model, its MIB and the scenario controls. */
export interface SimulatedRouter extends RouterControl {
  readonly id: string;
  /** The router's state (interfaces, ifIndex, boot time, …). */
  readonly model: SimRouter;
  readonly mib: RouterMib;
  /** The ifIndex that names `ifName` now (it changes after a renumber). */
  ifIndexOf(ifName: string): number | undefined;
}

interface ServedEntry {
  config: TopologyConfig['routers'][number];
  router: SimulatedRouter;
  endpoint?: UdpEndpoint;
  agent?: RouterAgent;
}

/** The routers a topology serves, for `--list`: id, address, version, community or v3 user (never keys). */
export function servedRouters(topology: TopologyConfig): ServedRouter[] {
  return topology.routers.map((config) =>
    config.snmp.version === '2c'
      ? { id: config.id, address: config.address, version: '2c', community: config.snmp.community }
      : { id: config.id, address: config.address, version: '3', user: config.snmp.user },
  );
}

/** RFC 3411 engine ID: enterprise 9 (Cisco) with the high bit, format 5 (octets), 8 bytes of hash. */
function engineIdFor(routerId: string): Buffer {
  const tail = createHash('sha1').update(`lanewatch-sim/${routerId}`).digest().subarray(0, 8);
  return Buffer.concat([Buffer.from([0x80, 0x00, 0x00, 0x09, 0x05]), tail]);
}

/** The link's capacity: configured, else the interface's nominal speed. */
function linkCapacityBps(link: LinkConfig): number {
  return link.capacityBps ?? nominalSpeedBps(link.ifName);
}

/** The traffic engine's view of every link of a topology under a simulation config. */
export function engineLinks(topology: TopologyConfig, simulation: SimulationConfig): EngineLink[] {
  const qosByRouter = new Map(topology.routers.map((r) => [r.id, resolveRouter(simulation, r.id).qos]));
  const qosOf = (routerId: string) => qosByRouter.get(routerId) ?? simulation.routerDefaults.qos;
  return topology.links.map((l) => {
    const link: EngineLink = {
      id: l.id,
      tier: l.tier,
      capacityBps: linkCapacityBps(l),
      qos: qosOf(l.router),
      queues: resolveLinkQueues(simulation, l.id),
      shares: l.tier === 1 ? simulation.classShares.tier1 : simulation.classShares.tier2,
    };
    // Upstream traffic queues at the far end's egress.
    if (l.far) link.up = { qos: qosOf(l.far.router), queues: resolveLinkQueues(simulation, l.id, 'far') };
    return link;
  });
}

function simulatedRouter(id: string, mib: RouterMib): SimulatedRouter {
  return {
    id,
    model: mib.router,
    mib,
    ifIndexOf: (ifName) => mib.ifIndexOf(ifName),
    reboot: (atMs) => mib.reboot(atMs),
    renumber: (atMs) => mib.renumber(atMs),
    setCounter32NearWrap: (atMs) => mib.setCounter32NearWrap(atMs),
    setResponding: (on) => mib.setResponding(on),
    setCountersStuck: (atMs, stuck) => mib.setCountersStuck(atMs, stuck),
    setCountersBack: (atMs, byMs) => mib.setCountersBack(atMs, byMs),
    jumpUptime: (atMs, byMs) => mib.jumpUptime(atMs, byMs),
    setUptimeNearWrap: (atMs, marginMs) => mib.setUptimeNearWrap(atMs, marginMs),
  };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

export class Simulator {
  readonly seed: number;
  readonly clock: SimulatedClock;
  readonly simulation: SimulationConfig;
  readonly scenario: Scenario | undefined;
  readonly #log: Logger;
  readonly #trafficEngine: TrafficEngine;
  readonly #effects: TrafficEffects;
  readonly #entries: ServedEntry[];
  readonly #byId: Map<string, ServedEntry>;
  readonly #layouts: MibLayoutCache;
  readonly #runner: ScenarioRunner | undefined;
  readonly #truthWriter: GroundTruthWriter | undefined;
  #running = false;

  constructor(opts: SimulatorOptions) {
    const { topology } = opts;
    this.simulation = opts.simulation ?? simulationConfigOf({});
    this.seed = (opts.seed ?? this.simulation.seed) >>> 0;
    this.scenario = opts.scenario;
    this.#log = opts.log.child({ component: 'simulator' });
    const now = opts.now ?? Date.now;
    const clockStartMinutes = opts.scenario?.clockStartMinutes;
    const startAtMs = opts.startAtMs ?? (clockStartMinutes === undefined ? undefined : localTimeOfDayMs(now(), clockStartMinutes));
    this.clock = new SimulatedClock({ now, speed: opts.speed ?? 1, startAtMs });
    const startMs = this.clock.simulatedStartMs;

    this.#effects = opts.scenario ? new ScenarioEffects(opts.scenario, startMs) : noEffects;
    this.#trafficEngine = new TrafficEngine({
      links: engineLinks(topology, this.simulation),
      seed: this.seed,
      startMs,
      stepMs: opts.stepMs,
      effects: this.#effects,
    });

    const linksByRouter = groupBy(topology.links, (l) => l.router);
    const farLinksByRouter = groupBy(
      topology.links.filter((l) => l.far),
      (l) => l.far!.router,
    );
    this.#layouts = new MibLayoutCache(this.seed);
    const scratch = new ReadScratch();
    const linkUp = (linkId: string, atMs: number): boolean => this.#effects.linkUp(linkId, atMs);
    type Queues = Record<ServiceClass, ClassQueue | undefined>;
    this.#entries = topology.routers.map((config) => {
      const links = linksByRouter.get(config.id) ?? [];
      const farLinks = farLinksByRouter.get(config.id) ?? [];
      const model = buildRouterModel({
        router: config,
        links,
        farLinks,
        sim: resolveRouter(this.simulation, config.id),
        queues: new Map<string, Queues>(links.map((l) => [l.id, resolveLinkQueues(this.simulation, l.id)])),
        farQueues: new Map<string, Queues>(farLinks.map((l) => [l.id, resolveLinkQueues(this.simulation, l.id, 'far')])),
        seed: this.seed,
        simulatedStartMs: startMs,
      });
      const mib = new RouterMib({ router: model, engine: this.#trafficEngine, layouts: this.#layouts, scratch, linkUp });
      return { config, router: simulatedRouter(config.id, mib) };
    });
    this.#byId = new Map(this.#entries.map((e) => [e.config.id, e]));

    if (opts.scenario) {
      this.#runner = new ScenarioRunner({
        scenario: opts.scenario,
        startMs,
        clock: this.clock,
        router: (id) => this.#byId.get(id)?.router,
        log: opts.log,
      });
    }
    if (opts.truth) {
      this.#truthWriter = new GroundTruthWriter({
        engine: this.#trafficEngine,
        links: topology.links.map((l) => l.id),
        path: opts.truth.path,
        everyMs: opts.truth.everyMs ?? 60_000,
        clock: this.clock,
        log: opts.log,
      });
    }
  }

  /** Binds every router, then starts the scenario and the ground truth. Rejects, naming the router and address, if any cannot be served. */
  async start(): Promise<void> {
    if (this.#running) return;
    // Check everything before binding anything.
    const addresses = new Map<string, HostPort>();
    const keyCache = new PasswordKeyCache();
    const securities = new Map<string, AgentSecurity>();
    for (const { config } of this.#entries) {
      try {
        addresses.set(config.id, parseLoopbackAddress(config.address));
        if (config.snmp.version === '2c') {
          securities.set(config.id, { version: '2c', community: config.snmp.community });
        } else {
          const engineId = engineIdFor(config.id);
          securities.set(config.id, {
            version: '3',
            engineId,
            engineBoots: 1 + (hash32(this.seed, 'boots', config.id) % 40),
            user: deriveUser(keyCache, config.snmp, engineId),
          });
        }
      } catch (err) {
        throw new Error(`router "${config.id}" (${config.address}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
      }
    }
    const started: ServedEntry[] = [];
    const failures: string[] = [];
    const runner = this.#runner;
    const writer = new ResponseWriter();
    await Promise.all(
      this.#entries.map(async (entry) => {
        const id = entry.config.id;
        const model = entry.router.model;
        const initialEngineTimeS = Math.floor((this.clock.simulatedStartMs - model.bootAtMs) / 1000);
        const agent = new RouterAgent({
          security: securities.get(id)!,
          mib: entry.router.mib,
          clock: {
            simulatedNowMs: () => this.clock.simulatedNowMs(),
            // snmpEngineTime advances with the wall clock; after a reboot it restarts at 0.
            engineTimeSeconds: () =>
              Math.min(
                0x7fffffff,
                model.reboots === 0
                  ? initialEngineTimeS + Math.floor(this.clock.wallElapsedMs() / 1000)
                  : Math.max(0, Math.floor((this.clock.simulatedNowMs() - model.bootAtMs) / this.clock.speed / 1000)),
              ),
          },
          saltSeed: hash32(this.seed, 'salt', id),
          writer,
        });
        // Scenario events due by now apply before the request is answered.
        const handle = runner
          ? (request: Buffer): Buffer | undefined => {
              runner.advanceTo(this.clock.simulatedNowMs());
              return agent.handle(request);
            }
          : (request: Buffer): Buffer | undefined => agent.handle(request);
        const endpoint = new UdpEndpoint(addresses.get(id)!, handle, this.#log.child({ router: id }));
        try {
          await endpoint.start();
          entry.agent = agent;
          entry.endpoint = endpoint;
          started.push(entry);
        } catch (err) {
          const tooMany = (err as NodeJS.ErrnoException).code === 'EMFILE';
          failures.push(
            `router "${id}" cannot bind ${entry.config.address}: ${err instanceof Error ? err.message : String(err)}` +
              (tooMany ? ` (one socket per router: ${this.#entries.length} are needed; raise the open-files limit, ulimit -n)` : ''),
          );
        }
      }),
    );
    if (failures.length > 0) {
      await Promise.all(started.map((e) => e.endpoint?.stop()));
      for (const e of started) {
        e.endpoint = undefined;
        e.agent = undefined;
      }
      throw new Error(failures.length > 3 ? `${failures.slice(0, 3).join('; ')}; and ${failures.length - 3} more` : failures.join('; '));
    }
    this.#running = true;
    this.#runner?.start();
    this.#truthWriter?.start();
    this.#log.info(
      {
        routers: this.#entries.length,
        links: this.#trafficEngine.linkIds().length,
        seed: this.seed,
        speed: this.clock.speed,
        layouts: this.#layouts.size,
        scenario: this.scenario?.name,
        simulatedStart: new Date(this.clock.simulatedStartMs).toISOString(),
      },
      'simulator serving',
    );
  }

  async stop(): Promise<void> {
    this.#runner?.stop();
    await this.#truthWriter?.stop();
    await Promise.all(this.#entries.map((e) => e.endpoint?.stop()));
    for (const e of this.#entries) {
      e.endpoint = undefined;
      e.agent = undefined;
    }
    if (this.#running) this.#log.info('simulator stopped');
    this.#running = false;
  }

  list(): ServedRouter[] {
    return servedRouters({ provinces: [], links: [], routers: this.#entries.map((e) => e.config) });
  }

  /** A served router: its model and MIB, and the controls scenarios use (reboot, renumber, wrap, silence). */
  router(id: string): SimulatedRouter | undefined {
    return this.#byId.get(id)?.router;
  }

  /** The traffic engine: cumulative octets and the true rates per link, direction and class. */
  engine(): TrafficEngine {
    return this.#trafficEngine;
  }

  /** The scenario's effects on traffic (no effects without a scenario). */
  trafficEffects(): TrafficEffects {
    return this.#effects;
  }

  /** Applies the scenario's events due by `atMs` (simulated) now, instead of waiting for the timer. */
  advanceScenarioTo(atMs: number = this.clock.simulatedNowMs()): void {
    this.#runner?.advanceTo(atMs);
  }

  /** Request counters per router (requests, responses, dropped, ignored, …). */
  counters(): Record<string, AgentCounters> {
    const out: Record<string, AgentCounters> = {};
    for (const e of this.#entries) if (e.agent) out[e.config.id] = { ...e.agent.counters };
    return out;
  }
}
