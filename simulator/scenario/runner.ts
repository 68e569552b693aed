// Plays a scenario's router events (reboot, counter wrap, renumber, unresponsive, stuck and
// backwards counters, sysUpTime jumps and wraps) at their simulated times, and logs when
// traffic events (surges, conferences, link failures) begin and end. Traffic itself is shaped by ScenarioEffects, a pure function of time read by the engine.
// Actions are applied in time order by `advanceTo(atMs)`: a timer calls it when the next action
// is due, and the simulator also calls it before answering each request, so an agent never
// answers at a simulated time past an event it has not applied yet.
import type { Logger } from 'pino';
import { formatDurationMs } from './duration.ts';
import { eventDurationMs, type Scenario, type ScenarioEvent } from './schema.ts';

/** What the runner needs of a simulated router (the RouterControl of the MIB). */
export interface ScenarioRouterControl {
  reboot(atMs: number): void;
  renumber(atMs: number): void;
  setCounter32NearWrap(atMs: number): void;
  setResponding(on: boolean): void;
  // Counter faults: a router without them logs the event as not played.
  setCountersStuck?(atMs: number, stuck: boolean): void;
  setCountersBack?(atMs: number, byMs: number): void;
  jumpUptime?(atMs: number, byMs: number): void;
  setUptimeNearWrap?(atMs: number, marginMs: number): void;
}

export interface ScenarioClock {
  simulatedNowMs(): number;
  /** Simulated ms per wall ms. */
  readonly speed: number;
}

export interface ScenarioRunnerOptions {
  scenario: Scenario;
  /** Simulated epoch ms at which the timeline starts. */
  startMs: number;
  clock: ScenarioClock;
  /** The router of an id; undefined when the simulator does not serve it. */
  router: (id: string) => ScenarioRouterControl | undefined;
  log: Logger;
}

export interface ScenarioAction {
  /** Offset in the timeline. */
  offsetMs: number;
  phase: 'begin' | 'end';
  event: ScenarioEvent;
}

/** The timeline's actions in the order they apply: by offset, ends before begins, then file order. */
export function scenarioActions(scenario: Pick<Scenario, 'events'>): ScenarioAction[] {
  const actions: ScenarioAction[] = [];
  for (const event of scenario.events) {
    actions.push({ offsetMs: event.atMs, phase: 'begin', event });
    const forMs = eventDurationMs(event);
    if (forMs > 0) actions.push({ offsetMs: event.atMs + forMs, phase: 'end', event });
  }
  const phaseOrder = { end: 0, begin: 1 } as const;
  return actions.sort(
    (a, b) => a.offsetMs - b.offsetMs || phaseOrder[a.phase] - phaseOrder[b.phase] || a.event.index - b.event.index,
  );
}

/** Longest setTimeout delay node accepts. */
const maxTimerMs = 0x7fff_ffff;

export class ScenarioRunner {
  readonly #actions: ScenarioAction[];
  readonly #log: Logger;
  /** Next action: `actions[index]` of pass `pass`. */
  #pass = 0;
  #index = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #applied = 0;
  readonly #opts: ScenarioRunnerOptions;

  constructor(opts: ScenarioRunnerOptions) {
    this.#opts = opts;
    this.#actions = scenarioActions(opts.scenario);
    this.#log = opts.log.child({ component: 'scenario', scenario: opts.scenario.name });
  }

  /** Simulated epoch ms of the next action; undefined when a one-shot timeline is over. */
  nextActionAtMs(): number | undefined {
    const action = this.#actions[this.#index];
    if (!action) return undefined;
    return this.#opts.startMs + this.#pass * this.#opts.scenario.lengthMs + action.offsetMs;
  }

  /** Actions applied so far. */
  get appliedCount(): number {
    return this.#applied;
  }

  /** Applies, in order, every action due at or before `atMs`. Returns how many it applied. */
  advanceTo(atMs: number): number {
    let count = 0;
    for (let dueMs = this.nextActionAtMs(); dueMs !== undefined && dueMs <= atMs; dueMs = this.nextActionAtMs()) {
      const action = this.#actions[this.#index]!;
      this.#apply(action, dueMs);
      count++;
      this.#index++;
      if (this.#index >= this.#actions.length && this.#opts.scenario.repeat) {
        this.#index = 0;
        this.#pass++;
      }
    }
    this.#applied += count;
    return count;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    const { scenario } = this.#opts;
    this.#log.info(
      { events: scenario.events.length, length: formatDurationMs(scenario.lengthMs), repeat: scenario.repeat, startAt: new Date(this.#opts.startMs).toISOString() },
      'scenario started',
    );
    this.#tick();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Timer callback: never throws. */
  #tick(): void {
    this.#timer = undefined;
    if (!this.#running) return;
    try {
      this.advanceTo(this.#opts.clock.simulatedNowMs());
    } catch (err) {
      this.#log.error({ err }, 'scenario step failed');
    }
    const nextMs = this.nextActionAtMs();
    if (nextMs === undefined) {
      this.#log.info('scenario finished');
      return;
    }
    const wallDelayMs = Math.max(0, (nextMs - this.#opts.clock.simulatedNowMs()) / this.#opts.clock.speed);
    this.#timer = setTimeout(() => this.#tick(), Math.min(maxTimerMs, Math.ceil(wallDelayMs)));
  }

  #notPlayed(fields: Record<string, unknown>, routerId: string): void {
    this.#log.warn({ ...fields, router: routerId }, 'scenario event not played: the router has no such fault');
  }

  #apply(action: ScenarioAction, atMs: number): void {
    const { event, phase } = action;
    const fields = { event: event.label, kind: event.kind, phase, pass: this.#pass, atMs, at: new Date(atMs).toISOString() };
    if (!('routerId' in event)) {
      this.#log.info(fields, phase === 'begin' ? 'scenario event begins' : 'scenario event ends');
      return;
    }
    const router = this.#opts.router(event.routerId);
    if (!router) {
      this.#log.warn({ ...fields, router: event.routerId }, 'scenario router not served');
      return;
    }
    try {
      switch (event.kind) {
        case 'reboot':
          router.reboot(atMs);
          break;
        case 'renumber':
          router.renumber(atMs);
          break;
        case 'counterWrap':
          router.setCounter32NearWrap(atMs);
          break;
        case 'unresponsive':
          router.setResponding(phase === 'end');
          break;
        case 'counterStuck':
          if (!router.setCountersStuck) return this.#notPlayed(fields, event.routerId);
          router.setCountersStuck(atMs, phase === 'begin');
          break;
        case 'counterBackwards':
          if (!router.setCountersBack) return this.#notPlayed(fields, event.routerId);
          router.setCountersBack(atMs, event.byMs);
          break;
        case 'uptimeJump':
          if (!router.jumpUptime) return this.#notPlayed(fields, event.routerId);
          router.jumpUptime(atMs, event.back ? -event.byMs : event.byMs);
          break;
        case 'uptimeWrap':
          if (!router.setUptimeNearWrap) return this.#notPlayed(fields, event.routerId);
          router.setUptimeNearWrap(atMs, event.marginMs);
          break;
      }
      this.#log.info({ ...fields, router: event.routerId }, phase === 'begin' ? 'scenario event begins' : 'scenario event ends');
    } catch (err) {
      this.#log.error({ ...fields, router: event.routerId, err }, 'scenario event failed');
    }
  }
}
