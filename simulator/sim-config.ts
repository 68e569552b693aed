// The simulator-only configuration: `simulation.yaml` beside `topology.yaml`. How each router
// reports per-class traffic (class-based QoS, one sub-interface per class, or nothing), the
// queueing each router actually configures on each link (which may differ from the policy:
// that is the point of the misconfigurations), and the class mix of the offered load.
// The collector and the server never read it. The file is optional: every key has a default,
// and the defaults live in `simulationDefaults` only.
import { join, relative } from 'node:path';
import { z } from 'zod';
import { protectedClasses, serviceClasses, type ServiceClass } from '../api/schemas.ts';
import { ConfigError, formatKey, lineOf, readYaml, validate, type ConfigProblem } from '../config/load.ts';
import type { TopologyConfig } from '../config/schema.ts';

/**
 * The service classes in the simulated router's order (the protected ones first): class-map and
 * sub-interface positions and every per-class array of the traffic engine follow it.
 */
export const simClasses: readonly ServiceClass[] = [...protectedClasses, ...serviceClasses.filter((c) => !(protectedClasses as readonly ServiceClass[]).includes(c))];
/** How a simulated router reports per-class traffic: a class-based QoS policy, one sub-interface per service, or not at all. */
const qosStyles = ['cbqos', 'subinterfaces', 'none'] as const;
export type QosStyle = (typeof qosStyles)[number];

export interface ClassQueue {
  /** Bandwidth the ROUTER reserves for the class; absent = a queue without a reservation. */
  bandwidth?: { value: number; unit: 'kbps' | 'percent' };
}
export interface RouterSimConfig {
  /**
   * `cbqos`: a CBQoS policy per link interface (class-map counters, queues as configured);
   * `subinterfaces`: one sub-interface per service, queues as configured; `none`: one
   * sub-interface per service but no QoS policy, so every class loses in proportion.
   */
  qos: QosStyle;
  /** CBQoS policy-map name, e.g. "WAN-OUT". */
  policyName: string;
  /** Class-map names, e.g. { docex: 'DOCEX', video: 'VIDEO', internet: 'class-default', other: 'MGMT' }. */
  classMaps: Record<ServiceClass, string>;
  /** Sub-interface suffix per class (Gi0/1.100 …) for styles 'subinterfaces' and 'none'. */
  subinterfaces: Record<ServiceClass, number>;
}
/** The router's queueing config on a link (both directions). */
export interface LinkSimConfig {
  queues: Record<ServiceClass, ClassQueue>;
}
/** Which end of a link: `near` is the link's `router`; `far` the other end of a two-ended link (topology `far`). */
export type LinkEnd = 'near' | 'far';
/** Per-class queue overrides; `null`: the router has no queue for that class. */
export type QueueOverrides = Partial<Record<ServiceClass, ClassQueue | null>>;
export interface SimulationConfig {
  seed: number;
  routerDefaults: RouterSimConfig;
  /** By router id. */
  routers: Record<string, Partial<RouterSimConfig>>;
  linkDefaults: LinkSimConfig;
  /**
   * By link id: the near end's queue overrides; `far.queues` the far end's on a two-ended link
   * (both over `linkDefaults`). A `null` queue means the router has no queue for that class (a
   * misconfiguration).
   */
  links: Record<string, Partial<{ queues: QueueOverrides; far: { queues?: QueueOverrides } }>>;
  /** Share of the busy-hour offered load per class (each tier sums to 1). */
  classShares: { tier1: Record<ServiceClass, number>; tier2: Record<ServiceClass, number> };
}

/** The defaults, in one place. */
export const simulationDefaults: SimulationConfig = Object.freeze({
  seed: 1,
  routerDefaults: {
    qos: 'cbqos',
    policyName: 'WAN-OUT',
    classMaps: { docex: 'DOCEX', video: 'VIDEO', internet: 'class-default', other: 'MGMT' },
    subinterfaces: { docex: 100, video: 200, internet: 300, other: 400 },
  },
  routers: {},
  linkDefaults: {
    queues: {
      docex: { bandwidth: { value: 20, unit: 'percent' } },
      video: { bandwidth: { value: 30, unit: 'percent' } },
      internet: {},
      other: { bandwidth: { value: 5, unit: 'percent' } },
    },
  },
  links: {},
  classShares: {
    tier1: { docex: 0.15, video: 0.2, internet: 0.55, other: 0.1 },
    tier2: { docex: 0.2, video: 0.15, internet: 0.55, other: 0.1 },
  },
}) as SimulationConfig;

// ---- schema -------------------------------------------------------------------------------

const bandwidthSchema = z
  .object({
    value: z.number().positive(),
    unit: z.enum(['kbps', 'percent']),
  })
  .strict()
  .refine((b) => b.unit !== 'percent' || b.value <= 100, { message: 'a percentage cannot exceed 100', path: ['value'] });

const classQueueSchema = z.object({ bandwidth: bandwidthSchema.optional() }).strict();

