// Hash routes: `#/` national page, `#/link/<id>` link page, `#/province/<id>` province page,
// `#/qos/unmatched` the unmatched QoS classes. Pure parsing and link building.

export type Route =
  | { page: 'national' }
  | { page: 'link'; linkId: string }
  | { page: 'province'; provinceId: string }
  | { page: 'unmatched' }
  | { page: 'not-found'; path: string };

/** The route of a `location.hash` value ("", "#", "#/", "#/link/t1-ha-noi", …). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { page: 'national' };
  if (/^\/qos\/unmatched\/?$/.test(path)) return { page: 'unmatched' };
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
