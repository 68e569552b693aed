// Every message the server can send a client, by code: error bodies (`code`, `params`, and an
// English `message` for scripts) and policy problems. Listed once, with the type of each
// parameter; the UI words each code in Vietnamese and English (web/src/lib/i18n.ts, keys
// `msg.<code>`) from the parameters alone, so the parameters carry everything the text needs.
// Names of keys and fields stay as the API spells them (`field`, `path`, `link`, …).

type ParamType = 'string' | 'number';

export const messageCatalog = {
  // ---- A request or policy document refused by its schema (zod issues) ----------------------
  /** A key that must be given is missing. */
  required: { field: 'string' },
  /** A key the schema does not know. */
  'unknown-key': { field: 'string' },
  /** The wrong type, not one of the allowed values, or not in the expected format. */
  'invalid-value': { field: 'string', expected: 'string' },
  /** Refused by a rule with no short expectation (the English `message` says which). */
  'invalid-field': { field: 'string' },
  /** A number below its minimum (the minimum itself is allowed). */
  'too-small': { field: 'string', minimum: 'number' },
  /** A number that must be above `minimum`. */
  'not-above': { field: 'string', minimum: 'number' },
  /** A number above its maximum (the maximum itself is allowed). */
  'too-big': { field: 'string', maximum: 'number' },
  /** A number that must be below `maximum`. */
  'not-below': { field: 'string', maximum: 'number' },
  /** A text or list shorter than `minimum` characters or items. */
  'too-short': { field: 'string', minimum: 'number' },
  /** A text or list longer than `maximum` characters or items. */
  'too-long': { field: 'string', maximum: 'number' },
  'not-integer': { field: 'string' },
  /** A query parameter repeated more often than it may be. */
  'too-many-values': { field: 'string', maximum: 'number' },
  /** A reservation or cap given as neither `{ mbps }` nor `{ percent }`. */
  'amount-missing': { field: 'string' },
  /** A reservation or cap given as both `{ mbps }` and `{ percent }`. */
  'amount-both': { field: 'string' },
  /** critUtil set below highUtil in the same layer. */
  'crit-below-high': { field: 'string', highUtil: 'number' },

  // ---- Names that must exist in the topology ------------------------------------------------
  'unknown-link': { field: 'string', link: 'string' },
  'unknown-province': { field: 'string', province: 'string' },
  'unknown-device': { field: 'string', device: 'string' },

  // ---- Policy documents against the topology -------------------------------------------------
  /** The reservations of a link (docex + video) above its capacity. */
  'over-capacity': { link: 'string', docexMbps: 'number', videoMbps: 'number', reservedMbps: 'number', capacityMbps: 'number' },
  /** On a link without a configured capacity, percent reservations adding up above 100. */
  'over-full-share': { link: 'string', percent: 'number' },
  /** The effective highUtil of a link above its effective critUtil. */
  'high-above-crit': { link: 'string', highUtil: 'number', critUtil: 'number' },
  /** A policy document refused: its problems are listed beside the error. */
  'policy-invalid': { count: 'number' },

  // ---- Time ranges and other request values ---------------------------------------------------
  /** Not a time (ISO 8601, epoch ms, relative like -1h or now), or outside 1970–2261. */
  'invalid-time': { field: 'string', value: 'string' },
  /** `from` not before `to` (ISO 8601 times). */
  'range-backwards': { field: 'string', from: 'string', to: 'string' },
  'range-too-long': { field: 'string', maxDays: 'number' },
  'invalid-step': { field: 'string', value: 'string' },
  /** A report month not written YYYY-MM, or outside 1970-02 … 2261-12. */
  'invalid-month': { field: 'string', value: 'string' },
  /** A report asked for by month and by range at once. */
  'month-with-range': { field: 'string' },
  'too-many-series': { field: 'string', series: 'number', maximum: 'number' },
  'backtest-too-large': { field: 'string', buckets: 'number', maximum: 'number' },

  // ---- Signing in and access ------------------------------------------------------------------
  'sign-in-required': {},
  'wrong-credentials': {},
  'sign-in-throttled': { retryAfterSeconds: 'number' },
  /** A role outside the route's rule (`path` is the route, e.g. /api/v1/policies). */
  'role-forbidden': { role: 'string', method: 'string', path: 'string' },
  'no-access-rule': {},
  'not-your-link': { field: 'string', link: 'string' },
  'not-your-province': { field: 'string', province: 'string' },
  'not-your-device': { field: 'string', device: 'string' },
  /** GET /metrics without a session from an address outside metrics.allowFrom. */
  'metrics-address': { address: 'string' },
  /** GET /metrics by a role that may read it only from an allowed address. */
  'metrics-role': { role: 'string', address: 'string' },
  'host-not-allowed': { host: 'string' },
  /** A state-changing request without Origin (`origin`: this server's own). */
  'origin-required': { origin: 'string' },
  'origin-refused': { origin: 'string' },

  // ---- Users ----------------------------------------------------------------------------------
  'invalid-username': { username: 'string' },
  'province-required': { username: 'string' },
  'province-not-allowed': { username: 'string', role: 'string' },
  'password-length': { minimum: 'number', maximum: 'number' },
  'user-exists': { username: 'string' },
  'user-not-found': { username: 'string' },
  'cannot-remove-self': {},

  // ---- Policies, alerts, the live stream ------------------------------------------------------
  'if-match-required': {},
  'if-match-invalid': {},
  /** Saved on a stale revision: someone saved `currentRevision` since. */
  'policy-conflict': { currentRevision: 'number' },
  'revision-not-found': { revision: 'number' },
  'backtests-busy': { running: 'number', maximum: 'number' },
  'alert-not-found': { id: 'string' },
  'alert-resolved': { id: 'string' },
  'ack-not-recorded': { id: 'string' },
  'websocket-required': {},

  // ---- The request as a whole, and the server -------------------------------------------------
  'no-route': { method: 'string', path: 'string' },
  /** A URL that is not one (a broken percent-encoding). */
  'invalid-url': {},
  /** A path parameter longer than the router reads. */
  'url-too-long': {},
  'invalid-json': {},
  'body-too-large': {},
  'unsupported-media-type': { contentType: 'string' },
  /** Any other refusal (a status fastify or a plugin chose). */
  'request-rejected': { status: 'number' },
  'storage-unavailable': { retryAfterSeconds: 'number' },
  /** The server could not write its own state (disk full, read-only, I/O error): the change was not made. */
  'state-unwritable': { reason: 'string', retryAfterSeconds: 'number' },
  'internal-error': {},
} as const satisfies Record<string, Readonly<Record<string, ParamType>>>;

