// Every shape the HTTP API and the live WebSocket carry, written once as zod: the server
// validates requests and serialises answers with these (a field not named here never leaves
// the server), and the web client validates what it receives with the same schemas.
import { z } from 'zod';
import { roles } from './access.ts';
import { messageCodes } from './messages.ts';

// ---- Vocabulary ---------------------------------------------------------------------------

export const directions = ['down', 'up'] as const;
/** `total` is the interface rate; the others are the service classes. */
export const trafficClasses = ['total', 'internet', 'docex', 'video', 'other'] as const;
export const serviceClasses = ['internet', 'docex', 'video', 'other'] as const;
/** The protected classes: each link reserves bandwidth for them. */
export const protectedClasses = ['docex', 'video'] as const;
export const stateLevels = ['ok', 'warning', 'critical'] as const;
/** The levels an alert episode is raised at (a link state other than ok). */
export const alertLevels = ['warning', 'critical'] as const;
export const episodeStates = ['open', 'acknowledged', 'resolved'] as const;
export const notificationKinds = ['raise', 'escalate', 'resolve'] as const;

export type Direction = (typeof directions)[number];
export type TrafficClass = (typeof trafficClasses)[number];
export type ServiceClass = (typeof serviceClasses)[number];
export type ProtectedClass = (typeof protectedClasses)[number];
export type StateLevel = (typeof stateLevels)[number];
export type AlertLevel = (typeof alertLevels)[number];
export type EpisodeState = (typeof episodeStates)[number];
export type NotificationKind = (typeof notificationKinds)[number];

export const tierSchema = z.union([z.literal(1), z.literal(2)]);
export const directionSchema = z.enum(directions);
export const trafficClassSchema = z.enum(trafficClasses);
export const serviceClassSchema = z.enum(serviceClasses);
export const roleSchema = z.enum(roles);
const stateLevelSchema = z.enum(stateLevels);

/** Ids that reach InfluxQL and file names: the config's id rule, bounded. */
export const idParam = z.string().min(1).max(200);
/** `true`/`false` in a query string. */
const booleanParam = z.enum(['true', 'false']).transform((text) => text === 'true');

// ---- Errors -------------------------------------------------------------------------------

/** What a message is (api/messages.ts lists every code with its parameters). */
export const messageCodeSchema = z.enum(messageCodes);
export const messageParamsSchema = z.record(z.string(), z.union([z.string(), z.number()]));

export const errorSchema = z.object({
  statusCode: z.number().int(),
  error: z.string(),
  /** What went wrong, for the UI to word in its language from `params`. */
  code: messageCodeSchema,
  params: messageParamsSchema,
  /** The same in English, for scripts and logs. */
  message: z.string(),
  /** The request field the error is about, when there is one. */
  field: z.string().optional(),
});
export type ErrorReply = z.infer<typeof errorSchema>;

// ---- Auth and users -----------------------------------------------------------------------

export const usernameSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, 'expected a lowercase user name: letters, digits, ".", "_" or "-" (at most 64)');
export const passwordSchema = z.string().min(8, 'at least 8 characters').max(1024);

export const meSchema = z.object({
  username: z.string(),
  role: roleSchema,
  province: z.string().optional(),
});

export const loginBodySchema = z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(1024) }).strict();
export const loginReplySchema = z.object({ user: meSchema });

export const userSchema = z.object({
  username: z.string(),
  role: roleSchema,
  province: z.string().optional(),
  createdAtMs: z.number(),
  updatedAtMs: z.number(),
});
export const usersReplySchema = z.object({ users: z.array(userSchema) });
export const userAddBodySchema = z
  .object({ username: usernameSchema, role: roleSchema, province: idParam.optional(), password: passwordSchema })
  .strict();
export const userPasswordBodySchema = z.object({ password: passwordSchema }).strict();
export const usernameParamsSchema = z.object({ username: usernameSchema });

