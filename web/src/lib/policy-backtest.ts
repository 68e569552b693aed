// The policy editor's backtest: the range it runs over (the last 24 h, 7 or 30 days, or a
// custom range from two local date-time fields), which links (those the draft changes, all of
// them, or one province's), the request, and how the two episode lists are shown. Pure, but
// for `requestBacktest` (one POST through the shared fetch helper).
import { policyBacktestSchema, type BacktestEpisodeView, type PolicyBacktest } from '../../../api/schemas.ts';
import { sendJson, type PolicyChange, type Topology } from './api.ts';
import { formatInstant, type Locale } from './i18n.ts';

export type { BacktestEpisodeView, PolicyBacktest };

/** The longest range the server backtests. */
export const maxBacktestDays = 30;
const dayMs = 86_400_000;

export const backtestPresets = ['24h', '7d', '30d', 'custom'] as const;
export type BacktestPreset = (typeof backtestPresets)[number];

/** The API's relative times of each preset. */
const presetFrom: Record<Exclude<BacktestPreset, 'custom'>, string> = { '24h': '-24h', '7d': '-7d', '30d': '-30d' };

/** A `<input type="datetime-local">` value (`2026-03-02T08:30`, local time) → epoch ms; null when empty or invalid. */
export function localFieldMs(value: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$/.test(value)) return null;
  const ms = new Date(value).getTime();
  return Number.isFinite(ms) ? ms : null;
}

/** Epoch ms → a `<input type="datetime-local">` value in local time, to the minute. */
export function localFieldText(atMs: number): string {
  const date = new Date(atMs);
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

export type BacktestRange = { ok: true; from: string; to: string } | { ok: false; reason: 'invalid' | 'order' | 'tooLong' };

/** The request's `from`/`to`: relative for a preset, ISO instants for a custom range (checked as the server will). */
export function backtestRange(preset: BacktestPreset, custom: { from: string; to: string }): BacktestRange {
  if (preset !== 'custom') return { ok: true, from: presetFrom[preset], to: 'now' };
  const fromMs = localFieldMs(custom.from);
  const toMs = localFieldMs(custom.to);
  if (fromMs === null || toMs === null) return { ok: false, reason: 'invalid' };
  if (fromMs >= toMs) return { ok: false, reason: 'order' };
  if (toMs - fromMs > maxBacktestDays * dayMs) return { ok: false, reason: 'tooLong' };
  return { ok: true, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
}

/** Which links a backtest replays: those the draft changes, every link, or one province's. */
export type LinkScope = { kind: 'changed' } | { kind: 'all' } | { kind: 'province'; province: string };

/**
 * The links whose effective policy a change may touch, from the changed paths: `defaults.…`
 * every link, `tiers.N.…` the tier's links, `provinces.P.…` the province's, `links.L.…` that
 * link. A superset (a province change may be hidden under a link's own value), never less.
 */
export function linksTouchedBy(changes: readonly Pick<PolicyChange, 'path'>[], links: readonly Pick<Topology['links'][number], 'id' | 'province' | 'tier'>[]): string[] {
  const touched = new Set<string>();
  for (const { path } of changes) {
    const [layer, key] = path.split('.');
    for (const link of links) {
      if (
        layer === 'defaults' ||
        (layer === 'tiers' && key === String(link.tier)) ||
        (layer === 'provinces' && key === link.province) ||
        (layer === 'links' && key === link.id)
      ) {
        touched.add(link.id);
      }
    }
  }
  return links.filter((link) => touched.has(link.id)).map((link) => link.id);
}

/** The `links` of the request for a scope: undefined means every link. */
export function linksOfScope(
  scope: LinkScope,
  changes: readonly Pick<PolicyChange, 'path'>[],
  links: readonly Pick<Topology['links'][number], 'id' | 'province' | 'tier'>[],
): string[] | undefined {
  if (scope.kind === 'all') return undefined;
  if (scope.kind === 'province') return links.filter((link) => link.province === scope.province).map((link) => link.id);
  const touched = linksTouchedBy(changes, links);
  return touched.length === links.length ? undefined : touched;
}

/** `changed`, `all` or `province:<id>`: a scope as a `<select>` value, and back. */
export function scopeValue(scope: LinkScope): string {
  return scope.kind === 'province' ? `province:${scope.province}` : scope.kind;
}

export function scopeOfValue(value: string): LinkScope {
  if (value.startsWith('province:')) return { kind: 'province', province: value.slice('province:'.length) };
  return value === 'all' ? { kind: 'all' } : { kind: 'changed' };
}

export interface BacktestRequest {
  document: unknown;
  from: string;
  to: string;
  links?: string[] | undefined;
}

/** POST policies/backtest; failures are ApiErrors (400 with the field, 429, 503). */
export function requestBacktest(request: BacktestRequest, signal?: AbortSignal): Promise<PolicyBacktest> {
  const body: Record<string, unknown> = { document: request.document, from: request.from, to: request.to };
  if (request.links !== undefined) body['links'] = request.links;
  return sendJson('/api/v1/policies/backtest', { method: 'POST', body, signal }, policyBacktestSchema);
}

/** A stable key of an episode row. */
export function episodeRowKey(episode: Pick<BacktestEpisodeView, 'link' | 'dir' | 'level' | 'fromMs' | 'toMs'>): string {
  return `${episode.link}|${episode.dir}|${episode.level}|${episode.fromMs}|${episode.toMs ?? 'open'}`;
}

/** How long an episode lasted; until the end of the range while still raised. */
export function episodeSpanMs(episode: Pick<BacktestEpisodeView, 'fromMs' | 'toMs'>, rangeToMs: number): number {
  return Math.max(0, (episode.toMs ?? rangeToMs) - episode.fromMs);
}

/** A bucket's time, to the minute (buckets are 5 minutes): "17:20 26/11/2026" (vi), "26/11/2026, 17:20" (en). */
export function formatBucketTime(atMs: number, locale: Locale, timeZone?: string): string {
  return formatInstant(atMs, locale, 'minute', timeZone);
}
