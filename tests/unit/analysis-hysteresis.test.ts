// Hysteresis as a table: sequences of per-sample levels → the state after each sample.
import { describe, expect, it } from 'vitest';
import type { StateLevel } from '../../server/analysis/model.ts';
import { initialHysteresis, stepHysteresis } from '../../server/analysis/hysteresis.ts';

const code: Record<string, StateLevel> = { o: 'ok', w: 'warning', c: 'critical' };

/** Runs a sequence like 'wwwcc' and returns the states after each sample, in the same letters. */
function run(samples: string, raiseAfter = 3, clearAfter = 5): string {
  let state = initialHysteresis(0);
  let out = '';
  [...samples].forEach((letter, i) => {
    state = stepHysteresis(state, code[letter]!, i + 1, { raiseAfter, clearAfter });
    out += state.level[0];
  });
  return out;
}

describe('stepHysteresis', () => {
  const cases: { name: string; samples: string; expected: string; raiseAfter?: number; clearAfter?: number }[] = [
    { name: 'ok stays ok', samples: 'ooooo', expected: 'ooooo' },
    { name: 'warning entered after raiseAfter samples', samples: 'www', expected: 'oow' },
    { name: 'two warnings are not enough', samples: 'wwowwo', expected: 'oooooo' },
    { name: 'critical straight from ok after raiseAfter critical samples', samples: 'ccc', expected: 'ooc' },
    { name: 'mixed warning/critical samples count toward warning', samples: 'wcw', expected: 'oow' },
    { name: 'warning → critical escalates after raiseAfter critical samples', samples: 'wwwcc' + 'c', expected: 'oowwwc' },
    { name: 'a warning sample breaks the critical run: critical needs raiseAfter more', samples: 'cwccc', expected: 'oowwc' },
    { name: 'warning left after clearAfter ok samples', samples: 'www' + 'ooooo', expected: 'oow' + 'wwwwo' },
    { name: 'a warning sample restarts the clear count', samples: 'www' + 'oooow' + 'ooooo', expected: 'oow' + 'wwwww' + 'wwwwo' },
    { name: 'critical → ok directly after clearAfter ok samples', samples: 'ccc' + 'ooooo', expected: 'ooc' + 'cccco' },
    { name: 'critical → warning after clearAfter samples below critical, some warning', samples: 'ccc' + 'wwooo' + 'oo', expected: 'ooc' + 'ccccw' + 'wo' },
    { name: 'critical → warning, then ok once the ok run reaches clearAfter', samples: 'ccc' + 'wwwww' + 'ooooo', expected: 'ooc' + 'ccccw' + 'wwwwo' },
    { name: 'flapping ok/warning never raises', samples: 'wowowowowo', expected: 'oooooooooo' },
    { name: 'flapping warning/critical holds warning, never escalates', samples: 'wwwcwcwcwc', expected: 'oowwwwwwww' },
    { name: 'flapping while critical never clears', samples: 'ccc' + 'ocococo', expected: 'ooc' + 'ccccccc' },
    { name: 'raiseAfter 1 and clearAfter 1 follow the samples', samples: 'owcwo', expected: 'owcwo', raiseAfter: 1, clearAfter: 1 },
  ];

  it.each(cases)('$name', (c) => {
    expect(run(c.samples, c.raiseAfter, c.clearAfter)).toBe(c.expected);
  });

  it('sinceMs is when the level was entered', () => {
    let state = initialHysteresis(100);
    expect(state.sinceMs).toBe(100);
    for (const [atMs, level] of [[101, 'warning'], [102, 'warning'], [103, 'warning'], [104, 'warning']] as const) {
      state = stepHysteresis(state, level, atMs, { raiseAfter: 3, clearAfter: 5 });
    }
    expect(state).toMatchObject({ level: 'warning', sinceMs: 103 });
  });
});
