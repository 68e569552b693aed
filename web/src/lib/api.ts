// The server API as the UI sees it: schemas for every response and live message (data from
// the server is `unknown` until one of these accepts it), and small fetch helpers. A 401 from
// any data route (the session ended) is announced on `window` as `sessionEndedEvent`.
import { z } from 'zod';
import type { Principal } from '../../../api/access.ts';
import {
  alertSchema,
  alertsSchema,
  driftSchema,
  effectivePolicySchema,
  healthSchema,
  linkSampleProblem,
  linkSampleSchema,
  loginReplySchema,
  meSchema,
  policiesSchema,
  policyHistorySchema,
  policySavedSchema,
  policyValidationSchema,
  qosClassSchema,
  qosSchema,
  stateChangesSchema,
  statesSchema,
  topologySchema,
  type Alert,
  type CurrentPolicy,
  type Direction,
  type DriftRow,
  type EffectivePolicyView,
  type EpisodeState,
  type Health,
  type PolicyHistoryEntry,
  type PolicyValidation,
  type Qos,
  type StateChanges,
  type StatesView,
  type Topology,
  type TrafficClass,
} from '../../../api/schemas.ts';

// Every response shape, its type and the vocabulary are the server's own (api/schemas.ts):
// written once, validated here.
export * from '../../../api/schemas.ts';
/** A live sample as the API carries it. */
export type LinkSample = z.infer<typeof linkSampleSchema>;
/** A discovered QoS class as the API carries it. */
export type QosClassMapping = z.infer<typeof qosClassSchema>;

export function fetchStates(signal?: AbortSignal): Promise<StatesView> {
  return fetchJson('/api/v1/states', statesSchema, signal);
}

// ---- Alerts ------------------------------------------------------------------------------

export function alertsPath(query: { state?: EpisodeState | undefined; province?: string | undefined }): string {
  const params = new URLSearchParams();
  if (query.state !== undefined) params.set('state', query.state);
  if (query.province !== undefined && query.province !== '') params.set('province', query.province);
  const text = params.toString();
  return text === '' ? '/api/v1/alerts' : `/api/v1/alerts?${text}`;
}

export async function fetchAlerts(
  query: { state?: EpisodeState | undefined; province?: string | undefined },
  signal?: AbortSignal,
): Promise<Alert[]> {
  return (await fetchJson(alertsPath(query), alertsSchema, signal)).alerts;
}

/** Acknowledged in the name of the signed-in user (the server knows who). */
export function acknowledgeAlert(id: string): Promise<Alert> {
  return sendJson(`/api/v1/alerts/${encodeURIComponent(id)}/ack`, { method: 'POST', body: {} }, alertSchema);
}

// ---- Policies ----------------------------------------------------------------------------

export function fetchPolicies(signal?: AbortSignal): Promise<CurrentPolicy> {
  return fetchJson('/api/v1/policies', policiesSchema, signal);
}

export function fetchPolicyHistory(signal?: AbortSignal): Promise<PolicyHistoryEntry[]> {
  return fetchJson('/api/v1/policies/history', policyHistorySchema, signal).then((body) => body.revisions);
}

export function fetchEffectivePolicy(linkId: string, signal?: AbortSignal): Promise<EffectivePolicyView> {
  return fetchJson(`/api/v1/policies/effective?link=${encodeURIComponent(linkId)}`, effectivePolicySchema, signal);
}

export function fetchDrift(linkId: string, signal?: AbortSignal): Promise<DriftRow[]> {
  return fetchJson(`/api/v1/drift?link=${encodeURIComponent(linkId)}`, driftSchema, signal).then((body) => body.links);
}

export function validatePolicy(document: unknown, signal?: AbortSignal): Promise<PolicyValidation> {
  return sendJson('/api/v1/policies/validate', { method: 'POST', body: { document }, signal }, policyValidationSchema);
}

/** Saved in the name of the signed-in user (the server records who). */
export function savePolicy(
  request: { document: unknown; comment?: string; revision: number },
): Promise<z.infer<typeof policySavedSchema>> {
  const body: Record<string, unknown> = { document: request.document };
  if (request.comment !== undefined && request.comment !== '') body['comment'] = request.comment;
  return sendJson('/api/v1/policies', { method: 'PUT', body, ifMatch: request.revision }, policySavedSchema);
}

export function rollbackPolicy(request: { revision: number; currentRevision: number }): Promise<unknown> {
  return sendJson(
    '/api/v1/policies/rollback',
    { method: 'POST', body: { revision: request.revision }, ifMatch: request.currentRevision },
    z.unknown(),
  );
}

/** What an error body says (api/messages.ts); the UI words it with lib/messages.ts. */
export interface ApiErrorSaid {
  /** The server's code; one this UI may not know (a newer server). Undefined without an error body. */
  code: string | undefined;
  params: Readonly<Record<string, string | number>>;
  /** The server's English message, or `HTTP <status>` without an error body. */
  message: string;
}