/** What the audit log records (the server's AuditLog takes its list from here). */
export const auditActions = [
  'login',
  'login-failed',
  'logout',
  'policy-save',
  'policy-rollback',
  'alert-ack',
  'user-add',
  'user-passwd',
  'user-remove',
] as const;
export const auditEntrySchema = z.object({
  seq: z.number().int(),
  atMs: z.number(),
  actor: z.string().nullable(),
  address: z.string(),
  action: z.enum(auditActions),
  target: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
});
export const auditQuerySchema = z.object({
  beforeSeq: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(1_000).default(100),
});
export const auditReplySchema = z.object({ entries: z.array(auditEntrySchema), nextBeforeSeq: z.number().int().optional() });

// ---- Health and topology ------------------------------------------------------------------

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  influx: z.object({
    reachable: z.boolean(),
    error: z.string().optional(),
    spooledPoints: z.number().optional(),
    droppedPoints: z.number().optional(),
    lastWriteOkAtMs: z.number().optional(),
  }),
  collector: z
    .object({
      running: z.boolean(),
      devices: z.number().int(),
      devicesUp: z.number().int(),
      devicesDown: z.number().int(),
      lastPollAtMs: z.number().optional(),
    })
    .nullable(),
});
export type Health = z.infer<typeof healthSchema>;

/** `GET /metrics`: Prometheus text exposition format 0.0.4 (text/plain), not JSON. */
export const metricsTextSchema = z.string();

export const topologyProvinceSchema = z.object({ id: z.string(), name: z.string(), region: z.string() });
export const topologyRouterSchema = z.object({ id: z.string(), name: z.string(), province: z.string().optional() });
export const topologyLinkSchema = z.object({
  id: z.string(),
  name: z.string(),
  tier: tierSchema,
  province: z.string(),
  router: z.string(),
  ifName: z.string(),
  capacityBps: z.number().optional(),
  downIs: z.enum(['out', 'in']),
});
export const topologySchema = z.object({
  intervalMs: z.number().int().positive(),
  provinces: z.array(topologyProvinceSchema),
  routers: z.array(topologyRouterSchema),
  links: z.array(topologyLinkSchema),
});
export type Topology = z.infer<typeof topologySchema>;
export type TopologyLink = Topology['links'][number];

// ---- Live samples -------------------------------------------------------------------------

export const linkSampleSchema = z.object({
  atMs: z.number(),
  intervalMs: z.number(),
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  class: trafficClassSchema,
  bitsPerSecond: z.number(),
  dropBitsPerSecond: z.number().optional(),
  prePolicyBitsPerSecond: z.number().optional(),
  reservedBps: z.number().optional(),
  capacityBps: z.number(),
  utilization: z.number(),
});
export const snapshotSchema = z.object({ atMs: z.number(), samples: z.array(linkSampleSchema) });

/** What a field of a flat object schema accepts, as a plain predicate, and its words for a refusal. */
interface FieldCheck {
  accepts: (value: unknown) => boolean;
  expected: string;
}

function fieldCheck(schema: z.ZodType, where: string): FieldCheck {
  if ((schema.def.checks ?? []).length > 0) throw new Error(`${where}: refinements are not checked structurally`);
  if (schema instanceof z.ZodOptional) {
    const inner = fieldCheck(schema.unwrap() as z.ZodType, where);
    return { accepts: (value) => value === undefined || inner.accepts(value), expected: `${inner.expected} or absent` };
  }
  if (schema instanceof z.ZodNumber) return { accepts: (value) => typeof value === 'number' && Number.isFinite(value), expected: 'a number' };
  if (schema instanceof z.ZodString) return { accepts: (value) => typeof value === 'string', expected: 'a string' };
  const allowed = schema instanceof z.ZodEnum ? schema.options : schema instanceof z.ZodUnion ? schema.options.flatMap((option) => (option instanceof z.ZodLiteral ? [...option.values] : [])) : [];
  if (allowed.length === 0 || (schema instanceof z.ZodUnion && allowed.length !== schema.options.length)) {
    throw new Error(`${where}: a ${schema.def.type} is not checked structurally`);
  }
  const values = new Set<unknown>(allowed);
  return { accepts: (value) => values.has(value), expected: `one of ${allowed.map((value) => JSON.stringify(value)).join(', ')}` };
}