type Catalog = typeof messageCatalog;
export type MessageCode = keyof Catalog;

export const messageCodes = Object.keys(messageCatalog) as [MessageCode, ...MessageCode[]];

type ValueOf<T extends ParamType> = T extends 'number' ? number : string;

/** The parameters of one code, typed. */
export type MessageParamsOf<C extends MessageCode> = { -readonly [K in keyof Catalog[C]]: Catalog[C][K] extends ParamType ? ValueOf<Catalog[C][K]> : never };

/** What the wire carries for any code. */
export type MessageParamValues = Record<string, string | number>;

/** A code with its parameters, checked against the catalog. */
export type Said = { [C in MessageCode]: { code: C; params: MessageParamsOf<C> } }[MessageCode];

export function said<C extends MessageCode>(code: C, params: MessageParamsOf<C>): Said {
  return { code, params } as Said;
}

export function isMessageCode(value: unknown): value is MessageCode {
  return typeof value === 'string' && Object.hasOwn(messageCatalog, value);
}

/** The parameter names of a code, sorted. */
export function paramNamesOf(code: MessageCode): string[] {
  return Object.keys(messageCatalog[code]).sort();
}

/** Whether `params` has exactly the code's parameters, each of its type. */
export function paramsMatch(code: MessageCode, params: Readonly<Record<string, unknown>>): boolean {
  const spec: Readonly<Record<string, ParamType>> = messageCatalog[code];
  const names = Object.keys(params);
  if (names.length !== Object.keys(spec).length) return false;
  return names.every((name) => {
    const type = spec[name];
    return type !== undefined && typeof params[name] === type;
  });
}
