// The route table: the contract between the server and its clients. Each route names its
// method, path (under /api/v1), who may use it and how its answer is scoped, and its request
// and response schemas. The server registers its handlers against these entries (and refuses
// any route without one); the web client builds its requests from the same entries.
import { z } from 'zod';
import { acknowledgers, admins, engineers, open, readScoped, signedIn, type AccessRule, type Role } from './access.ts';
import * as s from './schemas.ts';

export const apiPrefix = '/api/v1';

type ResponseSchemas = Partial<Record<200 | 201 | 204 | '4xx' | '5xx', z.ZodType>>;

export interface RouteContract {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Under `apiPrefix` (at the root with `root`), fastify syntax for parameters (`/alerts/:id/ack`). */
  path: string;
  access: AccessRule;
  summary: string;
  querystring?: z.ZodType;
  params?: z.ZodType;
  body?: z.ZodType;
  headers?: z.ZodType;
  response: ResponseSchemas;
  /** A WebSocket endpoint (its messages are described in `liveMessages`). */
  websocket?: true;
  /** At the server's root instead of under `apiPrefix` (Prometheus' `GET /metrics`). */
  root?: true;
}

const errors = { '4xx': s.errorSchema, '5xx': s.errorSchema } as const;
const policyErrors = { '4xx': s.policyErrorSchema, '5xx': s.errorSchema } as const;
const noContent = z.null().optional();
/** Who may read the whole reservation policy (province staff see their links' effective policy only). */
const policyReaders: AccessRule = { roles: ['viewer', 'engineer', 'admin'] satisfies Role[], scope: 'none' };