/** A bad value as quoted in a problem: its JSON, cut to 60 characters (a sample field can be anything, of any size). */
function shortJson(value: unknown): string {
  const text = JSON.stringify(value);
  return text.length <= 60 ? text : `${text.slice(0, 59)}…`;
}

/**
 * A flat object schema as a plain check: the same fields and types, without zod's cost per
 * value (the live stream carries tens of thousands of samples a minute). Returns what is wrong
 * (`field: expected …, got …`), or undefined when the value matches; unknown keys pass.
 */
function structuralCheck(schema: z.ZodObject): (value: unknown) => string | undefined {
  const fields = Object.entries(schema.shape).map(([key, field]) => ({ key, ...fieldCheck(field as z.ZodType, key) }));
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return `expected an object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}`;
    const record = value as Record<string, unknown>;
    for (const field of fields) {
      const got = record[field.key];
      if (!field.accepts(got)) return `${field.key}: expected ${field.expected}, got ${got === undefined ? 'nothing' : shortJson(got)}`;
    }
    return undefined;
  };
}

/** What is wrong with a live sample (`linkSampleSchema`'s fields and types), or undefined when nothing is. */
export const linkSampleProblem: (value: unknown) => string | undefined = structuralCheck(linkSampleSchema);

/** What a client may send on the live WebSocket. */
export const subscribeMessageSchema = z
  .object({
    type: z.literal('subscribe'),
    links: z.array(idParam).max(20_000).optional(),
    province: idParam.optional(),
  })
  .strict();

// ---- History ------------------------------------------------------------------------------

/** Bounds of one history request: a page opens with one request, never an unbounded one. */
export const historyLimits = {
  links: 50,
  /** links × directions × classes. */
  series: 100,
  defaultMaxPoints: 1_500,
  maxPoints: 10_000,
  /** Points of all series together: past it, each series gets a coarser step. */
  totalPoints: 200_000,
} as const;
/** Where history points come from: raw samples, or the 5-minute or 1-hour rollups. */
export const historySources = ['raw', '5m', '1h'] as const;

/**
 * A query parameter given once or repeated (`class=total&class=video`): its distinct values in
 * order, each checked by `item`; a refusal names the parameter (not an index) and the value.
 */
function listParam<T>(item: z.ZodType<T>, max: number) {
  return z.union([z.string(), z.array(z.string())]).transform((value, ctx): T[] => {
    const list = Array.isArray(value) ? value : [value];
    if (list.length > max) {
      ctx.addIssue({ code: 'custom', message: `must be given at most ${max} times (got ${list.length})`, params: { code: 'too-many-values', maximum: max } });
      return z.NEVER;
    }
    const out: T[] = [];
    for (const text of list) {
      const parsed = item.safeParse(text);
      if (!parsed.success) {
        // The item's own issue (an allowed-values list, a length), said of the parameter.
        const first = parsed.error.issues[0];
        const message = `${first?.message ?? 'is not accepted'} (got "${text.slice(0, 200)}")`;
        ctx.addIssue(first === undefined ? { code: 'custom', message } : { ...first, path: [], message });
        return z.NEVER;
      }
      if (!out.includes(parsed.data)) out.push(parsed.data);
    }
    return out;
  });
}

