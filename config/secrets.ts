// The secrets a configuration holds, in every form they may take on the way out (in a URL, in
// a Basic Authorization header), and the text scrubbing that keeps them out of logs. Pure.
import type { LanewatchConfig, TopologyConfig } from './schema.ts';

/** What a secret is replaced with. */
const redactedMark = '[redacted]';

/**
 * Secrets shorter than this are never replaced: scrubbing every "ab" or "on" out of the logs
 * would make them unreadable while protecting nothing a guess could not find. Config secrets
 * are much longer in practice (SNMPv3 keys need 8 characters).
 */
const minSecretLength = 4;

/**
 * A path segment or query value of a webhook URL at least this long is taken for a token
 * (`/services/T0/B0/<token>`, `?token=<token>`) and hidden on its own as well.
 */
const minUrlTokenLength = 16;

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

/** Decodes %XX escapes; the text itself when it holds a malformed escape. */
function decoded(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** A value as it may be written in a URL: as given, decoded, component-encoded and form-encoded. */
function urlForms(raw: string): string[] {
  const plain = decoded(raw);
  return [raw, plain, encodeURIComponent(plain), new URLSearchParams({ v: plain }).toString().slice(2)];
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The credentials of a URL's `user:password@`: the password in its URL forms and the pair in
 * base64, as a client sends it in `Authorization: Basic …` (with the user and password decoded,
 * as `createInfluxClient` passes them, and as written, in case a client does not decode).
 */
function userinfoSecrets(url: URL): string[] {
  if (url.password === '') return [];
  const out = urlForms(url.password);
  out.push(base64(`${decoded(url.username)}:${decoded(url.password)}`));
  out.push(base64(`${url.username}:${url.password}`));
  return out;
}

/**
 * The forms of a webhook URL worth hiding: the whole URL (as written and as normalised), its
 * credentials and its token-like path segments and query values (16 characters or more).
 */
export function webhookSecrets(text: string): string[] {
  const out = [text];
  const url = parseUrl(text);
  if (url === undefined) return out;
  out.push(url.href, ...userinfoSecrets(url));
  for (const segment of url.pathname.split('/')) {
    if (decoded(segment).length >= minUrlTokenLength) out.push(...urlForms(segment));
  }
  for (const value of url.searchParams.values()) {
    if (value.length >= minUrlTokenLength) out.push(...urlForms(value));
  }
  return out;
}

/**
 * Every secret the configuration holds: SNMP communities, SNMPv3 auth and priv keys, the
 * InfluxDB password of `influx.url` (its URL forms and the base64 `user:password` pair), the
 * SMTP password, and the webhook URLs of every contact (whole, and their token-like parts).
 * Deduplicated, longest first; it may hold values shorter than `minSecretLength`, which
 * `redactText` skips.
 */
export function secretValues(config: LanewatchConfig): string[] {
  const out = topologySecrets(config.topology);
  const influxUrl = parseUrl(config.settings.influx.url);
  if (influxUrl !== undefined) out.push(...userinfoSecrets(influxUrl));
  const smtp = config.settings.notify.smtp;
  if (smtp?.password !== undefined && smtp.password !== '') {
    out.push(smtp.password);
    if (smtp.username !== undefined) out.push(base64(`${smtp.username}:${smtp.password}`));
  }
  for (const province of config.topology.provinces) {
    for (const hook of province.contacts?.webhook ?? []) out.push(...webhookSecrets(hook));
  }
  return orderSecrets(out);
}

/**
 * The SNMP secrets of a topology's routers (v2c communities, SNMPv3 auth and priv keys), for a
 * process that has a topology and no settings (`lanewatch simulate`). Ordered as `secretValues`.
 */
export function topologySecrets(topology: Pick<TopologyConfig, 'routers'>): string[] {
  const out: string[] = [];
  for (const router of topology.routers) {
    if (router.snmp.version === '2c') out.push(router.snmp.community);
    else out.push(router.snmp.authKey, router.snmp.privKey);
  }
  return orderSecrets(out);
}

/** Non-empty, unique, longest first (then by text, so the order is stable). */
function orderSecrets(secrets: Iterable<string>): string[] {
  return [...new Set(secrets)].filter((s) => s !== '').sort((a, b) => b.length - a.length || (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * A function replacing each occurrence of any secret of at least `minSecretLength` characters
 * with `[redacted]`. Occurrences that overlap or touch (a password inside a webhook URL, two
 * secrets sharing characters) become one `[redacted]`, so no part of either is left behind.
 * Build it once for text scrubbed often.
 */
export function createRedactor(secrets: readonly string[]): (text: string) => string {
  const usable = orderSecrets(secrets).filter((s) => s.length >= minSecretLength);
  if (usable.length === 0) return (text) => text;
  return (text) => {
    const spans: [number, number][] = [];
    for (const secret of usable) {
      for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) spans.push([at, at + secret.length]);
    }
    if (spans.length === 0) return text;
    spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let copiedTo = 0;
    let span: [number, number] | undefined;
    for (const next of spans) {
      if (span !== undefined && next[0] <= span[1]) {
        span[1] = Math.max(span[1], next[1]);
        continue;
      }
      if (span !== undefined) {
        out += text.slice(copiedTo, span[0]) + redactedMark;
        copiedTo = span[1];
      }
      span = [next[0], next[1]];
    }
    if (span !== undefined) out += text.slice(copiedTo, span[0]) + redactedMark + text.slice(span[1]);
    return out;
  };
}

/**
 * `text` with each occurrence of a secret replaced by `[redacted]` (overlapping ones as one,
 * so the longest secret wins over those inside it). Secrets
 * shorter than `minSecretLength` (4) characters are ignored: see `minSecretLength`.
 */
export function redactText(text: string, secrets: readonly string[]): string {
  return createRedactor(secrets)(text);
}

/**
 * The URL without its `user:password@` (scheme, host, port, path and query are kept), for
 * places that show or log a URL. Text that does not parse as a URL loses anything between
 * `//` and the last `@` of its authority.
 */
export function redactUrl(url: string): string {
  const parsed = parseUrl(url);
  if (parsed === undefined) return url.replace(/^([^:/?#]*:\/\/)[^/?#]*@/, '$1');
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.href;
}
