// Hash routes: `#/` national page, `#/link/<id>` link page. Pure parsing and link building.

export type Route = { page: 'national' } | { page: 'link'; linkId: string } | { page: 'not-found'; path: string };

/** The route of a `location.hash` value ("", "#", "#/", "#/link/t1-ha-noi", …). */
export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '');
  if (path === '' || path === '/') return { page: 'national' };
  const link = /^\/link\/([^/]+)\/?$/.exec(path);
  if (link?.[1] !== undefined) {
    try {
      return { page: 'link', linkId: decodeURIComponent(link[1]) };
    } catch {
      return { page: 'not-found', path };
    }
  }
  return { page: 'not-found', path };
}

export function nationalHref(): string {
  return '#/';
}

export function linkHref(linkId: string): string {
  return `#/link/${encodeURIComponent(linkId)}`;
}