export const routes = {
  health: {
    method: 'GET',
    path: '/health',
    access: open,
    summary: 'Is InfluxDB reachable, is the collector polling (open for probes)',
    response: { 200: s.healthSchema, ...errors },
  },
  metrics: {
    method: 'GET',
    path: '/metrics',
    root: true,
    // Open in the table; the handler refuses (403) an address outside settings.metrics.allowFrom
    // unless a viewer, engineer or admin is signed in (server/metrics/access.ts).
    access: open,
    summary: 'Prometheus text format: collector, store, live stream, alerts and process metrics',
    response: { 200: s.metricsTextSchema, ...errors },
  },
  login: {
    method: 'POST',
    path: '/auth/login',
    access: open,
    summary: 'Sign in; sets the session cookie',
    body: s.loginBodySchema,
    response: { 200: s.loginReplySchema, ...errors },
  },
  logout: {
    method: 'POST',
    path: '/auth/logout',
    access: open,
    summary: 'Sign out; revokes the session',
    response: { 204: noContent, ...errors },
  },
  me: {
    method: 'GET',
    path: '/me',
    access: signedIn,
    summary: 'The signed-in user',
    response: { 200: s.meSchema, ...errors },
  },
  topology: {
    method: 'GET',
    path: '/topology',
    access: readScoped,
    summary: 'Provinces, routers and links (no credentials or addresses)',
    response: { 200: s.topologySchema, ...errors },
  },
  snapshot: {
    method: 'GET',
    path: '/live/snapshot',
    access: readScoped,
    summary: 'The latest sample per link, direction and class',
    response: { 200: s.snapshotSchema, ...errors },
  },
  live: {
    method: 'GET',
    path: '/live',
    access: readScoped,
    summary: 'WebSocket: a snapshot, then samples and states; subscribe to a province or links',
    response: { ...errors },
    websocket: true,
  },
  history: {
    method: 'GET',
    path: '/history',
    access: readScoped,
    summary: 'Rates of one or several links, directions and classes over a time range (raw samples or rollups)',
    querystring: s.historyQuerySchema,
    response: { 200: s.historyReplySchema, ...errors },
  },
  qos: {
    method: 'GET',
    path: '/qos',
    access: readScoped,
    summary: 'Discovered QoS classes and the service class each maps to',
    querystring: s.qosQuerySchema,
    response: { 200: s.qosSchema, ...errors },
  },
  states: {
    method: 'GET',
    path: '/states',
    access: readScoped,
    summary: "Every link's and province's state",
    response: { 200: s.statesSchema, ...errors },
  },
  drift: {
    method: 'GET',
    path: '/drift',
    access: readScoped,
    summary: "Routers' reservations against the policy",
    querystring: s.optionalLinkQuerySchema,
    response: { 200: s.driftSchema, ...errors },
  },
  alerts: {
    method: 'GET',
    path: '/alerts',
    access: readScoped,
    summary: 'Alert episodes, newest first',
    querystring: s.alertsQuerySchema,
    response: { 200: s.alertsSchema, ...errors },
  },
  alertAck: {
    method: 'POST',
    path: '/alerts/:id/ack',
    access: acknowledgers,
    summary: 'Acknowledge an alert (as the signed-in user)',
    params: s.alertIdParamsSchema,
    response: { 200: s.alertSchema, ...errors },
  },
  policies: {
    method: 'GET',
    path: '/policies',
    access: policyReaders,
    summary: 'The reservation policy and its revision (ETag)',
    response: { 200: s.policiesSchema, ...policyErrors },
  },
  policiesPut: {
    method: 'PUT',
    path: '/policies',
    access: engineers,
    summary: 'Save a new revision (If-Match: the revision it is based on)',
    headers: s.ifMatchHeadersSchema,
    body: s.policyPutBodySchema,
    response: { 200: s.policySavedSchema, ...policyErrors },
  },
  policiesValidate: {
    method: 'POST',
    path: '/policies/validate',
    access: engineers,
    summary: 'Problems and the diff of a draft, before saving',
    body: s.policyValidateBodySchema,
    response: { 200: s.policyValidationSchema, ...policyErrors },
  },
  policiesHistory: {
    method: 'GET',
    path: '/policies/history',
    access: policyReaders,
    summary: 'Revisions, newest first, paged',
    querystring: s.policyHistoryQuerySchema,
    response: { 200: s.policyHistorySchema, ...policyErrors },
  },
  policiesRevision: {
    method: 'GET',
    path: '/policies/history/:revision',
    access: policyReaders,
    summary: 'One revision with its document',
    params: s.revisionParamsSchema,
    response: { 200: s.policyRevisionSchema, ...policyErrors },
  },
  policiesRollback: {
    method: 'POST',
    path: '/policies/rollback',
    access: engineers,
    summary: 'Restore an earlier revision (as a new one)',
    headers: s.ifMatchHeadersSchema,
    body: s.policyRollbackBodySchema,
    response: { 200: s.policySavedSchema, ...policyErrors },
  },
  policiesBacktest: {
    method: 'POST',
    path: '/policies/backtest',
    access: engineers,
    summary: 'The episodes a draft and the current policy would have raised over a past range (at most 30 days)',
    body: s.policyBacktestBodySchema,
    response: { 200: s.policyBacktestSchema, ...policyErrors },
  },
  policiesEffective: {
    method: 'GET',
    path: '/policies/effective',
    access: readScoped,
    summary: "A link's effective policy and where each value comes from",
    querystring: s.linkQuerySchema,
    response: { 200: s.effectivePolicySchema, ...policyErrors },
  },
  users: {
    method: 'GET',
    path: '/users',
    access: admins,
    summary: 'Users and their roles',
    response: { 200: s.usersReplySchema, ...errors },
  },
  userAdd: {
    method: 'POST',
    path: '/users',
    access: admins,
    summary: 'Add a user',
    body: s.userAddBodySchema,
    response: { 201: s.userSchema, ...errors },
  },
  userPassword: {
    method: 'PUT',
    path: '/users/:username/password',
    access: admins,
    summary: "Set a user's password (revokes its sessions)",
    params: s.usernameParamsSchema,
    body: s.userPasswordBodySchema,
    response: { 204: noContent, ...errors },
  },
  userRemove: {
    method: 'DELETE',
    path: '/users/:username',
    access: admins,
    summary: 'Remove a user (revokes its sessions)',
    params: s.usernameParamsSchema,
    response: { 204: noContent, ...errors },
  },
  audit: {
    method: 'GET',
    path: '/audit',
    access: admins,
    summary: 'The audit log, newest first, paged',
    querystring: s.auditQuerySchema,
    response: { 200: s.auditReplySchema, ...errors },
  },
  report: {
    method: 'GET',
    path: '/report/utilization',
    access: readScoped,
    summary: "National utilization report: each province's uplink band, class shares and suggestions (JSON, or CSV with format=csv)",
    querystring: s.reportQuerySchema,
    // format=csv answers text/csv (UTF-8 with BOM) instead of this JSON.
    response: { 200: s.utilizationReportSchema, ...errors },
  },
} as const satisfies Record<string, RouteContract>;

export type RouteName = keyof typeof routes;

/** The full URL path of a table entry (parameters unfilled). */
export function contractUrl(contract: RouteContract): string {
  return contract.root ? contract.path : `${apiPrefix}${contract.path}`;
}

/** The full URL path of a route (parameters unfilled). */
export function routeUrl(name: RouteName): string {
  return contractUrl(routes[name]);
}

/** Messages of the live WebSocket (`routes.live`): what the server sends. */
export const liveMessages = {
  snapshot: s.snapshotSchema.extend({ type: z.literal('snapshot') }),
  samples: z.object({ type: z.literal('samples'), samples: z.array(s.linkSampleSchema) }),
  states: s.statesSchema.extend({ type: z.literal('states'), changes: z.array(s.linkStateChangeSchema).optional() }),
  error: z.object({ type: z.literal('error'), message: z.string() }),
} as const;
