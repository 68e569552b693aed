// The configuration as data: zod schemas are the single source of the config types and
// of their defaults. Everything from outside is `unknown` until one of these accepts it.
import { isIP } from 'node:net';
import { z } from 'zod';
import { serviceClasses } from '../api/schemas.ts';

/** `host:port` of an SNMP agent; IPv6 as `[::1]:161`. */
const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, 'expected host:port, e.g. 127.0.0.1:161 or [::1]:161');

const id = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]*$/, 'expected a lowercase id: letters, digits, ".", "_" or "-"');

const snmpV2cSchema = z
  .object({
    version: z.literal('2c'),
    community: z.string().min(1),
  })
  .strict();

const snmpV3Schema = z
  .object({
    version: z.literal('3'),
    user: z.string().min(1),
    authProtocol: z.enum(['md5', 'sha', 'sha224', 'sha256', 'sha384', 'sha512']).default('sha'),
    authKey: z.string().min(8, 'SNMPv3 keys need at least 8 characters'),
    privProtocol: z.enum(['des', 'aes', 'aes256b', 'aes256r']).default('aes'),
    privKey: z.string().min(8, 'SNMPv3 keys need at least 8 characters'),
  })
  .strict();

export const snmpSchema = z.discriminatedUnion('version', [snmpV2cSchema, snmpV3Schema]);

const routerSchema = z
  .object({
    id,
    name: z.string().optional(),
    province: id.optional(),
    /** Where the agent answers: host:port. */
    address: hostPort,
    snmp: snmpSchema,
  })
  .strict();

/** One end of a link: a router of the topology and its interface toward the other end. */
const linkEndSchema = z.object({ router: id, ifName: z.string().min(1) }).strict();

export const linkSchema = z
  .object({
    id,
    name: z.string().optional(),
    tier: z.union([z.literal(1), z.literal(2)]),
    province: id,
    router: id,
    ifName: z.string().min(1),
    /** Overrides ifHighSpeed when set. */
    capacityBps: z.number().int().positive().optional(),
    /**
     * Which counter of the interface carries traffic toward the province/site (`down`).
     * `out` when the router is the upstream end of the link (the usual case), `in` when it is
     * the downstream end.
     */
    downIs: z.enum(['out', 'in']).default('out'),
    /**
     * The other end of a two-ended link, polled too: `down` (every class, drops, reservations)
     * is then read from the near end's egress (`router`/`ifName` out) and `up` from the far
     * end's egress (`far.ifName` out on `far.router`), the queue where upstream traffic is
     * squeezed and the only one that can report those drops. Without `far`, both directions
     * come from the near end (`downIs`).
     */
    far: linkEndSchema.optional(),
  })
  .strict();

/** Who hears about a province's alerts: e-mail addresses and webhook URLs (JSON POST). */
const contactsSchema = z
  .object({
    email: z.array(z.string().email()).default([]),
    webhook: z.array(z.string().url().refine((u) => /^https?:/.test(u), 'expected an http(s) URL')).default([]),
  })
  .strict();

export const provinceRefSchema = z.object({ id, contacts: contactsSchema.optional() }).strict();

export const topologySchema = z
  .object({
    provinces: z.array(provinceRefSchema).min(1),
    routers: z.array(routerSchema).min(1),
    links: z.array(linkSchema).min(1),
  })
  .strict();

/** Pure: an IPv4/IPv6 address, or a subnet in CIDR notation (`10.20.0.0/16`, `fd00::/8`); undefined when neither. */
export function parseAddressOrSubnet(text: string): { address: string; family: 4 | 6; prefixBits?: number } | undefined {
  const [address = '', prefix, ...rest] = text.split('/');
  const family = isIP(address);
  if ((family !== 4 && family !== 6) || rest.length > 0) return undefined;
  if (prefix === undefined) return { address, family };
  // Digits only: `10.0.0.0/` must not read as /0 (everyone).
  const prefixBits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : -1;
  if (prefixBits < 0 || prefixBits > (family === 4 ? 32 : 128)) return undefined;
  return { address, family, prefixBits };
}

const addressOrSubnet = z
  .string()
  .refine((text) => parseAddressOrSubnet(text) !== undefined, {
    message: 'expected an IP address or a CIDR subnet, e.g. 127.0.0.1, ::1 or 10.20.0.0/16',
  });