export const historyQuerySchema = z.object({
  /** One link, or several: `link=a&link=b`. */
  link: listParam(idParam, historyLimits.links),
  dir: listParam(directionSchema, directions.length),
  class: listParam(trafficClassSchema, trafficClasses.length).default(['total']),
  from: z.string().min(1).max(64).default('-1h'),
  to: z.string().min(1).max(64).default('now'),
  /** The spacing of points: `30s`, `5m`, `1h`, `1d` or milliseconds; coarsened when the range needs it. */
  step: z.string().min(1).max(32).optional(),
  /** Most points per series (default 1500). */
  maxPoints: z.coerce.number().int().min(2).max(historyLimits.maxPoints).optional(),
});
export const historyPointSchema = z.object({
  /** The sample's time; for an aggregated point, the start of its step. */
  atMs: z.number(),
  // A rollup bucket without samples may come back empty: a gap, never a zero.
  /** The sample, or the mean of the step. */
  bitsPerSecond: z.number().nullable(),
  utilization: z.number().nullable(),
  dropBitsPerSecond: z.number().nullable().optional(),
  /** Aggregated points only: the highest sample of the step. */
  maxBitsPerSecond: z.number().optional(),
  /**
   * Aggregated points only: the 95th percentile of the samples in the step; where a step
   * spans several rollup buckets, the highest of their 95th percentiles (an upper bound).
   */
  p95BitsPerSecond: z.number().optional(),
});
const historyAnswer = {
  fromMs: z.number(),
  toMs: z.number(),
  source: z.enum(historySources),
  /** The step of the points; 0 when they are the samples as stored. */
  stepMs: z.number(),
};
export const historySeriesSchema = z.object({
  link: z.string(),
  dir: directionSchema,
  class: trafficClassSchema,
  points: z.array(historyPointSchema),
});
/** A request naming one link, one direction and one class: the series at the top level. */
export const historySchema = historySeriesSchema.extend(historyAnswer);
/** A request naming several links, directions or classes: every series, in request order (links, then dirs, then classes). */
export const historyManySchema = z.object({ ...historyAnswer, series: z.array(historySeriesSchema) });
export const historyReplySchema = z.union([historySchema, historyManySchema]);
export type History = z.infer<typeof historySchema>;
export type HistoryMany = z.infer<typeof historyManySchema>;
export type HistorySeries = z.infer<typeof historySeriesSchema>;
export type HistoryPoint = History['points'][number];

// ---- QoS discovery ------------------------------------------------------------------------

export const qosQuerySchema = z.object({ link: idParam.optional(), device: idParam.optional(), unmatched: booleanParam.optional() });
export const qosClassSchema = z.object({
  device: z.string(),
  link: z.string().optional(),
  ifName: z.string().optional(),
  dir: directionSchema.optional(),
  source: z.enum(['cisco', 'huawei', 'juniper', 'subinterface']),
  policyName: z.string().optional(),
  className: z.string(),
  path: z.string(),
  serviceClass: serviceClassSchema,
  rule: z.number().int().optional(),
  reservedBps: z.number().optional(),
});
export const qosSchema = z.object({ available: z.boolean(), atMs: z.number().optional(), classes: z.array(qosClassSchema) });
export type Qos = z.infer<typeof qosSchema>;

// ---- States (analyzer) --------------------------------------------------------------------

export const linkVerdictSchema = z.object({
  atMs: z.number(),
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  level: stateLevelSchema,
  conditions: z.object({ encroaching: z.boolean(), busy: z.boolean(), starved: z.boolean(), dropsReported: z.boolean() }),
  totalBps: z.number(),
  internetBps: z.number(),
  capacityBps: z.number(),
  reservedBps: z.number(),
  encroachBps: z.number(),
  dropRatio: z.object({ docex: z.number().optional(), video: z.number().optional() }),
  policyRevision: z.number().int(),
});
export const linkStatusSchema = z.object({
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  level: stateLevelSchema,
  sinceMs: z.number(),
  last: linkVerdictSchema,
});
export type LinkStatus = z.infer<typeof linkStatusSchema>;
export const provinceStatusSchema = z.object({
  province: z.string(),
  level: stateLevelSchema,
  worst: z.array(z.object({ link: z.string(), dir: directionSchema, level: stateLevelSchema })),
});
export type ProvinceStatus = z.infer<typeof provinceStatusSchema>;
export const statesSchema = z.object({
  atMs: z.number(),
  links: z.array(linkStatusSchema),
  provinces: z.array(provinceStatusSchema),
});
export const linkStateChangeSchema = z.object({
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  from: stateLevelSchema,
  to: stateLevelSchema,
  atMs: z.number(),
  verdict: linkVerdictSchema,
});
export type StatesView = z.infer<typeof statesSchema>;
/**
 * The live stream's `stateChanges` message (after its whole `states` picture): the current
 * statuses of the link directions a window's changes moved and of their provinces, and the changes.
 */
