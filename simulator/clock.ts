// The simulated clock: it starts at the wall time of its creation (so the daily profile matches
// the time of day) and runs `speed` times faster than the wall clock.

import { dayMs, isWeekday, localOffsetMs } from './traffic/profile.ts';

export interface SimulatedClockOptions {
  now: () => number;
  /** Simulated ms per wall ms; default 1. */
  speed?: number;
  /** Simulated epoch ms at the start; default the wall time at creation. */
  startAtMs?: number;
}

export class SimulatedClock {
  readonly speed: number;
  readonly wallStartMs: number;
  readonly simulatedStartMs: number;
  readonly #now: () => number;

  constructor(opts: SimulatedClockOptions) {
    const speed = opts.speed ?? 1;
    if (!Number.isFinite(speed) || speed <= 0) throw new RangeError(`speed must be a positive number, got ${speed}`);
    this.speed = speed;
    this.#now = opts.now;
    this.wallStartMs = opts.now();
    this.simulatedStartMs = opts.startAtMs ?? this.wallStartMs;
  }

  /** Simulated epoch ms now. */
  simulatedNowMs(): number {
    return this.simulatedStartMs + (this.#now() - this.wallStartMs) * this.speed;
  }

  /** Wall ms since the clock started. */
  wallElapsedMs(): number {
    return this.#now() - this.wallStartMs;
  }
}

/** Vietnam time (UTC+7), the network's local time. */
export const vietnamOffsetMs = localOffsetMs;

/**
 * Epoch ms of `minutesAfterMidnight` local time (Vietnam time by default) on the local day of
 * `nowMs`, or on the Friday before when that day is a Saturday or Sunday: where a scenario's
 * simulated clock starts. Scenarios are written against the weekday traffic of their hours (a
 * surge at the busy hour); a run on a weekend plays them the same as on a weekday.
 */
export function localTimeOfDayMs(nowMs: number, minutesAfterMidnight: number, utcOffsetMs: number = vietnamOffsetMs): number {
  let day = Math.floor((nowMs + utcOffsetMs) / dayMs);
  while (!isWeekday(day)) day -= 1;
  return day * dayMs - utcOffsetMs + minutesAfterMidnight * 60_000;
}
