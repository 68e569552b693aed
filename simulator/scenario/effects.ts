// The traffic side of a scenario as pure functions of simulated time: what the traffic engine
// asks at every step (Internet factor, extra video, link up). No state changes when read, so
// the engine's trace stays exact and deterministic whatever the order of reads.
import type { Direction } from '../../api/schemas.ts';
import type { TrafficEffects } from '../traffic/engine.ts';
import { eventDurationMs, type Scenario } from './schema.ts';

/** Where `atMs` falls in the timeline (ms from the start of the current pass); undefined before the start or after a one-shot timeline. */
export function timelineOffsetMs(scenario: Pick<Scenario, 'lengthMs' | 'repeat'>, startMs: number, atMs: number): number | undefined {
  const sinceStartMs = atMs - startMs;
  if (sinceStartMs < 0) return undefined;
  if (!scenario.repeat) return sinceStartMs;
  return sinceStartMs % scenario.lengthMs;
}

interface Span {
  fromMs: number;
  toMs: number;
  value: number;
}

function addSpan(index: Map<string, Span[]>, linkId: string, span: Span): void {
  const list = index.get(linkId);
  if (list) list.push(span);
  else index.set(linkId, [span]);
}

export class ScenarioEffects implements TrafficEffects {
  /** Internet surges by `link/dir`. */
  readonly #surges = new Map<string, Span[]>();
  readonly #video = new Map<string, Span[]>();
  readonly #down = new Map<string, Span[]>();
  readonly #scenario: Pick<Scenario, 'lengthMs' | 'repeat' | 'events'>;
  readonly #startMs: number;

  /** `startMs`: the simulated epoch ms at which the timeline starts. */
  constructor(scenario: Pick<Scenario, 'lengthMs' | 'repeat' | 'events'>, startMs: number) {
    this.#scenario = scenario;
    this.#startMs = startMs;
    for (const e of scenario.events) {
      const span = (value: number): Span => ({ fromMs: e.atMs, toMs: e.atMs + eventDurationMs(e), value });
      if (e.kind === 'internetSurge') for (const l of e.linkIds) for (const dir of e.dirs) addSpan(this.#surges, `${l}/${dir}`, span(e.factor));
      else if (e.kind === 'videoConference') for (const l of e.linkIds) addSpan(this.#video, l, span(e.bitsPerSecond));
      else if (e.kind === 'linkDown') addSpan(this.#down, e.linkId, span(1));
    }
  }

  #offset(atMs: number): number | undefined {
    return timelineOffsetMs(this.#scenario, this.#startMs, atMs);
  }

  /** Product of the factors of the surges in effect in that direction (overlapping surges compound). */
  internetFactor(linkId: string, dir: Direction, atMs: number): number {
    const spans = this.#surges.get(`${linkId}/${dir}`);
    if (!spans) return 1;
    const t = this.#offset(atMs);
    if (t === undefined) return 1;
    let factor = 1;
    for (const s of spans) if (t >= s.fromMs && t < s.toMs) factor *= s.value;
    return factor;
  }

  /** Sum of the conferences in effect; the same in both directions. */
  videoBps(linkId: string, _dir: Direction, atMs: number): number {
    const spans = this.#video.get(linkId);
    if (!spans) return 0;
    const t = this.#offset(atMs);
    if (t === undefined) return 0;
    let bitsPerSecond = 0;
    for (const s of spans) if (t >= s.fromMs && t < s.toMs) bitsPerSecond += s.value;
    return bitsPerSecond;
  }

  linkUp(linkId: string, atMs: number): boolean {
    const spans = this.#down.get(linkId);
    if (!spans) return true;
    const t = this.#offset(atMs);
    if (t === undefined) return true;
    return !spans.some((s) => t >= s.fromMs && t < s.toMs);
  }
}
