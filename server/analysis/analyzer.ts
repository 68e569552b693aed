// The analyzer: every batch on the live bus → the squeeze rule on every link and direction →
// hysteresis → `linkState` points and state changes. A province takes the worst state of its
// links. The effective policy is read per sample (cached until the policy changes), so a new
// policy revision applies from the next sample, without restart.
import type { Logger } from 'pino';
import type { LanewatchConfig } from '../../config/schema.ts';
import type { LiveBus } from '../../collector/live-bus.ts';
import type { Direction } from '../../api/schemas.ts';
import type { PollBatch } from '../../collector/samples.ts';
import type { StorePoint } from '../../collector/store/points.ts';
import type { EffectivePolicy, PolicySource } from '../policies/model.ts';
import type { AnalyzerView, LinkStateChange, LinkStatus, LinkVerdict, ProvinceStatus, StateLevel } from './model.ts';
import { evaluate, linkInputsOf, rankOf } from './rule.ts';
import { initialHysteresis, stepHysteresis, type HysteresisState } from './hysteresis.ts';

export interface AnalyzerOptions {
  config: LanewatchConfig;
  bus: LiveBus;
  policies: PolicySource;
  /** The caller names the component (`log.child({ component })`); the analyzer adds none. */
  log: Logger;
  now?: () => number;
  /** Where `linkState` points go (the InfluxStore's writePoints); none → not stored. */
  writePoints?: (points: StorePoint[]) => void;
  /**
   * Levels to resume from, by `link|dir` (the open alert episodes after a restart): such a link
   * starts in that state, so clean samples resolve it and a squeeze goes on without a new raise.
   */
  resumeLevels?: ReadonlyMap<string, StateLevel>;
}

/**
 * A link direction. `leftProvince`: the province it was in before this move, when it was
 * sampled under another province than before (a collector restarted with the link moved):
 * that province lost it, so its status moves too.
 */
export type LinkDir = Pick<LinkStateChange, 'link' | 'dir'> & { leftProvince?: string };

/** What the live stream needs: the whole view, and what each bus batch moved in it. */
export interface StatesSource {
  view(): AnalyzerView;
  /**
   * The states of these link directions as they are now (each once, however often named) and
   * of the provinces they are in and those they left (`leftProvince`). Costs those links and
   * their provinces' link directions not ok, not the network nor a province's other links.
   */
  changed(moved: readonly LinkDir[]): AnalyzerView;
  /**
   * Called once per bus batch that moved the view: `moved` are the link directions whose state
   * changed (`changes`), that the view holds for the first time (judged ok, or resumed), or
   * that are now sampled under another province or tier (their level and hysteresis go on: the
   * squeeze is the link's, not the config's). Returns the unsubscribe function.
   */
  onBatchStates(listener: (moved: LinkDir[], changes: LinkStateChange[]) => void): () => void;
}

export const stateValue: Record<StateLevel, number> = { ok: 0, warning: 1, critical: 2 };

/** One link direction the analyzer holds: updated in place with each sample judged. */
interface Tracked {
  hysteresis: HysteresisState;
  status: LinkStatus;
  /** Its `linkState` points' tags: made once, again only when the link is sampled under another province or tier. */
  tags: StorePoint['tags'];
  /** Its entry in its province's worst list while it is not ok. */
  worst?: WorstEntry;
}

/** A link direction not ok, as a province's `worst` lists it. */
type WorstEntry = ProvinceStatus['worst'][number];

/** The `linkState` tags of a link direction. */
function linkStateTags(verdict: Pick<LinkVerdict, 'link' | 'province' | 'tier' | 'dir'>): StorePoint['tags'] {
  return { link: verdict.link, province: verdict.province, tier: String(verdict.tier), dir: verdict.dir };
}

/** `linkState` point of one verdict and the state after hysteresis (`tags`: the link direction's, when already made). */
export function linkStatePoint(verdict: LinkVerdict, level: StateLevel, tags: StorePoint['tags'] = linkStateTags(verdict)): StorePoint {
  return {
    measurement: 'linkState',
    tags,
    fields: { state: stateValue[level], encroachBps: verdict.encroachBps },
    atMs: verdict.atMs,
  };
}

