// Hash routes: `#/` national page, `#/link/<id>` link page, `#/province/<id>` province page,
// `#/qos/unmatched` the unmatched QoS classes, `#/alerts` the alerts, `#/policies` the policy
// editor. Pure parsing and link building.

export type Route =
  | { page: 'national' }
  | { page: 'link'; linkId: string }
  | { page: 'province'; provinceId: string }
  | { page: 'unmatched' }
  | { page: 'alerts' }
  | { page: 'policies' }
  | { page: 'not-found'; path: string };

/** The route of a `location.hash` value ("", "#", "#/", "#/link/t1-ha-noi", …). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { page: 'national' };
  if (/^\/qos\/unmatched\/?$/.test(path)) return { page: 'unmatched' };
  if (/^\/alerts\/?$/.test(path)) return { page: 'alerts' };
  if (/^\/policies\/?$/.test(path)) return { page: 'policies' };
  const match = /^\/(link|province)\/([^/]+)\/?$/.exec(path);
  if (match?.[1] !== undefined && match[2] !== undefined) {
    let id: string;
    try {
      id = decodeURIComponent(match[2]);
    } catch {
      return { page: 'not-found', path };
    }
    return match[1] === 'link' ? { page: 'link', linkId: id } : { page: 'province', provinceId: id };
  }
  return { page: 'not-found', path };
}

export function nationalHref(): string {
  return '#/';
}

export function linkHref(linkId: string): string {
  return `#/link/${encodeURIComponent(linkId)}`;
}

export function provinceHref(provinceId: string): string {
  return `#/province/${encodeURIComponent(provinceId)}`;
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