function paramsOf(value: unknown): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  if (typeof value !== 'object' || value === null) return params;
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string' || typeof item === 'number') params[name] = item;
  }
  return params;
}

/** A non-2xx answer: the status, what the server said (code, params, English message) and the field it named. */
export class ApiError extends Error {
  readonly status: number;
  readonly field: string | undefined;
  readonly code: string | undefined;
  readonly params: Readonly<Record<string, string | number>>;
  readonly said: ApiErrorSaid;
  readonly body: unknown;
  constructor(path: string, status: number, body: unknown) {
    const record = typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {};
    const message = typeof record['message'] === 'string' ? record['message'] : `HTTP ${status}`;
    super(`${path}: ${message}`);
    this.name = 'ApiError';
    this.status = status;
    this.field = typeof record['field'] === 'string' ? record['field'] : undefined;
    this.code = typeof record['code'] === 'string' ? record['code'] : undefined;
    this.params = paramsOf(record['params']);
    this.said = { code: this.code, params: this.params, message };
    this.body = body;
  }
}

/** Announced on `window` when a data route answers 401: the session expired or was revoked. */
export const sessionEndedEvent = 'lanewatch:session-ended';

async function jsonBody(response: Response): Promise<unknown> {
  try {
    return (await response.json()) as unknown;
  } catch {
    return null;
  }
}

/** The error for a non-2xx answer; a 401 also tells the session (see `sessionEndedEvent`). */
function failure(path: string, status: number, body: unknown): ApiError {
  if (status === 401 && typeof window !== 'undefined') window.dispatchEvent(new Event(sessionEndedEvent));
  return new ApiError(path, status, body);
}

// ---- Session -----------------------------------------------------------------------------

/** What a login attempt came to. Wrong credentials, throttling and an unreachable server are outcomes, not faults. */
export type LoginOutcome =
  | { kind: 'signed-in'; principal: Principal }
  | { kind: 'wrong-credentials' }
  | { kind: 'throttled'; retryAfterSeconds: number | null }
  | { kind: 'invalid'; field: string | null }
  | { kind: 'unreachable'; status: number | null };

/**
 * Seconds to wait from a `Retry-After` header (delay-seconds or an HTTP date), or null when
 * there is none or it cannot be read.
 */
export function retryAfterSeconds(header: string | null, nowMs: number): number | null {
  if (header === null || header.trim() === '') return null;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text);
  const atMs = Date.parse(text);
  return Number.isNaN(atMs) ? null : Math.max(0, Math.ceil((atMs - nowMs) / 1000));
}

export async function login(credentials: { username: string; password: string }): Promise<LoginOutcome> {
  let response: Response;
  try {
    response = await fetch('/api/v1/auth/login', {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      body: JSON.stringify(credentials),
    });
  } catch {
    return { kind: 'unreachable', status: null };
  }
  const body = await jsonBody(response);
  if (response.status === 401) return { kind: 'wrong-credentials' };
  if (response.status === 429) {
    return { kind: 'throttled', retryAfterSeconds: retryAfterSeconds(response.headers.get('retry-after'), Date.now()) };
  }
  if (response.status === 400) return { kind: 'invalid', field: new ApiError('/api/v1/auth/login', 400, body).field ?? null };
  const parsed = loginReplySchema.safeParse(body);
  if (!response.ok || !parsed.success) return { kind: 'unreachable', status: response.status };
  return { kind: 'signed-in', principal: parsed.data.user };
}

/** Ends the session on the server; the cookie goes with it. */
export async function logout(): Promise<void> {
  const response = await fetch('/api/v1/auth/logout', { method: 'POST' });
  if (!response.ok && response.status !== 401) throw new ApiError('/api/v1/auth/logout', response.status, await jsonBody(response));
}

/** The signed-in user, or null when there is no valid session (401). Other failures are Errors. */
export async function fetchMe(signal?: AbortSignal): Promise<Principal | null> {
  const response = await fetch('/api/v1/me', { signal: signal ?? null, headers: { accept: 'application/json' } });
  if (response.status === 401) return null;
  const body = await jsonBody(response);
  if (!response.ok) throw new ApiError('/api/v1/me', response.status, body);
  const parsed = meSchema.safeParse(body);
  if (!parsed.success) throw new Error('/api/v1/me: unexpected response', { cause: parsed.error });
  return parsed.data;
}

/** Sends a JSON body (POST/PUT, optional `If-Match: "<revision>"`) and validates the answer. */
export async function sendJson<T>(
  path: string,
  request: { method: 'POST' | 'PUT'; body: unknown; ifMatch?: number; signal?: AbortSignal | undefined },
  schema: z.ZodType<T>,
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', 'content-type': 'application/json' };
  if (request.ifMatch !== undefined) headers['if-match'] = `"${request.ifMatch}"`;
  const response = await fetch(path, {
    method: request.method,
    headers,
    body: JSON.stringify(request.body),
    signal: request.signal ?? null,
  });
  const body = await jsonBody(response);
  if (!response.ok) throw failure(path, response.status, body);
  const parsed = schema.safeParse(body);
  if (!parsed.success) throw new Error(`${path}: unexpected response`, { cause: parsed.error });
  return parsed.data;
}