function perClass<T extends z.ZodType>(value: T) {
  return z.object(Object.fromEntries(simClasses.map((c) => [c, value])) as Record<ServiceClass, T>).strict();
}
function perClassPartial<T extends z.ZodType>(value: T) {
  return z.object(Object.fromEntries(simClasses.map((c) => [c, value.optional()])) as Record<ServiceClass, z.ZodOptional<T>>).strict();
}

const className = z.string().min(1).max(40);
const subinterfaceSuffix = z.number().int().min(1).max(4_094);
const qosSchema = z.enum(qosStyles);

/** Every router key optional, class maps and suffixes per class: merged over the defaults. */
const routerOverrideSchema = z
  .object({
    qos: qosSchema.optional(),
    policyName: z.string().min(1).max(40).optional(),
    classMaps: perClassPartial(className).optional(),
    subinterfaces: perClassPartial(subinterfaceSuffix).optional(),
  })
  .strict();

const shareSchema = perClass(z.number().min(0).max(1)).refine(
  (s) => Math.abs(simClasses.reduce((sum, c) => sum + s[c], 0) - 1) < 1e-6,
  { message: 'class shares must sum to 1' },
);

const simulationFileSchema = z
  .object({
    seed: z.number().int().min(0).max(0xffff_ffff).optional(),
    routerDefaults: routerOverrideSchema.optional(),
    routers: z.record(z.string(), routerOverrideSchema).optional(),
    linkDefaults: z.object({ queues: perClassPartial(classQueueSchema).optional() }).strict().optional(),
    links: z
      .record(
        z.string(),
        z
          .object({
            queues: perClassPartial(classQueueSchema.nullable()).optional(),
            /** The far end's queueing on a two-ended link (topology `links[].far`). */
            far: z.object({ queues: perClassPartial(classQueueSchema.nullable()).optional() }).strict().optional(),
          })
          .strict(),
      )
      .optional(),
    classShares: z.object({ tier1: shareSchema.optional(), tier2: shareSchema.optional() }).strict().optional(),
  })
  .strict();
export type SimulationFile = z.infer<typeof simulationFileSchema>;

type PartialPerClass<T> = Partial<Record<ServiceClass, T | undefined>>;

