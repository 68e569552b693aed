// bench:national's on-time share from the collector's counters (bench/support.ts): what it
// counts as due and as on time, table-driven.
import { describe, expect, it } from 'vitest';
import { onTimeShareOfCounters } from '../../bench/support.ts';

describe('onTimeShareOfCounters', () => {
  it.each([
    ['every poll on time', { polls: 1_000, failed: 0, late: 0, skipped: 0 }, { due: 1_000, onTime: 1_000, share: 1 }],
    ['a late poll is not on time', { polls: 1_000, failed: 0, late: 1, skipped: 0 }, { due: 1_000, onTime: 999, share: 0.999 }],
    ['a failed poll is not on time', { polls: 1_000, failed: 2, late: 0, skipped: 0 }, { due: 1_000, onTime: 998, share: 0.998 }],
    ['a skipped tick is due and not on time', { polls: 990, failed: 0, late: 0, skipped: 10 }, { due: 1_000, onTime: 990, share: 0.99 }],
    ['failed and late both taken off (a floor)', { polls: 10, failed: 6, late: 6, skipped: 0 }, { due: 10, onTime: 0, share: 0 }],
    ['nothing due', { polls: 0, failed: 0, late: 0, skipped: 0 }, { due: 0, onTime: 0, share: 0 }],
  ])('%s', (_name, counters, expected) => {
    expect(onTimeShareOfCounters(counters)).toEqual(expected);
  });
});
