// Hysteresis of a link and direction's state (the policy's `raiseAfter` and `clearAfter`). Pure.
//
// A level is entered after `raiseAfter` consecutive samples at or above it (ok → warning,
// ok → critical, warning → critical alike) and left after `clearAfter` consecutive samples
// below it. Leaving critical goes to ok when those samples were all ok, else to warning.
// The runs are properties of the sample sequence alone, so a flapping input (ok, warning,
// ok, warning…) never completes a run and never changes the state.
import type { StateLevel } from './model.ts';

export interface HysteresisState {
  level: StateLevel;
  /** When the current level was entered (the first sample's time for the initial ok). */
  sinceMs: number;
  /** Consecutive samples at or above warning / critical. */
  atLeastWarning: number;
  atLeastCritical: number;
  /** Consecutive samples below warning (ok) / below critical. */
  belowWarning: number;
  belowCritical: number;
}

export interface HysteresisLimits {
  raiseAfter: number;
  clearAfter: number;
}

/** A link's state before its first sample: `ok`, or the level it was in before a restart. */
export function initialHysteresis(atMs: number, level: StateLevel = 'ok'): HysteresisState {
  return { level, sinceMs: atMs, atLeastWarning: 0, atLeastCritical: 0, belowWarning: 0, belowCritical: 0 };
}

/** The state after one more sample whose rule verdict is `sampleLevel`. */
export function stepHysteresis(state: HysteresisState, sampleLevel: StateLevel, atMs: number, limits: HysteresisLimits): HysteresisState {
  const warningOrWorse = sampleLevel !== 'ok';
  const critical = sampleLevel === 'critical';
  const atLeastWarning = warningOrWorse ? state.atLeastWarning + 1 : 0;
  const atLeastCritical = critical ? state.atLeastCritical + 1 : 0;
  const belowWarning = warningOrWorse ? 0 : state.belowWarning + 1;
  const belowCritical = critical ? 0 : state.belowCritical + 1;
  const raiseAfter = Math.max(1, limits.raiseAfter);
  const clearAfter = Math.max(1, limits.clearAfter);

  let level: StateLevel = state.level;
  if (state.level === 'ok') {
    if (atLeastCritical >= raiseAfter) level = 'critical';
    else if (atLeastWarning >= raiseAfter) level = 'warning';
  } else if (state.level === 'warning') {
    if (atLeastCritical >= raiseAfter) level = 'critical';
    else if (belowWarning >= clearAfter) level = 'ok';
  } else if (belowCritical >= clearAfter) {
    level = belowWarning >= clearAfter ? 'ok' : 'warning';
  }
  return { level, sinceMs: level === state.level ? state.sinceMs : atMs, atLeastWarning, atLeastCritical, belowWarning, belowCritical };
}
