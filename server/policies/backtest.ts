// Backtest of a policy draft before it is saved (POST /api/v1/policies/backtest): the
// analyzer's own squeeze rule (analysis/rule.ts `evaluate`, with its `linkInputsOf` grouping)
// and hysteresis (analysis/hysteresis.ts) replayed over past traffic, once under the current
// policy and once under the draft, and the alert episodes each would have raised, opened,
// escalated and resolved as the alert book does (alerts/episodes.ts `stepEpisode`).
//
// Past traffic comes in 5-minute buckets: the mean rates of each link, direction and class,
// from the `rollup_5m` rollup (collector/store/rollups.ts), with the newest bucket or two (not
// rolled up yet) averaged from raw samples, as history reads them (`planHistory`); a database
// without the rollup policies is read from raw samples. `bucketSources` and
// `backtestStatement` are the one place that says where buckets come from. Each bucket is one
// sample for the rule and the hysteresis, so raiseAfter/clearAfter count 5-minute buckets here
// where the live analyzer counts polls; every link starts the range in `ok`.
//
// Bounded: at most 30 days, at most `maxSeriesBuckets` links × directions × buckets (checked
// before any query), links read a chunk at a time (each query at most `bucketsPerQuery`
// buckets), the replay yields to the event loop every `yieldEveryLinks` links or 20 ms
// (`TimeSlicer`), and at most `maxEpisodes` episodes are listed per policy (the counts stay
// exact).
import type { InfluxDB } from 'influx';
import type { Direction, LinkSample, TrafficClass } from '../../collector/samples.ts';
import { stepEpisode } from '../alerts/episodes.ts';
import type { AlertEpisode } from '../alerts/model.ts';
import { initialHysteresis, stepHysteresis, type HysteresisState } from '../analysis/hysteresis.ts';
import type { LinkStateChange, StateLevel } from '../analysis/model.ts';
import { evaluate, linkInputsOf, type LinkInput } from '../analysis/rule.ts';
import { trafficField } from '../../collector/store/points.ts';
import { influxqlIdentifier, rollupField, type RetentionDays } from '../../collector/store/rollups.ts';
import { planHistory } from '../history/history-plan.ts';
import { influxqlString } from '../history/query-history.ts';
import { fromStorage } from '../history/storage-errors.ts';
import { effectivePolicy } from './effective.ts';
import type { EffectivePolicy, PolicyDocument } from './model.ts';

/** One bucket of past traffic: what one sample is to the replayed rule. */
export const backtestBucketMs = 5 * 60_000;
/** The longest range a backtest covers. */
export const maxBacktestRangeMs = 30 * 86_400_000;
export const backtestDirections: readonly Direction[] = ['down', 'up'];
/** The classes the rule reads: the interface total, Internet and the protected classes. */
export const backtestClasses: readonly TrafficClass[] = ['total', 'internet', 'docex', 'video'];

/** Where the buckets come from: the 5-minute rollup (with a raw tail), or raw samples only. */
export type BacktestSource = 'raw' | 'rollup_5m';

/** What a backtest needs to know of a link (the topology's). */
export interface BacktestLink {
  id: string;
  province: string;
  tier: 1 | 2;
  /** The configured capacity; absent: the capacity the samples carry. */
  capacityBps?: number;
}

/** An alert episode the policy would have raised. */
export interface BacktestEpisode {
  link: string;
  province: string;
  tier: 1 | 2;
  dir: Direction;
  /** The worst level the episode reached. */
  level: 'warning' | 'critical';
  /** The bucket at which the state left ok. */
  fromMs: number;
  /** The bucket at which it was back to ok; null when still raised at the end of the range. */
  toMs: number | null;
}

/** One 5-minute mean of one link, direction and class. */
export interface BucketRow {
  atMs: number;
  link: string;
  dir: Direction;
  class: TrafficClass;
  bitsPerSecond: number;
  dropBitsPerSecond?: number;
  capacityBps?: number;
}

// ---- The range and the work ---------------------------------------------------------------

/** Pure: how many aligned buckets [fromMs, toMs) touches. */
export function bucketCount(fromMs: number, toMs: number, bucketMs = backtestBucketMs): number {
  if (toMs <= fromMs) return 0;
  return Math.floor((toMs - 1) / bucketMs) - Math.floor(fromMs / bucketMs) + 1;
}