/** Days InfluxDB keeps raw samples and each rollup unless `influx.retention` says otherwise. */
export const defaultRetentionDays = { rawDays: 30, fiveMinuteDays: 365, hourDays: 1_825 } as const;
/** A century: InfluxDB durations are int64 nanoseconds (about 292 years). */
const maxRetentionDays = 36_500;

/** Cross-field rules of `influx.retention`: one name for the raw duration; rollups outlive what they summarise. */
function checkRetention(
  influx: { retentionDays?: number | undefined; retention?: { rawDays?: number | undefined; fiveMinuteDays: number; hourDays: number } | undefined },
  ctx: z.RefinementCtx,
): void {
  const r = influx.retention;
  if (influx.retentionDays !== undefined && r?.rawDays !== undefined) {
    ctx.addIssue({ code: 'custom', path: ['retentionDays'], message: 'is the old name of retention.rawDays: set only retention.rawDays' });
  }
  if (!r) return;
  const rawDays = r.rawDays ?? influx.retentionDays ?? defaultRetentionDays.rawDays;
  if (r.fiveMinuteDays < rawDays) {
    ctx.addIssue({ code: 'custom', path: ['retention', 'fiveMinuteDays'], message: `(${r.fiveMinuteDays}) is shorter than the raw samples' ${rawDays} days: a rollup must outlive what it summarises` });
  }
  if (r.hourDays < r.fiveMinuteDays) {
    ctx.addIssue({ code: 'custom', path: ['retention', 'hourDays'], message: `(${r.hourDays}) is shorter than fiveMinuteDays (${r.fiveMinuteDays}): a rollup must outlive the finer one` });
  }
}

