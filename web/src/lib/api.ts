// The server API as the UI sees it: schemas for every response and live message (data from
// the server is `unknown` until one of these accepts it), and small fetch helpers.
import { z } from 'zod';
import type { LinkSample, QosClassMapping, ServiceClass } from '../../../collector/samples.ts';

export type { LinkSample, QosClassMapping, ServiceClass };
export type Direction = LinkSample['dir'];
export type TrafficClass = LinkSample['class'];

const tier = z.union([z.literal(1), z.literal(2)]);
const direction = z.enum(['down', 'up']);
const trafficClass = z.enum(['total', 'internet', 'docex', 'video', 'other']);

export const linkSampleSchema: z.ZodType<LinkSample> = z.object({
  atMs: z.number(),
  intervalMs: z.number(),
  link: z.string(),
  province: z.string(),
  tier,
  dir: direction,
  class: trafficClass,
  bitsPerSecond: z.number(),
  dropBitsPerSecond: z.number().optional(),
  prePolicyBitsPerSecond: z.number().optional(),
  reservedBps: z.number().optional(),
  capacityBps: z.number(),
  utilization: z.number(),
});

export const topologySchema = z.object({
  intervalMs: z.number().positive(),
  provinces: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      region: z.string().nullish(),
    }),
  ),
  routers: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullish(),
      province: z.string().nullish(),
    }),
  ),
  links: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullish(),
      tier,
      province: z.string(),
      router: z.string(),
      ifName: z.string(),
      capacityBps: z.number().positive().nullish(),
      downIs: z.enum(['out', 'in']).nullish(),
    }),
  ),
});
export type Topology = z.infer<typeof topologySchema>;
export type TopologyLink = Topology['links'][number];
export type TopologyProvince = Topology['provinces'][number];

export const historySchema = z.object({
  link: z.string(),
  dir: direction,
  class: trafficClass,
  fromMs: z.number(),
  toMs: z.number(),
  points: z.array(
    z.object({
      atMs: z.number(),
      // A rollup bucket without samples may come back empty: a gap, never a zero.
      bitsPerSecond: z.number().nullable(),
      utilization: z.number().nullable(),
      dropBitsPerSecond: z.number().nullish(),
    }),
  ),
});
export type History = z.infer<typeof historySchema>;
export type HistoryPoint = History['points'][number];

const serviceClass = z.enum(['internet', 'docex', 'video', 'other']);

export const qosClassSchema: z.ZodType<QosClassMapping> = z.object({
  device: z.string(),
  link: z.string().optional(),
  ifName: z.string().optional(),
  dir: direction.optional(),
  source: z.enum(['cisco', 'huawei', 'juniper', 'subinterface']),
  policyName: z.string().optional(),
  className: z.string(),
  path: z.string(),
  serviceClass,
  rule: z.number().optional(),
  reservedBps: z.number().optional(),
});

export const qosSchema = z.object({
  available: z.boolean(),
  atMs: z.number().optional(),
  classes: z.array(qosClassSchema),
});
export type Qos = z.infer<typeof qosSchema>;

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  influx: z.looseObject({ reachable: z.boolean() }),
  collector: z
    .looseObject({
      running: z.boolean(),
      devices: z.number(),
      devicesUp: z.number(),
      lastPollAtMs: z.number().nullish(),
    })
    .nullable(),
});
export type Health = z.infer<typeof healthSchema>;

/** What the live WebSocket says, once validated. Unknown message types are `ignored`. */
export type LiveMessage =
  | { type: 'snapshot'; atMs: number; samples: LinkSample[]; rejected: number }
  | { type: 'samples'; samples: LinkSample[]; rejected: number }
  | { type: 'ignored'; reason: string };

const messageEnvelope = z.looseObject({ type: z.string() });
const snapshotEnvelope = z.object({ atMs: z.number(), samples: z.array(z.unknown()) });
const samplesEnvelope = z.object({ samples: z.array(z.unknown()) });

/** Keeps the valid samples of a list; one malformed sample does not cost the others. */
export function acceptSamples(items: readonly unknown[]): { samples: LinkSample[]; rejected: number } {
  const samples: LinkSample[] = [];
  let rejected = 0;
  for (const item of items) {
    const parsed = linkSampleSchema.safeParse(item);
    if (parsed.success) samples.push(parsed.data);
    else rejected += 1;
  }
  return { samples, rejected };
}

/** Parses one WebSocket text frame. Never throws. */
export function parseLiveMessage(text: string): LiveMessage {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return { type: 'ignored', reason: 'not json' };
  }
  const envelope = messageEnvelope.safeParse(data);
  if (!envelope.success) return { type: 'ignored', reason: 'no type' };
  if (envelope.data.type === 'snapshot') {
    const body = snapshotEnvelope.safeParse(data);
    if (!body.success) return { type: 'ignored', reason: 'malformed snapshot' };
    return { type: 'snapshot', atMs: body.data.atMs, ...acceptSamples(body.data.samples) };
  }
  if (envelope.data.type === 'samples') {
    const body = samplesEnvelope.safeParse(data);
    if (!body.success) return { type: 'ignored', reason: 'malformed samples' };
    return { type: 'samples', ...acceptSamples(body.data.samples) };
  }
  return { type: 'ignored', reason: `type ${envelope.data.type}` };
}

/** What the client may ask of the live WebSocket. */
export interface LiveSubscription {
  links?: string[];
  province?: string;
}

/** The live WebSocket's address on the page's own origin (wss:// under https). */
export function liveUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/live`;
}

export function historyPath(query: { link: string; dir: Direction; class?: TrafficClass; from?: string; to?: string }): string {
  const params = new URLSearchParams({
    link: query.link,
    dir: query.dir,
    class: query.class ?? 'total',
    from: query.from ?? '-1h',
    to: query.to ?? 'now',
  });
  return `/api/v1/history?${params.toString()}`;
}

/** GET a JSON resource and validate it; network, HTTP and schema failures are Errors. */
export async function fetchJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal: signal ?? null, headers: { accept: 'application/json' } });
  if (!response.ok) {
    throw new Error(`${path}: HTTP ${response.status}`);
  }
  const body: unknown = await response.json();
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new Error(`${path}: unexpected response`, { cause: parsed.error });
  }
  return parsed.data;
}

export function fetchTopology(signal?: AbortSignal): Promise<Topology> {
  return fetchJson('/api/v1/topology', topologySchema, signal);
}

export function fetchHealth(signal?: AbortSignal): Promise<Health> {
  return fetchJson('/api/v1/health', healthSchema, signal);
}

export function fetchHistory(
  query: { link: string; dir: Direction; class?: TrafficClass; from?: string; to?: string },
  signal?: AbortSignal,
): Promise<History> {
  return fetchJson(historyPath(query), historySchema, signal);
}

export function qosPath(query: { link?: string; unmatched?: boolean }): string {
  const params = new URLSearchParams();
  if (query.link !== undefined) params.set('link', query.link);
  if (query.unmatched !== undefined) params.set('unmatched', String(query.unmatched));
  const text = params.toString();
  return text === '' ? '/api/v1/qos' : `/api/v1/qos?${text}`;
}

export function fetchQos(query: { link?: string; unmatched?: boolean }, signal?: AbortSignal): Promise<Qos> {
  return fetchJson(qosPath(query), qosSchema, signal);
}

/** A short reason for an Error or anything thrown, for the UI. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