function mergePerClass<T>(base: Record<ServiceClass, T>, over: PartialPerClass<T> | undefined): Record<ServiceClass, T> {
  const out = { ...base };
  if (over) for (const c of simClasses) if (over[c] !== undefined) out[c] = over[c] as T;
  return out;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A validated file over the defaults. Pure: used by the loader, the generators and tests. */
export function simulationConfigOf(file: SimulationFile): SimulationConfig {
  const d = simulationDefaults;
  const rd = file.routerDefaults ?? {};
  const routerDefaults: RouterSimConfig = {
    qos: rd.qos ?? d.routerDefaults.qos,
    policyName: rd.policyName ?? d.routerDefaults.policyName,
    classMaps: mergePerClass(d.routerDefaults.classMaps, rd.classMaps),
    subinterfaces: mergePerClass(d.routerDefaults.subinterfaces, rd.subinterfaces),
  };
  const routers: SimulationConfig['routers'] = {};
  for (const [id, r] of Object.entries(file.routers ?? {})) {
    routers[id] = dropUndefined({
      qos: r.qos,
      policyName: r.policyName,
      classMaps: r.classMaps ? mergePerClass(routerDefaults.classMaps, r.classMaps) : undefined,
      subinterfaces: r.subinterfaces ? mergePerClass(routerDefaults.subinterfaces, r.subinterfaces) : undefined,
    });
  }
  const links: SimulationConfig['links'] = {};
  for (const [id, l] of Object.entries(file.links ?? {})) {
    links[id] = dropUndefined({
      queues: l.queues ? dropUndefined(l.queues) : undefined,
      far: l.far ? { queues: l.far.queues ? dropUndefined(l.far.queues) : undefined } : undefined,
    });
  }
  return {
    seed: file.seed ?? d.seed,
    routerDefaults,
    routers,
    linkDefaults: { queues: mergePerClass(d.linkDefaults.queues, file.linkDefaults?.queues) },
    links,
    classShares: {
      tier1: { ...(file.classShares?.tier1 ?? d.classShares.tier1) },
      tier2: { ...(file.classShares?.tier2 ?? d.classShares.tier2) },
    },
  };
}

// ---- resolution ---------------------------------------------------------------------------

/** The effective settings of a router: its overrides over the defaults. */
export function resolveRouter(sim: SimulationConfig, routerId: string): RouterSimConfig {
  const over = sim.routers[routerId] ?? {};
  return {
    qos: over.qos ?? sim.routerDefaults.qos,
    policyName: over.policyName ?? sim.routerDefaults.policyName,
    classMaps: { ...sim.routerDefaults.classMaps, ...over.classMaps },
    subinterfaces: { ...sim.routerDefaults.subinterfaces, ...over.subinterfaces },
  };
}

/** The queues a link's router (`near`) or far-end router (`far`) configures on it; `undefined` for a class without a queue. */
export function resolveLinkQueues(sim: SimulationConfig, linkId: string, end: LinkEnd = 'near'): Record<ServiceClass, ClassQueue | undefined> {
  const link = sim.links[linkId];
  const over = (end === 'near' ? link?.queues : link?.far?.queues) ?? {};
  const out = {} as Record<ServiceClass, ClassQueue | undefined>;
  for (const c of simClasses) {
    const q = over[c];
    out[c] = q === null ? undefined : (q ?? sim.linkDefaults.queues[c]);
  }
  return out;
}

/** A class's reservation in bps on a link of `capacityBps`; 0 without a queue or a bandwidth. */
export function reservedBps(queue: ClassQueue | undefined, capacityBps: number): number {
  const bw = queue?.bandwidth;
  if (!bw) return 0;
  return bw.unit === 'kbps' ? bw.value * 1_000 : (bw.value / 100) * capacityBps;
}

// ---- loading ------------------------------------------------------------------------------

const simulationFileName = 'simulation.yaml';

/** References and limits a schema cannot see: router and link ids exist, reservations fit. */
function crossCheckSimulation(
  file: SimulationFile,
  sim: SimulationConfig,
  topology: TopologyConfig,
): { key: PropertyKey[]; reason: string }[] {
  const out: { key: PropertyKey[]; reason: string }[] = [];
  const routerIds = new Set(topology.routers.map((r) => r.id));
  const linksById = new Map(topology.links.map((l) => [l.id, l]));
  for (const id of Object.keys(file.routers ?? {})) {
    if (!routerIds.has(id)) out.push({ key: ['routers', id], reason: `unknown router "${id}" (not in topology.yaml)` });
  }
  for (const [id, l] of Object.entries(file.links ?? {})) {
    const link = linksById.get(id);
    if (!link) out.push({ key: ['links', id], reason: `unknown link "${id}" (not in topology.yaml)` });
    else if (l.far && !link.far) out.push({ key: ['links', id, 'far'], reason: `link "${id}" has no far end in topology.yaml (links[].far)` });
  }
  for (const router of topology.routers) {
    const r = resolveRouter(sim, router.id);
    const where: PropertyKey[] = file.routers?.[router.id] ? ['routers', router.id] : ['routerDefaults'];
    if (new Set(Object.values(r.classMaps)).size !== simClasses.length) {
      out.push({ key: [...where, 'classMaps'], reason: `router "${router.id}" has two classes with the same class-map name` });
    }
    if (new Set(Object.values(r.subinterfaces)).size !== simClasses.length) {
      out.push({ key: [...where, 'subinterfaces'], reason: `router "${router.id}" has two classes on the same sub-interface` });
    }
  }
  for (const link of topology.links) {
    for (const end of link.far ? (['near', 'far'] as const) : (['near'] as const)) {
      const queues = resolveLinkQueues(sim, link.id, end);
      const overridden = end === 'near' ? file.links?.[link.id]?.queues : file.links?.[link.id]?.far?.queues;
      const where: PropertyKey[] = overridden ? ['links', link.id, ...(end === 'far' ? ['far'] : []), 'queues'] : ['linkDefaults', 'queues'];
      const which = end === 'far' ? `link "${link.id}" (far end)` : `link "${link.id}"`;
      const percent = simClasses.reduce((sum, c) => sum + (queues[c]?.bandwidth?.unit === 'percent' ? queues[c].bandwidth.value : 0), 0);
      if (percent > 100) out.push({ key: where, reason: `${which} reserves ${percent} % of its bandwidth` });
      if (link.capacityBps !== undefined) {
        const total = simClasses.reduce((sum, c) => sum + reservedBps(queues[c], link.capacityBps ?? 0), 0);
        if (total > link.capacityBps) {
          out.push({ key: where, reason: `${which} reserves ${total / 1e6} Mbps of its ${link.capacityBps / 1e6} Mbps` });
        }
      }
    }
  }
  return out;
}

/**
 * Loads `simulation.yaml` from `dir` (absent: the defaults), validated against the schema and
 * the topology. Throws ConfigError with every problem as `file:line key: reason`.
 */
export function loadSimulationConfig(dir: string, topology: TopologyConfig): SimulationConfig {
  const problems: ConfigProblem[] = [];
  const parsed = readYaml(dir, simulationFileName, problems, false);
  let fileValue: SimulationFile = {};
  if (parsed) {
    const data = validate(simulationFileSchema, parsed, problems);
    if (!data) throw new ConfigError(problems);
    fileValue = data;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  const shown = parsed?.file ?? (relative(process.cwd(), join(dir, simulationFileName)) || join(dir, simulationFileName));
  const sim = simulationConfigOf(fileValue);
  const crossProblems = crossCheckSimulation(fileValue, sim, topology);
  if (crossProblems.length > 0) {
    throw new ConfigError(
      crossProblems.map((p) => ({
        file: shown,
        key: formatKey(p.key),
        line: parsed ? lineOf(parsed, p.key) : undefined,
        reason: p.reason,
      })),
    );
  }
  return sim;
}