/** What the live WebSocket says, once validated. Unknown message types are `ignored`. */
export type LiveMessage =
  | ({ type: 'snapshot'; atMs: number } & AcceptedSamples)
  | ({ type: 'samples' } & AcceptedSamples)
  | { type: 'states'; states: StatesView }
  | { type: 'stateChanges'; changed: StateChanges }
  /** `statesLost`: a states message was dropped, so the states held may be wrong until the next whole picture. */
  | { type: 'ignored'; reason: string; statesLost?: true };

const messageEnvelope = z.looseObject({ type: z.string() });
// The envelope by zod; its samples, one by one, by the cheaper structural check of the same schema.
const sampleList = z.custom<unknown[]>((value) => Array.isArray(value), { message: 'expected an array' });
const snapshotEnvelope = z.object({ atMs: z.number(), samples: sampleList });
const samplesEnvelope = z.object({ samples: sampleList });

export interface AcceptedSamples {
  samples: LinkSample[];
  rejected: number;
  /** What was wrong with the first sample rejected, and where (`samples[3].dir: expected …`). */
  problem?: string;
}

/** Keeps the valid samples of a list; one malformed sample does not cost the others. */
export function acceptSamples(items: readonly unknown[]): AcceptedSamples {
  const samples: LinkSample[] = [];
  let rejected = 0;
  let problem: string | undefined;
  for (let index = 0; index < items.length; index += 1) {
    const item = items[index];
    const wrong = linkSampleProblem(item);
    if (wrong === undefined) samples.push(item as LinkSample);
    else {
      rejected += 1;
      problem ??= `samples[${index}]${wrong.startsWith('expected') ? ': ' : '.'}${wrong}`;
    }
  }
  return problem === undefined ? { samples, rejected } : { samples, rejected, problem };
}

/** Where a message fails its schema and why (the first issue): `links[0].level: Invalid option…`. */
function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (issue === undefined) return 'invalid';
  const path = issue.path.map((key, index) => (typeof key === 'number' ? `[${key}]` : `${index === 0 ? '' : '.'}${String(key)}`)).join('');
  return `${path === '' ? '(message)' : path}: ${issue.message}`;
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
  if (envelope.data.type === 'states') {
    const body = statesSchema.safeParse(data);
    if (!body.success) return { type: 'ignored', reason: `malformed states: ${firstIssue(body.error)}`, statesLost: true };
    return { type: 'states', states: body.data };
  }
  if (envelope.data.type === 'stateChanges') {
    const body = stateChangesSchema.safeParse(data);
    if (!body.success) return { type: 'ignored', reason: `malformed stateChanges: ${firstIssue(body.error)}`, statesLost: true };
    return { type: 'stateChanges', changed: body.data };
  }
  return { type: 'ignored', reason: `type ${envelope.data.type}` };
}

/** The live WebSocket's address on the page's own origin (wss:// under https). */
export function liveUrl(location: { protocol: string; host: string }): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}/api/v1/live`;
}

/**
 * The history URL. Several links, directions or classes go in one request (repeated
 * parameters): the answer is then `historyManySchema` (`series`, in request order) instead of
 * one series at the top level. `step`: `30s`, `5m`, `1h`, `1d` or milliseconds (the server may
 * answer a coarser one); `maxPoints`: most points per series.
 */
export function historyPath(query: {
  link: string | readonly string[];
  dir: Direction | readonly Direction[];
  class?: TrafficClass | readonly TrafficClass[];
  from?: string;
  to?: string;
  step?: string | number;
  maxPoints?: number;
}): string {
  const params = new URLSearchParams();
  for (const link of typeof query.link === 'string' ? [query.link] : query.link) params.append('link', link);
  for (const dir of typeof query.dir === 'string' ? [query.dir] : query.dir) params.append('dir', dir);
  const classes = query.class ?? 'total';
  for (const trafficClass of typeof classes === 'string' ? [classes] : classes) params.append('class', trafficClass);
  params.set('from', query.from ?? '-1h');
  params.set('to', query.to ?? 'now');
  if (query.step !== undefined) params.set('step', String(query.step));
  if (query.maxPoints !== undefined) params.set('maxPoints', String(query.maxPoints));
  return `/api/v1/history?${params.toString()}`;
}

/** GET a JSON resource and validate it; network, HTTP and schema failures are Errors. */
export async function fetchJson<T>(path: string, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { signal: signal ?? null, headers: { accept: 'application/json' } });
  if (!response.ok) throw failure(path, response.status, await jsonBody(response));
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
