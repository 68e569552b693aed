// Orchestration: every router of a topology served as an SNMP agent on its loopback address,
// with interfaces and traffic from the seeded model, on a clock that may run faster than real.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { LinkConfig, TopologyConfig } from '../config/schema.ts';
import { parseLoopbackAddress, type HostPort } from './address.ts';
import { SimulatedClock } from './clock.ts';
import { RouterAgent, type AgentSecurity } from './agent/router-agent.ts';
import { UdpEndpoint } from './agent/udp-endpoint.ts';
import { PasswordKeyCache, deriveUser } from './agent/usm.ts';
import { MibLayoutCache, RouterMib } from './mib/router-mib.ts';
import { buildRouterModel, nominalSpeedBps, type SimRouter } from './mib/router-model.ts';
import { planTraffic, type LinkModel } from './traffic/model.ts';
import { hash32 } from './traffic/random.ts';

export interface ServedRouter {
  id: string;
  address: string;
  version: '2c' | '3';
  community?: string;
  user?: string;
}

export interface SimulatorOptions {
  topology: TopologyConfig;
  /** Same seed → same traffic trace; default 1. */
  seed?: number;
  /** The simulated clock runs this many times faster than the wall clock; default 1. */
  speed?: number;
  log: Logger;
  /** Wall clock (epoch ms); default Date.now. */
  now?: () => number;
}

interface ServedEntry {
  config: TopologyConfig['routers'][number];
  model: SimRouter;
  mib: RouterMib;
  endpoint?: UdpEndpoint;
  agent?: RouterAgent;
}

/** RFC 3411 engine ID: enterprise 9 (Cisco) with the high bit, format 5 (octets), 8 bytes of hash. */
export function engineIdFor(routerId: string): Buffer {
  const tail = createHash('sha1').update(`lanewatch-sim/${routerId}`).digest().subarray(0, 8);
  return Buffer.concat([Buffer.from([0x80, 0x00, 0x00, 0x09, 0x05]), tail]);
}

export class Simulator {
  readonly seed: number;
  readonly clock: SimulatedClock;
  private readonly log: Logger;
  private readonly entries: ServedEntry[];
  private readonly models: Map<string, LinkModel>;
  private readonly layouts = new MibLayoutCache();
  private running = false;

  constructor(opts: SimulatorOptions) {
    this.seed = (opts.seed ?? 1) >>> 0;
    this.log = opts.log.child({ component: 'simulator' });
    this.clock = new SimulatedClock({ now: opts.now ?? Date.now, speed: opts.speed ?? 1 });
    const { topology } = opts;
    const capacityOf = (l: LinkConfig): number => l.capacityBps ?? nominalSpeedBps(l.ifName);
    this.models = planTraffic(
      topology.links.map((l) => ({ id: l.id, tier: l.tier, capacityBps: capacityOf(l) })),
      this.seed,
    );
    const linksByRouter = new Map<string, LinkConfig[]>();
    for (const link of topology.links) {
      const list = linksByRouter.get(link.router);
      if (list) list.push(link);
      else linksByRouter.set(link.router, [link]);
    }
    this.entries = topology.routers.map((config) => {
      const model = buildRouterModel({
        router: config,
        links: linksByRouter.get(config.id) ?? [],
        models: this.models,
        seed: this.seed,
        simulatedStartMs: this.clock.simulatedStartMs,
      });
      return { config, model, mib: new RouterMib(this.layouts.forRouter(model), model) };
    });
  }

  /** Binds every router. Rejects, naming the router and address, if any cannot be served. */
  async start(): Promise<void> {
    if (this.running) return;
    // Check everything before binding anything.
    const addresses = new Map<string, HostPort>();
    const keyCache = new PasswordKeyCache();
    const securities = new Map<string, AgentSecurity>();
    for (const { config } of this.entries) {
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
    await Promise.all(
      this.entries.map(async (entry) => {
        const id = entry.config.id;
        const bootAtMs = entry.model.bootAtMs;
        const engineTimeAtStart = Math.floor((this.clock.simulatedStartMs - bootAtMs) / 1000);
        const agent = new RouterAgent({
          security: securities.get(id)!,
          mib: entry.mib,
          clock: {
            simulatedNowMs: () => this.clock.simulatedNowMs(),
            engineTimeSeconds: () => Math.min(0x7fffffff, engineTimeAtStart + Math.floor(this.clock.wallElapsedMs() / 1000)),
          },
          saltSeed: hash32(this.seed, 'salt', id),
        });
        const endpoint = new UdpEndpoint(addresses.get(id)!, (request) => agent.handle(request), this.log.child({ router: id }));
        try {
          await endpoint.start();
          entry.agent = agent;
          entry.endpoint = endpoint;
          started.push(entry);
        } catch (err) {
          failures.push(`router "${id}" cannot bind ${entry.config.address}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }),
    );
    if (failures.length > 0) {
      await Promise.all(started.map((e) => e.endpoint?.stop()));
      for (const e of started) {
        e.endpoint = undefined;
        e.agent = undefined;
      }
      throw new Error(failures.join('; '));
    }
    this.running = true;
    this.log.info(
      { routers: this.entries.length, links: this.models.size, seed: this.seed, speed: this.clock.speed, layouts: this.layouts.size },
      'simulator serving',
    );
  }

  async stop(): Promise<void> {
    await Promise.all(this.entries.map((e) => e.endpoint?.stop()));
    for (const e of this.entries) {
      e.endpoint = undefined;
      e.agent = undefined;
    }
    if (this.running) this.log.info('simulator stopped');
    this.running = false;
  }

  list(): ServedRouter[] {
    return this.entries.map(({ config }) =>
      config.snmp.version === '2c'
        ? { id: config.id, address: config.address, version: '2c', community: config.snmp.community }
        : { id: config.id, address: config.address, version: '3', user: config.snmp.user },
    );
  }

  /** The simulated model of a router (interfaces, ifIndex, boot time), for tests and tools. */
  router(id: string): SimRouter | undefined {
    return this.entries.find((e) => e.config.id === id)?.model;
  }

  /** The traffic model of a configured link. */
  linkModel(linkId: string): LinkModel | undefined {
    return this.models.get(linkId);
  }

  /** Request counters per router (requests, responses, dropped, …). */
  counters(): Record<string, RouterAgent['counters']> {
    const out: Record<string, RouterAgent['counters']> = {};
    for (const e of this.entries) if (e.agent) out[e.config.id] = { ...e.agent.counters };
    return out;
  }
}