export const stateChangesSchema = statesSchema.extend({ changes: z.array(linkStateChangeSchema) });
export type StateChanges = z.infer<typeof stateChangesSchema>;

// ---- Alerts -------------------------------------------------------------------------------

export const notificationSchema = z.object({
  kind: z.enum(notificationKinds),
  channel: z.enum(['webhook', 'email']),
  /** The webhook URL or e-mail address: whole for admins, masked for everyone else. */
  target: z.string(),
  atMs: z.number(),
  attempts: z.number().int(),
  deliveredAtMs: z.number().optional(),
  error: z.string().optional(),
  gaveUpAtMs: z.number().optional(),
});
export const alertSchema = z.object({
  id: z.string(),
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  level: z.enum(alertLevels),
  state: z.enum(episodeStates),
  raisedAtMs: z.number(),
  escalatedAtMs: z.number().optional(),
  acknowledgedAtMs: z.number().optional(),
  acknowledgedBy: z.string().optional(),
  resolvedAtMs: z.number().optional(),
  firstVerdict: linkVerdictSchema,
  lastVerdict: linkVerdictSchema,
  escalateVerdict: linkVerdictSchema.optional(),
  notifications: z.array(notificationSchema),
});
export type Alert = z.infer<typeof alertSchema>;
export const alertsQuerySchema = z.object({ state: z.enum(episodeStates).optional(), province: idParam.optional() });
export const alertsSchema = z.object({ alerts: z.array(alertSchema) });
export const alertIdParamsSchema = z.object({ id: z.string().min(1).max(400) });

// ---- Policies -----------------------------------------------------------------------------

