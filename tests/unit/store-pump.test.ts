// The store pump's choice between live points and the spool's backlog (liveTurnDue), and the spool queue bound it sets (spoolQueueBoundFor).
import { describe, expect, it } from 'vitest';
import { liveTurnDue, spoolQueueBoundFor, type PumpState } from '../../collector/store/influx-store.ts';
import { defaultMaxQueuedPoints } from '../../collector/store/spool.ts';

const base: PumpState = { bufferedPoints: 10, batchSize: 5_000, backlog: false, liveTurn: true, sinceLiveWriteMs: 0, flushIntervalMs: 1_000 };

describe('liveTurnDue', () => {
  it('without a backlog writes whatever is buffered, and nothing when the buffer is empty', () => {
    expect(liveTurnDue(base)).toBe(true);
    expect(liveTurnDue({ ...base, liveTurn: false })).toBe(true);
    expect(liveTurnDue({ ...base, bufferedPoints: 0 })).toBe(false);
  });

  it('with a backlog, live points and the backlog take turns', () => {
    const full = { ...base, backlog: true, bufferedPoints: 5_000 };
    expect(liveTurnDue(full)).toBe(true);
    expect(liveTurnDue({ ...full, liveTurn: false })).toBe(false);
  });

  it('with a backlog, a live turn waits for a full batch or a flush interval', () => {
    const some = { ...base, backlog: true, bufferedPoints: 4_999 };
    expect(liveTurnDue({ ...some, sinceLiveWriteMs: 999 })).toBe(false);
    expect(liveTurnDue({ ...some, sinceLiveWriteMs: 1_000 })).toBe(true);
    expect(liveTurnDue({ ...some, bufferedPoints: 0, sinceLiveWriteMs: 60_000 })).toBe(false);
  });
});

describe('spoolQueueBoundFor', () => {
  it.each([
    ['the defaults: two hand-overs of 100,000 and a batch', 100_000, 5_000, 210_000],
    ['a small buffer: the spool\'s own bound', 2_000, 100, defaultMaxQueuedPoints],
    ['a large buffer: twice it and a batch', 1_000_000, 5_000, 2_010_000],
  ])('%s', (_name, maxBufferedPoints, batchSize, bound) => {
    expect(spoolQueueBoundFor({ maxBufferedPoints, batchSize })).toBe(bound);
    expect(spoolQueueBoundFor({ maxBufferedPoints, batchSize })).toBeGreaterThanOrEqual(2 * (maxBufferedPoints + 1));
  });
});