/** The key of a link direction in the analyzer's state (and of `resumeLevels`). */
function trackedKey(link: string, dir: Direction): string {
  return `${link}|${dir}`;
}

function byLinkAndDir(a: { link: string; dir: Direction }, b: { link: string; dir: Direction }): number {
  if (a.link !== b.link) return a.link < b.link ? -1 : 1;
  return a.dir === b.dir ? 0 : a.dir === 'down' ? -1 : 1;
}

/** A province's `worst` order: critical before warning, then by link and direction. */
function byWorst(a: WorstEntry, b: WorstEntry): number {
  return rankOf(b.level) - rankOf(a.level) || byLinkAndDir(a, b);
}

/** The first index of `list` (sorted by byWorst) whose entry does not come before `entry`. */
function worstIndexOf(list: readonly WorstEntry[], entry: WorstEntry): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (byWorst(list[mid]!, entry) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

/**
 * Pure: each province's worst state over its links and directions. Every province in
 * `provinceIds` is listed (ok when none of its links has a state), in that order, then any
 * other province a status names.
 */
export function provinceStatuses(statuses: readonly LinkStatus[], provinceIds: readonly string[]): ProvinceStatus[] {
  const byProvince = new Map<string, ProvinceStatus>();
  for (const id of provinceIds) byProvince.set(id, { province: id, level: 'ok', worst: [] });
  for (const s of statuses) {
    let p = byProvince.get(s.province);
    if (!p) {
      p = { province: s.province, level: 'ok', worst: [] };
      byProvince.set(s.province, p);
    }
    if (s.level === 'ok') continue;
    p.worst.push({ link: s.link, dir: s.dir, level: s.level });
    if (rankOf(s.level) > rankOf(p.level)) p.level = s.level;
  }
  for (const p of byProvince.values()) p.worst.sort(byWorst);
  return [...byProvince.values()];
}

export class Analyzer implements StatesSource {
  readonly #options: AnalyzerOptions;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #provinceIds: string[];
  /** Each configured province's place in `#provinceIds`: `changed` orders its provinces without a scan. */
  readonly #provinceIndex = new Map<string, number>();
  /** Per link id, its directions' entries: a look-up by the id the sample holds, no key string per sample. */
  readonly #tracked = new Map<string, Partial<Record<Direction, Tracked>>>();
  /**
   * Per province, its link directions not ok, sorted as `provinceStatuses` sorts `worst` (so the
   * first is the province's level), kept as levels change: a province's status costs its
   * non-ok directions, not its links. Entries are never changed, only replaced.
   */
  readonly #worstByProvince = new Map<string, WorstEntry[]>();
  readonly #policyCache = new Map<string, { capacityBps: number; policy: EffectivePolicy | undefined }>();
  readonly #changeListeners = new Set<(change: LinkStateChange) => void>();
  readonly #movedListeners = new Set<(moved: LinkDir[], changes: LinkStateChange[]) => void>();
  readonly #unknownLinks = new Set<string>();
  #revision = 0;
  #unsubscribers: (() => void)[] = [];

  constructor(options: AnalyzerOptions) {
    this.#options = options;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#provinceIds = options.config.topology.provinces.map((p) => p.id);
    this.#provinceIds.forEach((id, index) => {
      if (!this.#provinceIndex.has(id)) this.#provinceIndex.set(id, index);
    });
  }

  start(): void {
    if (this.#unsubscribers.length > 0) return;
    this.#revision = this.#options.policies.current().revision;
    this.#unsubscribers.push(
      this.#options.policies.onChange((revision) => {
        // The next sample reads the new effective policy.
        this.#revision = revision;
        this.#policyCache.clear();
        this.#log.info({ revision }, 'policy changed, applies from the next sample');
      }),
      this.#options.bus.subscribe((batch) => this.#onBatch(batch)),
    );
  }

  stop(): void {
    for (const unsubscribe of this.#unsubscribers.splice(0)) unsubscribe();
  }

  #trackedOf(link: string, dir: Direction): Tracked | undefined {
    return this.#tracked.get(link)?.[dir];
  }

  view(): AnalyzerView {
    const links: LinkStatus[] = [];
    for (const row of this.#tracked.values()) {
      if (row.down) links.push(row.down.status);
      if (row.up) links.push(row.up.status);
    }
    links.sort(byLinkAndDir);
    return { atMs: this.#now(), links, provinces: provinceStatuses(links, this.#provinceIds) };
  }

  changed(moved: readonly LinkDir[]): AnalyzerView {
    const links = new Set<LinkStatus>();
    // The configured provinces in their order, then the others as the moved entries first name them (where the link is, then where it left); no scan of every province.
    const configured: number[] = [];
    const others: string[] = [];
    const touched = new Set<string>();
    const touch = (province: string): void => {
      if (touched.has(province)) return;
      touched.add(province);
      const index = this.#provinceIndex.get(province);
      if (index === undefined) others.push(province);
      else configured.push(index);
    };
    for (const entry of moved) {
      const status = this.#trackedOf(entry.link, entry.dir)?.status;
      if (status) {
        links.add(status);
        touch(status.province);
      }
      if (entry.leftProvince !== undefined) touch(entry.leftProvince);
    }
    configured.sort((a, b) => a - b);
    const provinces = [...configured.map((index) => this.#provinceIds[index]!), ...others].map((id) => this.#provinceStatus(id));
    return { atMs: this.#now(), links: [...links.values()].sort(byLinkAndDir), provinces };
  }

  /** A province's status from its kept worst list: costs its non-ok directions. */
  #provinceStatus(id: string): ProvinceStatus {
    const worst = this.#worstByProvince.get(id)?.slice() ?? [];
    return { province: id, level: worst[0]?.level ?? 'ok', worst };
  }

  /** Puts a tracked direction's current status in its province's worst list (when not ok). */
  #addWorst(tracked: Tracked): void {
    const { link, dir, level, province } = tracked.status;
    if (level === 'ok') return;
    let list = this.#worstByProvince.get(province);
    if (!list) {
      list = [];
      this.#worstByProvince.set(province, list);
    }
    // Frozen: every `changed` caller gets this same entry in its copy of the list.
    const entry: WorstEntry = Object.freeze({ link, dir, level });
    list.splice(worstIndexOf(list, entry), 0, entry);
    tracked.worst = entry;
  }

  /** Takes a tracked direction out of its province's worst list, before its status moves to another level. */
  #removeWorst(tracked: Tracked): void {
    const entry = tracked.worst;
    if (!entry) return;
    const list = this.#worstByProvince.get(tracked.status.province);
    const index = list ? worstIndexOf(list, entry) : -1;
    if (!list || list[index] !== entry) {
      throw new Error(`analyzer: ${entry.link} ${entry.dir} (${entry.level}) is missing from province ${tracked.status.province}'s worst list`);
    }
    list.splice(index, 1);
    tracked.worst = undefined;
  }

  /** Replaces a tracked direction's status, keeping its province's worst list in step. */
  #setStatus(tracked: Tracked, status: LinkStatus): void {
    const moves = status.level !== tracked.status.level || status.province !== tracked.status.province;
    if (moves) this.#removeWorst(tracked);
    tracked.status = status;
    if (moves) this.#addWorst(tracked);
  }

  /** Called for every state change (after hysteresis); returns the unsubscribe function. */
  onStateChange(listener: (change: LinkStateChange) => void): () => void {
    this.#changeListeners.add(listener);
    return () => this.#changeListeners.delete(listener);
  }

  onBatchStates(listener: (moved: LinkDir[], changes: LinkStateChange[]) => void): () => void {
    this.#movedListeners.add(listener);
    return () => this.#movedListeners.delete(listener);
  }

  #policyOf(link: string, capacityBps: number): EffectivePolicy | undefined {
    const cached = this.#policyCache.get(link);
    if (cached && cached.capacityBps === capacityBps) return cached.policy;
    const policy = this.#options.policies.effective(link, capacityBps);
    this.#policyCache.set(link, { capacityBps, policy });
    return policy;
  }

  /** Holds a link direction judged for the first time. */
  #track(tracked: Tracked): void {
    const { link, dir } = tracked.status;
    let row = this.#tracked.get(link);
    if (!row) {
      row = {};
      this.#tracked.set(link, row);
    }
    row[dir] = tracked;
    this.#addWorst(tracked);
  }

  #onBatch(batch: PollBatch): void {
    if (batch.links.length === 0) return;
    const points: StorePoint[] = [];
    const changes: LinkStateChange[] = [];
    const added: LinkDir[] = [];
    const relocated: LinkDir[] = [];
    try {
      for (const input of linkInputsOf(batch.links)) {
        const policy = this.#policyOf(input.link, input.capacityBps);
        if (!policy) {
          if (!this.#unknownLinks.has(input.link)) {
            this.#unknownLinks.add(input.link);
            this.#log.warn({ link: input.link }, 'no effective policy for link, not analyzed');
          }
          continue;
        }
        const verdict = evaluate(input, policy, this.#revision);
        if (!verdict) continue;
        const previous = this.#trackedOf(input.link, input.dir);
        // A sample replayed or older than the last one judged is not judged again.
        if (previous && verdict.atMs <= previous.status.last.atMs) continue;
        const resumed = previous ? undefined : this.#options.resumeLevels?.get(trackedKey(input.link, input.dir));
        const hysteresis = stepHysteresis(previous?.hysteresis ?? initialHysteresis(verdict.atMs, resumed), verdict.level, verdict.atMs, policy.thresholds);
        const status: LinkStatus = {
          link: verdict.link,
          province: verdict.province,
          tier: verdict.tier,
          dir: verdict.dir,
          level: hysteresis.level,
          sinceMs: hysteresis.sinceMs,
          last: verdict,
        };
        const from = previous?.status.level ?? resumed ?? 'ok';
        let tags: StorePoint['tags'];
        if (previous) {
          const { province: fromProvince, tier: fromTier } = previous.status;
          previous.hysteresis = hysteresis;
          this.#setStatus(previous, status);
          if (fromProvince !== status.province || fromTier !== status.tier) {
            // Its points carry where the link is now, so a query by province finds it there from this sample on.
            previous.tags = linkStateTags(verdict);
            relocated.push(fromProvince !== status.province ? { link: status.link, dir: status.dir, leftProvince: fromProvince } : { link: status.link, dir: status.dir });
            this.#log.info({ link: status.link, dir: status.dir, from: { province: fromProvince, tier: fromTier }, to: { province: status.province, tier: status.tier }, level: status.level }, 'link now sampled under another province or tier, its state goes on');
          }
          tags = previous.tags;
        } else {
          tags = linkStateTags(verdict);
          this.#track({ hysteresis, status, tags });
          added.push({ link: status.link, dir: status.dir });
        }
        points.push(linkStatePoint(verdict, hysteresis.level, tags));
        if (from !== hysteresis.level) {
          changes.push({ atMs: verdict.atMs, link: verdict.link, province: verdict.province, tier: verdict.tier, dir: verdict.dir, from, to: hysteresis.level, verdict });
        }
      }
    } catch (err) {
      this.#log.error({ err, device: batch.poll.device }, 'analysis of a batch failed');
    }
    if (points.length > 0 && this.#options.writePoints) {
      try {
        this.#options.writePoints(points);
      } catch (err) {
        this.#log.error({ err, points: points.length }, 'linkState points not written');
      }
    }
    for (const change of changes) {
      this.#log.info({ link: change.link, dir: change.dir, province: change.province, from: change.from, to: change.to }, 'link state changed');
      for (const listener of this.#changeListeners) {
        try {
          listener(change);
        } catch (err) {
          this.#log.error({ err, link: change.link }, 'state change listener failed');
        }
      }
    }
    if (changes.length === 0 && added.length === 0 && relocated.length === 0) return;
    const moved: LinkDir[] = [...added, ...changes, ...relocated];
    for (const listener of this.#movedListeners) {
      try {
        listener(moved, changes);
      } catch (err) {
        this.#log.error({ err }, 'state batch listener failed');
      }
    }
  }
}