/** Pure: links × directions × buckets, the unit of a backtest's work. */
export function seriesBuckets(linkCount: number, fromMs: number, toMs: number, bucketMs = backtestBucketMs): number {
  return linkCount * backtestDirections.length * bucketCount(fromMs, toMs, bucketMs);
}

/** Pure: why [fromMs, toMs) cannot be backtested (the reason reads after "from/to"), or undefined. */
export function rangeProblem(fromMs: number, toMs: number): string | undefined {
  if (fromMs >= toMs) return `must be a range: from (${new Date(fromMs).toISOString()}) is not before to (${new Date(toMs).toISOString()})`;
  if (toMs - fromMs > maxBacktestRangeMs) {
    const days = (toMs - fromMs) / 86_400_000;
    return `span ${days.toFixed(1)} days (${new Date(fromMs).toISOString()} – ${new Date(toMs).toISOString()}); a backtest covers at most 30 days`;
  }
  return undefined;
}

/** Pure: how many links one query reads so that it returns at most `bucketsPerQuery` series buckets. */
export function linksPerQuery(fromMs: number, toMs: number, bucketsPerQuery: number): number {
  const perLink = Math.max(1, seriesBuckets(1, fromMs, toMs));
  return Math.max(1, Math.floor(bucketsPerQuery / perLink));
}

// ---- Reading the buckets ------------------------------------------------------------------

/** Which source answers which part of a backtest's range (both ends on bucket starts, `toMs` exclusive). */
export interface BucketSources {
  source: BacktestSource;
  /** Buckets read from the rollup, [fromMs, beforeMs). */
  rollup?: { retentionPolicy: string; fromMs: number; beforeMs: number };
  /** Buckets averaged from raw samples, [fromMs, toMs). */
  raw?: { fromMs: number; toMs: number };
}

/**
 * Pure: where the buckets of [fromMs, toMs) come from, by history's own plan at a 5-minute
 * step: the 5-minute rollup while it holds the range, its newest bucket or two (not rolled up
 * yet) from raw samples; raw samples only for a range inside those newest buckets, or when
 * there is no 5-minute rollup.
 */
export function bucketSources(fromMs: number, toMs: number, nowMs: number, retention: RetentionDays): BucketSources {
  const alignedFromMs = Math.floor(fromMs / backtestBucketMs) * backtestBucketMs;
  const plan = planHistory({
    fromMs,
    toMs,
    nowMs,
    maxPoints: bucketCount(fromMs, toMs) + 1,
    stepMs: backtestBucketMs,
    retention,
    rawIntervalMs: 0,
  });
  if (plan.rollup === undefined || plan.rollup.bucketMs !== backtestBucketMs || plan.stepMs !== backtestBucketMs) {
    return { source: 'raw', raw: { fromMs: alignedFromMs, toMs } };
  }
  const sources: BucketSources = {
    source: 'rollup_5m',
    rollup: { retentionPolicy: plan.rollup.retentionPolicy, fromMs: alignedFromMs, beforeMs: Math.min(toMs, plan.rawTailFromMs ?? toMs) },
  };
  if (plan.rawTailFromMs !== undefined && plan.rawTailFromMs < toMs) sources.raw = { fromMs: plan.rawTailFromMs, toMs };
  return sources;
}

/** Pure: every source as raw samples (a database without the rollup policies). */
export function rawOnly(sources: BucketSources): BucketSources {
  const fromMs = sources.rollup?.fromMs ?? sources.raw?.fromMs ?? 0;
  const toMs = sources.raw?.toMs ?? sources.rollup?.beforeMs ?? 0;
  return { source: 'raw', raw: { fromMs, toMs } };
}

/**
 * Pure: the InfluxQL statement of one chunk of links over [fromMs, toMs), one row per link,
 * direction and 5-minute bucket, with the same columns from either source (time, then each
 * class's bps and dropBps named by their fields, `bps_video`…, and the link's capacityBps):
 * raw samples averaged per bucket, or the rollup's rows as stored (it holds one per bucket:
 * its `_mean` and `_max` fields, nothing to aggregate again).
 */
