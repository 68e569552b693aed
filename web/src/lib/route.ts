// Hash routes: `#/` national page, `#/link/<id>` link page, `#/province/<id>` province page,
// `#/qos/unmatched` the unmatched QoS classes, `#/alerts` the alerts, `#/policies` the policy
// editor, `#/login?next=<route>` the login page (with the route to open once signed in).
// The national, province and link pages take a query (`?from=-6h&to=now`: the time range,
// read by the page itself, see time-range.ts), kept in `query`. Pure parsing and link building.

export type Route =
  | { page: 'national'; query?: string }
  | { page: 'link'; linkId: string; query?: string }
  | { page: 'province'; provinceId: string; query?: string }
  | { page: 'unmatched' }
  | { page: 'alerts' }
  | { page: 'policies' }
  | { page: 'report'; query?: string }
  | { page: 'login'; next: string | null }
  | { page: 'not-found'; path: string };

/** Longer `next` values are dropped: no route of ours is anywhere near this long. */
const maxNextLength = 1_000;

/** The route of a `location.hash` value ("", "#", "#/", "#/link/t1-ha-noi", …). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { page: 'national' };
  const national = /^\/?\?(.*)$/.exec(path);
  if (national !== null) return withQuery({ page: 'national' }, national[1]);
  const login = /^\/login\/?(?:\?(.*))?$/.exec(path);
  if (login !== null) return { page: 'login', next: safeNext(new URLSearchParams(login[1] ?? '').get('next')) };
  if (/^\/qos\/unmatched\/?$/.test(path)) return { page: 'unmatched' };
  if (/^\/alerts\/?$/.test(path)) return { page: 'alerts' };
  if (/^\/policies\/?$/.test(path)) return { page: 'policies' };
  const report = /^\/report\/?(?:\?(.*))?$/.exec(path);
  if (report !== null) return withQuery({ page: 'report' }, report[1]);
  const match = /^\/(link|province)\/([^/?]+)\/?(?:\?(.*))?$/.exec(path);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    let id: string;
    try {
      id = decodeURIComponent(match[2]);
    } catch {
      return { page: 'not-found', path };
    }
    return withQuery(match[1] === 'link' ? { page: 'link', linkId: id } : { page: 'province', provinceId: id }, match[3]);
  }
  return { page: 'not-found', path };
}

/** The route with its query, when it has a non-empty one. */
function withQuery<R extends Route & { query?: string }>(route: R, query: string | undefined): R {
  return query === undefined || query === '' ? route : { ...route, query };
}

/**
 * A route to go to after signing in, or null when `next` is not one: only an in-app hash
 * route (`#/…`), never the login page itself, nothing with spaces or control characters.
 */
export function safeNext(next: string | null | undefined): string | null {
  if (next === null || next === undefined || next.length > maxNextLength) return null;
  if (!/^#\/[^\s\u0000-\u001f\u007f]*$/.test(next)) return null;
  return parseRoute(next).page === 'login' ? null : next;
}

/** The hash route of a `location.hash` value, with the empty hash as `#/`. */
export function currentHashRoute(hash: string): string {
  return hash === '' || hash === '#' ? nationalHref() : hash;
}

/** The login page; `next` is kept when it is a route worth coming back to (not the national default). */
export function loginHref(next?: string | null): string {
  const kept = safeNext(next);
  return kept === null || kept === nationalHref() ? '#/login' : `#/login?next=${encodeURIComponent(kept)}`;
}

export function nationalHref(): string {
  return '#/';
}

/** The link page; `query` (e.g. the time range, `from=-6h&to=now`) goes along when given. */
export function linkHref(linkId: string, query?: string): string {
  return `#/link/${encodeURIComponent(linkId)}${query === undefined || query === '' ? '' : `?${query}`}`;
}

export function provinceHref(provinceId: string, query?: string): string {
  return `#/province/${encodeURIComponent(provinceId)}${query === undefined || query === '' ? '' : `?${query}`}`;
}

export function unmatchedHref(): string {
  return '#/qos/unmatched';
}

export function alertsHref(): string {
  return '#/alerts';
}

export function policiesHref(): string {
  return '#/policies';
}

/** The national utilization report; `query` names its period and basis (`month=2026-10&basis=p95`). */
export function reportHref(query?: string): string {
  return query === undefined || query === '' ? '#/report' : `#/report?${query}`;
}
