// Browser-side defences: only the configured host names (DNS rebinding), state changes and
// the live WebSocket only from this server's own origin (CSRF, cross-site WebSocket
// hijacking), and security headers with a CSP that allows no inline script.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import helmet from '@fastify/helmet';
import { said } from '../../api/messages.ts';
import { errorBody } from '../routes/errors.ts';

export interface BrowserDefenceOptions {
  /** settings.server.host: the address the server listens on. */
  listenHost: string;
  /** settings.server.allowedHosts. */
  allowedHosts: readonly string[];
  /** settings.server.allowedOrigins. */
  allowedOrigins: readonly string[];
  tls: boolean;
}

const loopbackNames = ['localhost', '127.0.0.1', '::1', '[::1]'];
const safeMethods = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Pure: the host names (lowercase, without port) the server answers to. */
function allowedHostNames(options: Pick<BrowserDefenceOptions, 'listenHost' | 'allowedHosts'>): Set<string> {
  const names = new Set(loopbackNames);
  const listen = options.listenHost.toLowerCase();
  if (listen !== '0.0.0.0' && listen !== '::' && listen !== '') names.add(listen);
  for (const entry of options.allowedHosts) names.add(hostNameOf(entry));
  return names;
}

/** `Host` header → its name without port, lowercase; `[::1]:8080` → `[::1]`. */
function hostNameOf(host: string): string {
  const lower = host.trim().toLowerCase();
  if (lower.startsWith('[')) {
    const end = lower.indexOf(']');
    return end === -1 ? lower : lower.slice(0, end + 1);
  }
  const colon = lower.indexOf(':');
  // A bare IPv6 address (several colons) has no port.
  if (colon !== -1 && lower.indexOf(':', colon + 1) === -1) return lower.slice(0, colon);
  return lower;
}

/** Pure: may a request with this Origin change state (or open the live stream)? */
function originAllowed(origin: string, ownOrigin: string, allowedOrigins: readonly string[]): boolean {
  const normal = origin.trim().toLowerCase().replace(/\/$/, '');
  if (normal === ownOrigin.toLowerCase()) return true;
  return allowedOrigins.some((o) => o.toLowerCase().replace(/\/$/, '') === normal);
}

function ownOriginOf(request: FastifyRequest, tls: boolean): string {
  return `${tls ? 'https' : 'http'}://${request.host}`;
}

function isWebSocketUpgrade(request: FastifyRequest): boolean {
  return (request.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** Where a listener listens and the other names it answers to: the inputs of the Host check. */
export type HostCheckOptions = Pick<BrowserDefenceOptions, 'listenHost' | 'allowedHosts'>;

/**
 * Answers 421 to a request whose Host header is not a name this listener answers to (loopback,
 * its listen address, settings.server.allowedHosts): a page that DNS-rebinds its own name to
 * this address reaches the socket with its own name as Host, and is refused before any route.
 * The server and the collector's metrics listener both install it, so both keep the same rule.
 */
export function installHostCheck(app: FastifyInstance, options: HostCheckOptions): void {
  const hostNames = allowedHostNames(options);
  app.addHook('onRequest', async (request, reply) => {
    const host = request.headers.host;
    if (host === undefined || !hostNames.has(hostNameOf(host))) {
      return reply
        .code(421)
        .send(
          errorBody(
            421,
            said('host-not-allowed', { host: (host ?? '').slice(0, 200) }),
            `host "${host ?? ''}" is not one this server answers to: add it to settings server.allowedHosts`,
            'host',
          ),
        );
    }
  });
}

export async function installBrowserDefences(app: FastifyInstance, options: BrowserDefenceOptions): Promise<void> {
  await app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        // Svelte and uPlot set element styles; no inline script is allowed.
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'same-origin' },
    strictTransportSecurity: options.tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    crossOriginEmbedderPolicy: false,
  });

  installHostCheck(app, options);
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    const ownOrigin = ownOriginOf(request, options.tls);
    if (isWebSocketUpgrade(request)) {
      // Browsers always send Origin on a WebSocket handshake; scripts may omit it.
      if (origin !== undefined && !originAllowed(origin, ownOrigin, options.allowedOrigins)) {
        return reply.code(403).send(errorBody(403, said('origin-refused', { origin: origin.slice(0, 200) }), `the live stream refuses origin "${origin}"`, 'origin'));
      }
      return;
    }
    if (safeMethods.has(request.method)) return;
    if (origin === undefined) {
      return reply
        .code(403)
        .send(
          errorBody(
            403,
            said('origin-required', { origin: ownOrigin }),
            `state-changing requests need an Origin header naming this server (${ownOrigin}); browsers send it, scripts add it`,
            'origin',
          ),
        );
    }
    if (!originAllowed(origin, ownOrigin, options.allowedOrigins)) {
      return reply
        .code(403)
        .send(errorBody(403, said('origin-refused', { origin: origin.slice(0, 200) }), `origin "${origin}" may not change state here (see settings server.allowedOrigins)`, 'origin'));
    }
  });
}