export function backtestStatement(
  links: readonly string[],
  fromMs: number,
  toMs: number,
  source: { rollup: string } | 'raw' = 'raw',
): string {
  const linkClause = links.map((link) => `"link" = ${influxqlString(link)}`).join(' OR ');
  const where = `WHERE time >= ${Math.floor(fromMs)}ms AND time < ${Math.floor(toMs)}ms AND (${linkClause})`;
  const selected = [...backtestClasses.flatMap((cls) => bucketColumns.map(({ quantity }) => trafficField(quantity, cls))), capacityColumn];
  const aggregateOf = (field: string): 'mean' | 'max' => (field === capacityColumn ? 'max' : 'mean');
  const id = influxqlIdentifier;
  if (source === 'raw') {
    return (
      `SELECT ${selected.map((field) => `${aggregateOf(field)}(${id(field)}) AS ${id(field)}`).join(', ')} FROM "traffic" ${where} ` +
      `GROUP BY time(${backtestBucketMs / 60_000}m), "link", "dir" fill(none)`
    );
  }
  return (
    `SELECT ${selected.map((field) => `${id(rollupField(field, aggregateOf(field)))} AS ${id(field)}`).join(', ')} ` +
    `FROM ${id(source.rollup)}."traffic" ${where} GROUP BY "link", "dir"`
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function finite(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

const directionSet: ReadonlySet<string> = new Set(backtestDirections);

/** Each class's columns of a bucket row; the link's capacity is one column for all its classes. */
const bucketColumns: readonly { quantity: 'bps' | 'dropBps' }[] = [{ quantity: 'bps' }, { quantity: 'dropBps' }];
const capacityColumn = trafficField('capacityBps', 'total');

/**
 * Pure: the rows of InfluxDB's raw JSON answer (`queryRaw` with epoch ms) to `backtestStatement`.
 * A series with an unexpected tag or a row without a time or a rate is skipped; an `error`
 * in the answer is thrown, naming the statement's job.
 */
export function bucketRowsOf(raw: unknown): BucketRow[] {
  const out: BucketRow[] = [];
  const results = isRecord(raw) && Array.isArray(raw['results']) ? raw['results'] : [];
  for (const result of results) {
    if (!isRecord(result)) continue;
    if (typeof result['error'] === 'string') throw new Error(`backtest query failed: ${result['error']}`);
    const series = Array.isArray(result['series']) ? result['series'] : [];
    for (const one of series) {
      if (!isRecord(one) || !isRecord(one['tags']) || !Array.isArray(one['columns']) || !Array.isArray(one['values'])) continue;
      const { link, dir } = one['tags'];
      if (typeof link !== 'string' || typeof dir !== 'string' || !directionSet.has(dir)) continue;
      const columns = one['columns'] as unknown[];
      const at = columns.indexOf('time');
      const capacity = columns.indexOf(capacityColumn);
      for (const values of one['values'] as unknown[]) {
        if (!Array.isArray(values)) continue;
        const atMs = finite(values[at]);
        if (atMs === undefined) continue;
        const capacityBps = capacity < 0 ? undefined : finite(values[capacity]);
        for (const cls of backtestClasses) {
          const bitsPerSecond = finite(values[columns.indexOf(trafficField('bps', cls))]);
          if (bitsPerSecond === undefined) continue;
          const row: BucketRow = { atMs, link, dir: dir as Direction, class: cls, bitsPerSecond };
          const dropBitsPerSecond = finite(values[columns.indexOf(trafficField('dropBps', cls))]);
          if (dropBitsPerSecond !== undefined) row.dropBitsPerSecond = dropBitsPerSecond;
          if (capacityBps !== undefined) row.capacityBps = capacityBps;
          out.push(row);
        }
      }
    }
  }
  return out;
}

/** An answer InfluxDB gives for a retention policy that does not exist (yet). */
export function isMissingPolicy(err: unknown): boolean {
  return err instanceof Error && /retention policy not found/i.test(err.message);
}

async function query(influx: InfluxDB, sql: string): Promise<BucketRow[]> {
  const raw: unknown = await fromStorage(() => influx.queryRaw(sql, { precision: 'ms' }));
  return bucketRowsOf(raw);
}

/**
 * The 5-minute buckets of some links from their sources. Throws StorageUnavailableError when
 * InfluxDB cannot answer, and an Error naming InfluxDB's refusal otherwise (a missing rollup
 * policy included: see `isMissingPolicy`).
 */
export async function readBucketRows(influx: InfluxDB, links: readonly string[], sources: BucketSources): Promise<BucketRow[]> {
  if (links.length === 0) return [];
  let rows: BucketRow[] = [];
  if (sources.rollup !== undefined && sources.rollup.fromMs < sources.rollup.beforeMs) {
    const { retentionPolicy, fromMs, beforeMs } = sources.rollup;
    rows = await query(influx, backtestStatement(links, fromMs, beforeMs, { rollup: retentionPolicy }));
  }
  if (sources.raw !== undefined && sources.raw.fromMs < sources.raw.toMs) {
    // Appended one by one: a spread of a few hundred thousand rows overflows the stack.
    for (const row of await query(influx, backtestStatement(links, sources.raw.fromMs, sources.raw.toMs, 'raw'))) rows.push(row);
  }
  return rows;
}

// ---- Replaying the rule -------------------------------------------------------------------

/**
 * Pure: one link's bucket rows → the rule's inputs per direction, oldest first. Each bucket's
 * rows become the samples of one poll and go through the analyzer's own grouping
 * (`linkInputsOf`): a bucket without a `total` is left out, one without `internet` cannot be
 * judged. The capacity is the configured one, else the largest the bucket's total carried.
 */
export function linkInputsByDirection(link: BacktestLink, rows: readonly BucketRow[]): Map<Direction, LinkInput[]> {
  const byBucket = new Map<number, LinkSample[]>();
  const capacityByBucket = new Map<string, number>();
  for (const row of rows) {
    if (row.link !== link.id || row.class !== 'total' || row.capacityBps === undefined) continue;
    capacityByBucket.set(`${row.atMs}|${row.dir}`, row.capacityBps);
  }
  for (const row of rows) {
    if (row.link !== link.id) continue;
    const capacityBps = link.capacityBps ?? capacityByBucket.get(`${row.atMs}|${row.dir}`) ?? row.capacityBps ?? 0;
    const sample: LinkSample = {
      atMs: row.atMs,
      intervalMs: backtestBucketMs,
      link: link.id,
      province: link.province,
      tier: link.tier,
      dir: row.dir,
      class: row.class,
      bitsPerSecond: row.bitsPerSecond,
      capacityBps,
      utilization: capacityBps > 0 ? row.bitsPerSecond / capacityBps : 0,
    };
    if (row.dropBitsPerSecond !== undefined) sample.dropBitsPerSecond = row.dropBitsPerSecond;
    let bucket = byBucket.get(row.atMs);
    if (bucket === undefined) {
      bucket = [];
      byBucket.set(row.atMs, bucket);
    }
    bucket.push(sample);
  }
  const out = new Map<Direction, LinkInput[]>(backtestDirections.map((dir) => [dir, []]));
  for (const atMs of [...byBucket.keys()].sort((a, b) => a - b)) {
    for (const input of linkInputsOf(byBucket.get(atMs) ?? [])) out.get(input.dir)?.push(input);
  }
  return out;
}

/** The effective policy of a link under a document, by the capacity a bucket carries (memoised per capacity). */
export function policyResolver(document: PolicyDocument, link: BacktestLink): (capacityBps: number) => EffectivePolicy {
  const byCapacity = new Map<number, EffectivePolicy>();
  return (capacityBps) => {
    const capacity = link.capacityBps ?? capacityBps;
    let policy = byCapacity.get(capacity);
    if (policy === undefined) {
      policy = effectivePolicy(document, link, capacity);
      byCapacity.set(capacity, policy);
    }
    return policy;
  };
}

function episodeOf(episode: AlertEpisode): BacktestEpisode {
  return {
    link: episode.link,
    province: episode.province,
    tier: episode.tier,
    dir: episode.dir,
    level: episode.level,
    fromMs: episode.raisedAtMs,
    toMs: episode.resolvedAtMs ?? null,
  };
}

/**
 * Pure: the episodes one link and direction would have raised over `inputs` (oldest first)
 * under a policy: the rule on each bucket, the hysteresis over them from `ok`, and the alert
 * book's episode steps on each state change. An episode still raised after the last bucket
 * has `toMs: null`. Also returns the buckets judged (those the rule could judge).
 */
export function replayEpisodes(
  inputs: readonly LinkInput[],
  policyOf: (capacityBps: number) => EffectivePolicy | undefined,
): { episodes: BacktestEpisode[]; judged: number } {
  const episodes: BacktestEpisode[] = [];
  let hysteresis: HysteresisState | undefined;
  let level: StateLevel = 'ok';
  let lastAtMs = -Infinity;
  let active: AlertEpisode | undefined;
  let judged = 0;
  let ids = 0;
  const newId = (): string => String((ids += 1));
  for (const input of inputs) {
    const policy = policyOf(input.capacityBps);
    if (policy === undefined) continue;
    const verdict = evaluate(input, policy);
    if (verdict === undefined || verdict.atMs <= lastAtMs) continue;
    lastAtMs = verdict.atMs;
    judged += 1;
    hysteresis = stepHysteresis(hysteresis ?? initialHysteresis(verdict.atMs), verdict.level, verdict.atMs, policy.thresholds);
    if (hysteresis.level === level) continue;
    const change: LinkStateChange = {
      atMs: verdict.atMs,
      link: verdict.link,
      province: verdict.province,
      tier: verdict.tier,
      dir: verdict.dir,
      from: level,
      to: hysteresis.level,
      verdict,
    };
    level = hysteresis.level;
    const step = stepEpisode(active, change, newId);
    if (step === undefined) continue;
    if (step.episode.state === 'resolved') {
      episodes.push(episodeOf(step.episode));
      active = undefined;
    } else {
      active = step.episode;
    }
  }
  if (active !== undefined) episodes.push(episodeOf(active));
  return { episodes, judged };
}

// ---- Comparing the two policies -----------------------------------------------------------

/** An episode as listed: `same` when the other policy raises exactly the same one. */
export interface ListedEpisode extends BacktestEpisode {
  same: boolean;
}

export interface EpisodeCounts {
  episodes: number;
  warning: number;
  critical: number;
  /** Links with at least one episode. */
  links: number;
}

export interface PolicyOutcome {
  /** Oldest first, then by link and direction; at most `maxEpisodes`. */
  episodes: ListedEpisode[];
  /** True when more episodes were raised than listed (the counts are of all of them). */
  truncated: boolean;
  counts: EpisodeCounts;
}

/** A link whose episodes differ between the two policies. */
export interface LinkDifference {
  link: string;
  province: string;
  tier: 1 | 2;
  current: number;
  draft: number;
}

export interface BacktestDifferences {
  /** Episodes the current policy raises and the draft does not raise exactly so. */
  onlyCurrent: number;
  /** Episodes the draft raises and the current policy does not raise exactly so. */
  onlyDraft: number;
  links: LinkDifference[];
}

export function episodeKey(episode: BacktestEpisode): string {
  return `${episode.link}|${episode.dir}|${episode.level}|${episode.fromMs}|${episode.toMs ?? 'open'}`;
}

function byTimeThenLink(a: BacktestEpisode, b: BacktestEpisode): number {
  if (a.fromMs !== b.fromMs) return a.fromMs - b.fromMs;
  if (a.link !== b.link) return a.link < b.link ? -1 : 1;
  return a.dir === b.dir ? 0 : a.dir === 'down' ? -1 : 1;
}

/** Pure: one link's episodes under both policies, each marked `same` when the other has it too. */
export function compareLinkEpisodes(
  current: readonly BacktestEpisode[],
  draft: readonly BacktestEpisode[],
): { current: ListedEpisode[]; draft: ListedEpisode[]; onlyCurrent: number; onlyDraft: number } {
  const currentKeys = new Set(current.map(episodeKey));
  const draftKeys = new Set(draft.map(episodeKey));
  const currentListed = current.map((episode) => ({ ...episode, same: draftKeys.has(episodeKey(episode)) }));
  const draftListed = draft.map((episode) => ({ ...episode, same: currentKeys.has(episodeKey(episode)) }));
  return {
    current: currentListed,
    draft: draftListed,
    onlyCurrent: currentListed.filter((episode) => !episode.same).length,
    onlyDraft: draftListed.filter((episode) => !episode.same).length,
  };
}

/** Collects both policies' episodes link by link, keeping at most `maxEpisodes` per policy listed. */
export class BacktestTally {
  readonly #maxEpisodes: number;
  readonly #current: ListedEpisode[] = [];
  readonly #draft: ListedEpisode[] = [];
  readonly #currentCounts: EpisodeCounts = { episodes: 0, warning: 0, critical: 0, links: 0 };
  readonly #draftCounts: EpisodeCounts = { episodes: 0, warning: 0, critical: 0, links: 0 };
  readonly #links: LinkDifference[] = [];
  #onlyCurrent = 0;
  #onlyDraft = 0;

  constructor(maxEpisodes: number) {
    this.#maxEpisodes = maxEpisodes;
  }

  /** Both policies' episodes of one link (all its directions). */
  add(link: BacktestLink, current: readonly BacktestEpisode[], draft: readonly BacktestEpisode[]): void {
    const compared = compareLinkEpisodes(current, draft);
    this.#onlyCurrent += compared.onlyCurrent;
    this.#onlyDraft += compared.onlyDraft;
    if (compared.onlyCurrent > 0 || compared.onlyDraft > 0) {
      this.#links.push({ link: link.id, province: link.province, tier: link.tier, current: current.length, draft: draft.length });
    }
    count(this.#currentCounts, compared.current);
    count(this.#draftCounts, compared.draft);
    for (const episode of compared.current) this.#current.push(episode);
    for (const episode of compared.draft) this.#draft.push(episode);
    // Memory stays bounded: trim to the earliest maxEpisodes whenever the list doubles.
    if (this.#current.length > 2 * this.#maxEpisodes) trim(this.#current, this.#maxEpisodes);
    if (this.#draft.length > 2 * this.#maxEpisodes) trim(this.#draft, this.#maxEpisodes);
  }

  result(): { current: PolicyOutcome; draft: PolicyOutcome; differences: BacktestDifferences } {
    const outcome = (listed: ListedEpisode[], counts: EpisodeCounts): PolicyOutcome => {
      const sorted = [...listed].sort(byTimeThenLink);
      return { episodes: sorted.slice(0, this.#maxEpisodes), truncated: counts.episodes > this.#maxEpisodes, counts: { ...counts } };
    };
    return {
      current: outcome(this.#current, this.#currentCounts),
      draft: outcome(this.#draft, this.#draftCounts),
      differences: {
        onlyCurrent: this.#onlyCurrent,
        onlyDraft: this.#onlyDraft,
        links: [...this.#links].sort((a, b) => Math.abs(b.draft - b.current) - Math.abs(a.draft - a.current) || (a.link < b.link ? -1 : 1)),
      },
    };
  }
}

function count(counts: EpisodeCounts, episodes: readonly BacktestEpisode[]): void {
  counts.episodes += episodes.length;
  for (const episode of episodes) counts[episode.level] += 1;
  if (episodes.length > 0) counts.links += 1;
}

function trim(list: ListedEpisode[], keep: number): void {
  list.sort(byTimeThenLink);
  list.splice(keep);
}

// ---- Running a backtest -------------------------------------------------------------------

export interface BacktestLimits {
  /** Most links × directions × buckets one backtest replays. */
  maxSeriesBuckets: number;
  /** Most episodes listed per policy. */
  maxEpisodes: number;
  /** Most series buckets one InfluxDB query returns (links are read in chunks of this). */
  bucketsPerQuery: number;
  /** The replay yields to the event loop after this many links… */
  yieldEveryLinks: number;
  /** …or after this long (default `defaultSliceMs`), whichever comes first. */
  sliceMs?: number;
}

export interface BacktestRequest {
  influx: InfluxDB;
  links: readonly BacktestLink[];
  current: PolicyDocument;
  draft: PolicyDocument;
  fromMs: number;
  toMs: number;
  limits: BacktestLimits;
  /** Where the buckets come from (`bucketSources`); the rollup falls back to raw samples when its policy is missing. */
  sources: BucketSources;
  /** Aborted: the backtest stops at its next chunk (the client went away). */
  signal?: AbortSignal;
  /** Reads one chunk's buckets (default: `readBucketRows` from InfluxDB). */
  readRows?: (links: readonly string[], sources: BucketSources) => Promise<BucketRow[]>;
}

export interface BacktestResult {
  fromMs: number;
  toMs: number;
  bucketMs: number;
  source: BacktestSource;
  /** Links examined. */
  links: number;
  /** Link directions with at least one bucket the rule could judge. */
  series: number;
  /** Buckets judged (per policy). */
  buckets: number;
  current: PolicyOutcome;
  draft: PolicyOutcome;
  differences: BacktestDifferences;
}

/** The longest the replay runs before it yields to the event loop, by default. */
export const defaultSliceMs = 20;

/**
 * Yields to the event loop (setImmediate) after `everyLinks` links or once `sliceMs` have
 * passed since the last yield, whichever comes first; checks the abort signal at each yield.
 */
export class TimeSlicer {
  readonly #everyLinks: number;
  readonly #sliceMs: number;
  readonly #now: () => number;
  #links = 0;
  #sinceMs: number;
  /** Yields so far. */
  yields = 0;

  constructor(everyLinks: number, sliceMs: number, now: () => number = () => performance.now()) {
    this.#everyLinks = Math.max(1, everyLinks);
    this.#sliceMs = sliceMs;
    this.#now = now;
    this.#sinceMs = now();
  }

  /** Yields when the time slice is spent. */
  async maybeYield(signal?: AbortSignal): Promise<void> {
    if (this.#now() - this.#sinceMs >= this.#sliceMs) await this.#yield(signal);
  }

  /** Counts a link; yields after `everyLinks` of them (or when the slice is spent). */
  async linkDone(signal?: AbortSignal): Promise<void> {
    this.#links += 1;
    if (this.#links >= this.#everyLinks || this.#now() - this.#sinceMs >= this.#sliceMs) await this.#yield(signal);
  }

  async #yield(signal?: AbortSignal): Promise<void> {
    await new Promise<void>((resolve) => setImmediate(resolve));
    this.yields += 1;
    this.#links = 0;
    this.#sinceMs = this.#now();
    signal?.throwIfAborted();
  }
}

/**
 * Replays both policies over [fromMs, toMs) for every link given. The caller checks the range
 * and the work (`rangeProblem`, `seriesBuckets`) first; InfluxDB down is a
 * StorageUnavailableError.
 */
export async function runBacktest(request: BacktestRequest): Promise<BacktestResult> {
  const { links, fromMs, toMs, limits } = request;
  const readRows = request.readRows ?? ((ids, sources) => readBucketRows(request.influx, ids, sources));
  let sources = request.sources;
  const tally = new BacktestTally(limits.maxEpisodes);
  const chunkSize = linksPerQuery(fromMs, toMs, limits.bucketsPerQuery);
  const slicer = new TimeSlicer(limits.yieldEveryLinks, limits.sliceMs ?? defaultSliceMs);
  let series = 0;
  let buckets = 0;
  for (let start = 0; start < links.length; start += chunkSize) {
    request.signal?.throwIfAborted();
    const chunk = links.slice(start, start + chunkSize);
    const ids = chunk.map((link) => link.id);
    let rows: BucketRow[];
    try {
      rows = await readRows(ids, sources);
    } catch (err) {
      // A database the store has not migrated yet (no rollup policies): raw samples.
      if (sources.source === 'raw' || !isMissingPolicy(err)) throw err;
      sources = rawOnly(sources);
      rows = await readRows(ids, sources);
    }
    const rowsByLink = new Map<string, BucketRow[]>();
    for (const row of rows) {
      let list = rowsByLink.get(row.link);
      if (list === undefined) {
        list = [];
        rowsByLink.set(row.link, list);
      }
      list.push(row);
    }
    for (const link of chunk) {
      const rowsOfLink = rowsByLink.get(link.id) ?? [];
      const currentPolicy = policyResolver(request.current, link);
      const draftPolicy = policyResolver(request.draft, link);
      const current: BacktestEpisode[] = [];
      const draft: BacktestEpisode[] = [];
      // One direction at a time, with a chance to yield between building and replaying.
      for (const dir of backtestDirections) {
        const inputs = linkInputsByDirection(link, rowsOfLink.filter((row) => row.dir === dir)).get(dir) ?? [];
        await slicer.maybeYield(request.signal);
        const underCurrent = replayEpisodes(inputs, currentPolicy);
        const underDraft = replayEpisodes(inputs, draftPolicy);
        for (const episode of underCurrent.episodes) current.push(episode);
        for (const episode of underDraft.episodes) draft.push(episode);
        if (underCurrent.judged > 0) series += 1;
        buckets += underCurrent.judged;
        await slicer.maybeYield(request.signal);
      }
      tally.add(link, current, draft);
      await slicer.linkDone(request.signal);
    }
  }
  return { fromMs, toMs, bucketMs: backtestBucketMs, source: sources.source, links: links.length, series, buckets, ...tally.result() };
}