export const settingsSchema = z
  .object({
    influx: z
      .object({
        url: z.string().url().default('http://127.0.0.1:8086'),
        database: z.string().regex(/^[A-Za-z0-9_]+$/).default('lanewatch'),
        /** The old name of `retention.rawDays`: still read; setting both is a config error. */
        retentionDays: z.number().int().positive().max(maxRetentionDays).optional(),
        /** How long InfluxDB keeps raw samples and the 5-minute and 1-hour rollups (collector/store/rollups.ts). */
        retention: z
          .object({
            rawDays: z.number().int().positive().max(maxRetentionDays).optional(),
            fiveMinuteDays: z.number().int().positive().max(maxRetentionDays).default(defaultRetentionDays.fiveMinuteDays),
            hourDays: z.number().int().positive().max(maxRetentionDays).default(defaultRetentionDays.hourDays),
          })
          .strict()
          .optional(),
        batchSize: z.number().int().positive().max(50_000).default(5_000),
        flushIntervalMs: z.number().int().positive().default(1_000),
        /**
         * Points held in memory while InfluxDB is slower than the collector (a write in flight,
         * series being created), before the rest goes to the spool on disk.
         */
        maxBufferedPoints: z.number().int().positive().max(10_000_000).default(100_000),
      })
      .strict()
      .superRefine(checkRetention)
      .superRefine((influx, ctx) => {
        if (influx.maxBufferedPoints < influx.batchSize) {
          ctx.addIssue({ code: 'custom', path: ['maxBufferedPoints'], message: `(${influx.maxBufferedPoints}) is smaller than batchSize (${influx.batchSize}): the buffer must hold one batch` });
        }
      })
      .prefault({}),
    collector: z
      .object({
        intervalMs: z.number().int().min(1_000).default(60_000),
        timeoutMs: z.number().int().min(100).default(2_000),
        retries: z.number().int().min(0).max(5).default(1),
        concurrency: z.number().int().min(1).max(4_096).default(64),
        /** A rate above this share of capacity is invalid and not stored (a counter glitch, not traffic). */
        maxUtilization: z.number().positive().default(1.1),
        /** QoS classes and sub-interfaces are re-discovered this often (and after a reboot or an ifIndex change). */
        rediscoverIntervalMs: z.number().int().min(1_000).default(3_600_000),
        spool: z
          .object({
            dir: z.string().default('.tmp/spool'),
            maxBytes: z.number().int().positive().default(2 * 1024 * 1024 * 1024),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** Where policies (with their revision history) and alert episodes are kept across restarts. */
    state: z
      .object({ dir: z.string().default('.tmp/state') })
      .strict()
      .prefault({}),
    notify: z
      .object({
        /** SMTP relay for alert e-mail; without it e-mail contacts are skipped (logged once). */
        smtp: z
          .object({
            host: z.string().min(1),
            port: z.number().int().min(1).max(65_535).default(25),
            secure: z.boolean().default(false),
            from: z.string().email(),
            username: z.string().optional(),
            password: z.string().optional(),
          })
          .strict()
          .optional(),
        webhookTimeoutMs: z.number().int().positive().default(5_000),
        /** Deliveries queued, in flight or waiting to retry, at most; past it a notification waits to be offered again. */
        maxPending: z.number().int().min(1).max(1_000_000).default(10_000),
        /** Deliveries in flight at once. */
        concurrency: z.number().int().min(1).max(64).default(4),
        /** Delivery retries with exponential backoff, per notification. */
        retry: z
          .object({
            initialMs: z.number().int().positive().default(1_000),
            maxMs: z.number().int().positive().default(60_000),
            maxAttempts: z.number().int().min(1).max(100).default(8),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    server: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65_535).default(8080),
        /**
         * Host names (with or without :port) the server answers to; any other `Host` header gets
         * 421 (DNS rebinding). Empty: loopback names only (localhost, 127.0.0.1, [::1]) plus `host`.
         */
        allowedHosts: z.array(z.string().min(1)).default([]),
        /**
         * Origins (scheme://host[:port]) allowed to change state and open the live stream, besides
         * the server's own origin as the browser addressed it.
         */
        allowedOrigins: z.array(z.string().url()).default([]),
        /** HTTPS: PEM certificate and key files. The session cookie is `Secure` under TLS. */
        tls: z
          .object({ certFile: z.string().min(1), keyFile: z.string().min(1) })
          .strict()
          .optional(),
        /** Live WebSocket clients at once; more are refused (close code 1013, try again later). */
        maxLiveClients: z.number().int().min(1).max(100_000).default(500),
        /** A live client with more than this waiting to be sent cannot keep up and is dropped. */
        maxLiveBufferedBytes: z.number().int().min(16 * 1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
        /** Live samples, and the state changes, of this window go to clients as one message of each (0: every poll's batch at once). */
        liveCoalesceMs: z.number().int().min(0).max(5_000).default(100),
        /** The live snapshot leaves out samples older than this many poll intervals. */
        liveSnapshotIntervals: z.number().int().min(1).max(1_000).default(10),
        /** GET health pings InfluxDB with this timeout… */
        healthPingTimeoutMs: z.number().int().min(100).max(60_000).default(1_000),
        /** …and one ping answers the health requests of this long. */
        healthPingCacheMs: z.number().int().min(0).max(60_000).default(500),
        /** Behind a reverse proxy on this list of addresses, X-Forwarded-For names the client. */
        trustProxy: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .prefault({}),
    /** Users, sessions, login throttling (users and sessions live in `state.dir`). */
    auth: z
      .object({
        /** A session unused this long expires. */
        sessionIdleMs: z.number().int().min(60_000).default(12 * 3_600_000),
        /** A session expires this long after login whatever its use. */
        sessionMaxMs: z.number().int().min(60_000).default(7 * 24 * 3_600_000),
        /** Failed logins allowed per user name in `windowMs` before it is locked for the rest of the window. */
        maxFailuresPerUser: z.number().int().min(1).default(5),
        /** Failed logins allowed per client address in `windowMs`. */
        maxFailuresPerAddress: z.number().int().min(1).default(20),
        windowMs: z.number().int().min(1_000).default(15 * 60_000),
      })
      .strict()
      .prefault({}),
    /** GET /metrics (Prometheus text format). */
    metrics: z
      .object({
        /**
         * Addresses (or CIDR subnets) that may read /metrics without a session, e.g. the
         * Prometheus server; a signed-in viewer, engineer or admin may read it from anywhere.
         */
        allowFrom: z.array(addressOrSubnet).default(['127.0.0.1', '::1']),
        /**
         * Where `lanewatch collector` (the collector alone, without the server's app) serves
         * GET /metrics and GET /healthz on a listener of its own; `run` and `server` serve
         * /metrics on `server.port` and never open this one. Loopback by default: a Prometheus
         * server elsewhere needs `host` set to an address it reaches, and its address in `allowFrom`.
         */
        collectorListen: z
          .object({
            host: z.string().min(1).default('127.0.0.1'),
            port: z.number().int().min(0).max(65_535).default(9464),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    /** POST /api/v1/policies/backtest: how much one backtest of a policy draft may do (server/policies/backtest.ts). */
    backtest: z
      .object({
        /** Most links × directions × 5-minute buckets one backtest replays; a larger request is refused (400). */
        maxSeriesBuckets: z.number().int().positive().default(1_000_000),
        /** Most series buckets one InfluxDB query reads (links are read in chunks of this; each answer is parsed at once). */
        bucketsPerQuery: z.number().int().positive().default(10_000),
        /** Most episodes listed per policy (the counts stay exact). */
        maxEpisodes: z.number().int().positive().max(100_000).default(2_000),
        /** Backtests running at once; another answers 429 until one ends. */
        maxConcurrent: z.number().int().positive().max(64).default(2),
      })
      .strict()
      .prefault({}),
  })
  .strict();

/** A regular expression, checked when the config loads (case-insensitive when used). */
const regex = z.string().min(1).refine(
  (source) => {
    try {
      new RegExp(source, 'i');
      return true;
    } catch {
      return false;
    }
  },
  { message: 'not a valid regular expression' },
);

/**
 * One rule: every pattern given must match (case-insensitive); the first rule that matches
 * decides. `className` is a class-map name (or a Juniper forwarding class), `policyName` its
 * policy-map, `ifName`/`ifAlias` the interface (a sub-interface for per-service sub-interfaces).
 */
export const classRuleSchema = z
  .object({
    match: z
      .object({ className: regex.optional(), policyName: regex.optional(), ifName: regex.optional(), ifAlias: regex.optional() })
      .strict()
      .refine((m) => Object.keys(m).length > 0, { message: 'a rule needs at least one of className, policyName, ifName, ifAlias' }),
    class: z.enum(serviceClasses),
  })
  .strict();

/** Shipped rules, used when the config directory has no classes.yaml. Unmatched → `other`. */
export const defaultClassRules: z.input<typeof classRuleSchema>[] = [
  { match: { className: '^(docex|doc-?ex|van-?ban|edoc|document)' }, class: 'docex' },
  { match: { className: '^(video|vc|conf|hoi-?nghi|tele-?presence)' }, class: 'video' },
  { match: { className: '^(internet|inet|class-default)$' }, class: 'internet' },
  { match: { className: '^(mgmt|management|network-control|routing)' }, class: 'other' },
  { match: { ifAlias: '\\b(docex|van ban)\\b' }, class: 'docex' },
  { match: { ifAlias: '\\b(video|hoi nghi)\\b' }, class: 'video' },
  { match: { ifAlias: '\\binternet\\b' }, class: 'internet' },
  { match: { ifAlias: '\\b(mgmt|management|other)\\b' }, class: 'other' },
];

export const classesSchema = z
  .object({ rules: z.array(classRuleSchema).min(1) })
  .strict();

export type SnmpV3Config = z.infer<typeof snmpV3Schema>;
export type SnmpConfig = z.infer<typeof snmpSchema>;
export type RouterConfig = z.infer<typeof routerSchema>;
export type LinkConfig = z.infer<typeof linkSchema>;
export type TopologyConfig = z.infer<typeof topologySchema>;
export type Settings = z.infer<typeof settingsSchema>;

/** Every setting at its default (an empty settings.yaml): the defaults above, for code that runs without a config. */
export function defaultSettings(): Settings {
  return settingsSchema.parse({});
}
export type Contacts = z.infer<typeof contactsSchema>;
export type ClassRule = z.infer<typeof classRuleSchema>;

export interface Province {
  id: string;
  name: string;
  region: string;
  former: string[];
}

/** The whole validated configuration. */
export interface LanewatchConfig {
  /** Directory it was loaded from, for messages. */
  dir: string;
  settings: Settings;
  topology: TopologyConfig;
  /** Reference data for the provinces the topology names, by id. */
  provinces: Map<string, Province>;
  /** Ordered rules mapping discovered QoS classes and sub-interfaces to service classes. */
  classRules: ClassRule[];
}