/** The policy document travels as JSON; the server validates it and names each problem's path. */
export const policyDocumentSchema = z.looseObject({
  defaults: z.record(z.string(), z.unknown()),
  tiers: z.record(z.string(), z.unknown()),
  provinces: z.record(z.string(), z.unknown()),
  links: z.record(z.string(), z.unknown()),
});
// An added path has no `before`, a removed one no `after` (JSON drops undefined).
export const policyChangeSchema = z.object({ path: z.string(), before: z.unknown().optional(), after: z.unknown().optional() });
export type PolicyChange = z.infer<typeof policyChangeSchema>;
export const policyProblemSchema = z.object({
  path: z.string(),
  code: messageCodeSchema,
  params: messageParamsSchema,
  /** In English, for scripts. */
  message: z.string(),
  /** The same problem found on this many other links (reported once). */
  otherLinks: z.number().int().optional(),
});
export type PolicyProblem = z.infer<typeof policyProblemSchema>;
export const policiesSchema = z.object({ revision: z.number().int(), document: policyDocumentSchema });
/** The policy in force: its revision and document. */
export type CurrentPolicy = z.infer<typeof policiesSchema>;
export const policySavedSchema = policiesSchema.extend({
  changes: z.array(policyChangeSchema),
  /** True when the document equalled the current one: no revision was written. */
  unchanged: z.boolean().optional(),
});
export const policyValidationSchema = z.object({
  ok: z.boolean(),
  problems: z.array(policyProblemSchema),
  changes: z.array(policyChangeSchema),
});
export type PolicyValidation = z.infer<typeof policyValidationSchema>;
export const policyHistoryEntrySchema = z.object({
  revision: z.number().int(),
  atMs: z.number(),
  author: z.string(),
  comment: z.string().optional(),
  changes: z.array(policyChangeSchema),
  rollbackOf: z.number().int().optional(),
});
export type PolicyHistoryEntry = z.infer<typeof policyHistoryEntrySchema>;
export const policyRevisionSchema = policyHistoryEntrySchema.extend({ document: policyDocumentSchema });
export const policyHistoryQuerySchema = z.object({
  beforeRevision: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const policyHistorySchema = z.object({
  revisions: z.array(policyHistoryEntrySchema),
  nextBeforeRevision: z.number().int().optional(),
});
export const policyPutBodySchema = z.object({ document: z.unknown(), comment: z.string().max(1000).optional() }).strict();
export const policyValidateBodySchema = z.object({ document: z.unknown() }).strict();
export const policyRollbackBodySchema = z
  .object({ revision: z.number().int().min(1), comment: z.string().max(1000).optional() })
  .strict();
export const ifMatchHeadersSchema = z.object({ 'if-match': z.string().max(100).optional() });
export const revisionParamsSchema = z.object({ revision: z.coerce.number().int().min(1) });
/** 4xx of the policy routes: the usual error plus the problems or the current revision. */
export const policyErrorSchema = errorSchema.extend({
  currentRevision: z.number().int().optional(),
  problems: z.array(policyProblemSchema).optional(),
});
export const linkQuerySchema = z.object({ link: idParam });
export const optionalLinkQuerySchema = z.object({ link: idParam.optional() });
export const effectivePolicySchema = z.object({
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  capacityBps: z.number(),
  reservationsBps: z.record(z.string(), z.number()),
  reservedBps: z.number(),
  internetCapBps: z.number().optional(),
  thresholds: z.record(z.string(), z.number()),
  from: z.record(z.string(), z.enum(['defaults', 'tier', 'province', 'link'])),
});
export type EffectivePolicyView = z.infer<typeof effectivePolicySchema>;
export const driftRowSchema = z.object({
  link: z.string(),
  dir: directionSchema,
  class: z.enum(protectedClasses),
  policyBps: z.number(),
  routerBps: z.number().nullable(),
  status: z.enum(['ok', 'differs', 'no-queue', 'unknown']),
});
export const driftSchema = z.object({ links: z.array(driftRowSchema) });
export type DriftRow = z.infer<typeof driftSchema>['links'][number];

/** A draft replayed over past traffic beside the current policy (server/policies/backtest.ts). */
export const policyBacktestBodySchema = z
  .object({
    document: z.unknown(),
    /** As the history API takes them: ISO 8601, epoch ms or relative (`-7d`, `now`); at most 30 days apart. */
    from: z.string().min(1).max(64).default('-1d'),
    to: z.string().min(1).max(64).default('now'),
    /** Only these links (default: every link). */
    links: z.array(idParam).min(1).max(20_000).optional(),
  })
  .strict();
export const backtestEpisodeSchema = z.object({
  link: z.string(),
  province: z.string(),
  tier: tierSchema,
  dir: directionSchema,
  /** The worst level the episode reached. */
  level: z.enum(alertLevels),
  fromMs: z.number(),
  /** Null: still raised at the end of the range. */
  toMs: z.number().nullable(),
  /** The other policy raises exactly this episode too. */
  same: z.boolean(),
});
export type BacktestEpisodeView = z.infer<typeof backtestEpisodeSchema>;
export const backtestOutcomeSchema = z.object({
  episodes: z.array(backtestEpisodeSchema),
  /** More episodes than listed; the counts are of all of them. */
  truncated: z.boolean(),
  counts: z.object({ episodes: z.number().int(), warning: z.number().int(), critical: z.number().int(), links: z.number().int() }),
});
export const policyBacktestSchema = z.object({
  fromMs: z.number(),
  toMs: z.number(),
  bucketMs: z.number(),
  /** Raw samples averaged per bucket, or the 5-minute rollup. */
  source: z.enum(['raw', 'rollup_5m']),
  links: z.number().int(),
  series: z.number().int(),
  buckets: z.number().int(),
  current: backtestOutcomeSchema.extend({ revision: z.number().int() }),
  draft: backtestOutcomeSchema,
  differences: z.object({
    onlyCurrent: z.number().int(),
    onlyDraft: z.number().int(),
    links: z.array(z.object({ link: z.string(), province: z.string(), tier: tierSchema, current: z.number().int(), draft: z.number().int() })),
  }),
  elapsedMs: z.number(),
});
export type PolicyBacktest = z.infer<typeof policyBacktestSchema>;

// ---- National utilization report ----------------------------------------------------------

/** What a province is banded on: its tier-1 uplink's busy-hour mean, or its 95th percentile. */
export const reportBases = ['busyhour', 'p95'] as const;
export type ReportBasis = (typeof reportBases)[number];
/** Under 60 %, 60–80 %, 80 % and over; `none`: no data in the period (never shown as 0 %). */
export const utilizationBands = ['low', 'mid', 'high', 'none'] as const;
export type UtilizationBand = (typeof utilizationBands)[number];
export const reportFormats = ['json', 'csv'] as const;

export const reportQuerySchema = z.object({
  /** A calendar month in Vietnam time; or `from`/`to` (a bare date is a Vietnam day, `to` inclusive). */
  month: z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'expected a month as YYYY-MM').optional(),
  from: z.string().min(1).max(64).optional(),
  to: z.string().min(1).max(64).optional(),
  basis: z.enum(reportBases).default('busyhour'),
  /** `csv`: the rows as UTF-8 CSV with a byte-order mark (text/csv). */
  format: z.enum(reportFormats).default('json'),
});
/** Utilizations and shares are 0..1 rounded to 0.001 (0.1 %); rates and capacities in bit/s. */
export const reportReservationSchema = z.object({
  busyHourP95Bps: z.number(),
  busyHourMaxBps: z.number(),
  suggestedBps: z.number(),
  capacityShare: z.number().nullable(),
  policyBps: z.number().nullable(),
});
export const reportRowSchema = z.object({
  province: z.string(),
  provinceName: z.string(),
  /** The tier-1 uplink the row is about (null: the province has none configured). */
  uplink: z.object({ link: z.string(), name: z.string(), capacityBps: z.number().nullable() }).nullable(),
  /** Vietnam days with data in the period. */
  days: z.number().int(),
  busyHourUtilization: z.number().nullable(),
  /** The hour of day (Vietnam time, 0–23) that was most often the busy hour, and the busier direction. */
  busyHourOfDay: z.number().int().nullable(),
  busyDir: directionSchema.nullable(),
  p95Utilization: z.number().nullable(),
  /** The figure of the chosen basis, and its band. */
  utilization: z.number().nullable(),
  band: z.enum(utilizationBands),
  shares: z.object({ internet: z.number(), docex: z.number(), video: z.number(), other: z.number() }).nullable(),
  /** Time the province's worst link state was warning / critical (null: no states recorded). */
  warningMs: z.number().nullable(),
  criticalMs: z.number().nullable(),
  tier2: z.object({
    links: z.number().int(),
    withData: z.number().int(),
    over80: z.array(z.object({ link: z.string(), name: z.string(), utilization: z.number() })),
  }),
  capacity: z
    .object({
      busyHourP95Bps: z.number(),
      currentBps: z.number().nullable(),
      currentUtilization: z.number().nullable(),
      /** The standard capacity to upgrade to; null when the current one keeps it under 60 %. */
      suggestedBps: z.number().nullable(),
    })
    .nullable(),
  reservations: z.object({ docex: reportReservationSchema.nullable(), video: reportReservationSchema.nullable() }),
});
export type ReportRow = z.infer<typeof reportRowSchema>;
/** Of all `provinces`, how many fall in each band. */
export const reportNationalSchema = z.object({
  provinces: z.number().int(),
  ...(Object.fromEntries(utilizationBands.map((band) => [band, z.number().int()])) as Record<UtilizationBand, z.ZodNumber>),
});
export const utilizationReportSchema = z.object({
  fromMs: z.number(),
  toMs: z.number(),
  month: z.string().optional(),
  basis: z.enum(reportBases),
  timeZone: z.string(),
  /** Where the traffic figures come from: the rollups (with the not-yet-rolled tail from raw samples), or raw samples. */
  source: z.enum(['raw', 'rollup']),
  /** False when raw link states no longer cover the period: time warning/critical is unknown (null), not zero. */
  statesAvailable: z.boolean(),
  rows: z.array(reportRowSchema),
  /** Counts over every province; null for a province user (they would reveal the others). */
  national: reportNationalSchema.nullable(),
});
export type UtilizationReport = z.infer<typeof utilizationReportSchema>;
