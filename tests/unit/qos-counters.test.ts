import { describe, expect, it } from 'vitest';
import { classReadingOf, measureClassInterval, sumGroup, type ClassReading } from '../../collector/qos/counters.ts';
import type { Counter } from '../../collector/snmp/index.ts';

const r = (atMs: number, sysUpTimeCs: number | undefined, post: Counter, pre?: Counter, drop?: Counter): ClassReading => ({
  atMs,
  ...(sysUpTimeCs !== undefined ? { sysUpTimeCs } : {}),
  postOctets: post,
  ...(pre !== undefined ? { preOctets: pre } : {}),
  ...(drop !== undefined ? { dropOctets: drop } : {}),
});
const opts = { maxGapMs: 180_000 };

describe('measureClassInterval', () => {
  it.each([
    ['no previous reading', undefined, r(60_000, 6_000, 10), 'first-reading'],
    ['a reboot (sysUpTime went back)', r(0, 900_000, 10), r(60_000, 500, 20), 'reboot'],
    ['post-policy went back', r(0, 0, 1_000), r(60_000, 6_000, 900), 'counter-went-back'],
    ['drops went back (a reset)', r(0, 0, 1_000, 1_000, 50), r(60_000, 6_000, 2_000, 2_000, 0), 'counter-went-back'],
    ['a gap too long', r(0, 0, 0), r(600_000, 60_000, 10), 'gap-too-long'],
    ['the clock went back', r(60_000, 6_000, 0), r(0, 12_000, 10), 'clock-went-back'],
  ])('%s → no sample', (_name, prev, curr, reason) => {
    expect(measureClassInterval(prev, curr, opts)).toEqual({ ok: false, reason });
  });

  it('deltas of post, pre and drop over the sysUpTime interval', () => {
    const out = measureClassInterval(r(0, 100_000, 1_000, 1_500, 500), r(60_500, 106_000, 751_000, 1_001_500, 250_500), opts);
    expect(out).toEqual({ ok: true, intervalMs: 60_000, postOctets: 750_000, preOctets: 1_000_000, dropOctets: 250_000 });
  });

  it('no pre/drop when a side lacks them; large 64-bit values stay exact', () => {
    const big = 2n ** 63n;
    const out = measureClassInterval(r(0, undefined, big), r(10_000, undefined, big + 12_345n, 1n), opts);
    expect(out).toEqual({ ok: true, intervalMs: 10_000, postOctets: 12_345 });
  });
});

describe('sumGroup', () => {
  it('sums bps; pre and drop only when every member has them', () => {
    expect(sumGroup([])).toBeUndefined();
    expect(
      sumGroup([
        { intervalMs: 1_000, postOctets: 1_000, preOctets: 1_500, dropOctets: 500 },
        { intervalMs: 2_000, postOctets: 1_000, preOctets: 1_000, dropOctets: 0 },
      ]),
    ).toEqual({ intervalMs: 2_000, postBitsPerSecond: 12_000, preBitsPerSecond: 16_000, dropBitsPerSecond: 4_000 });
    expect(sumGroup([{ intervalMs: 1_000, postOctets: 1_000, dropOctets: 1 }, { intervalMs: 1_000, postOctets: 1_000 }])).toEqual({
      intervalMs: 1_000,
      postBitsPerSecond: 16_000,
    });
  });

  it('sums only the first `count` members when given (a reused array longer than the group)', () => {
    const members = [
      { intervalMs: 1_000, postOctets: 1_000, preOctets: 1_000 },
      { intervalMs: 3_000, postOctets: 9_000 },
    ];
    expect(sumGroup(members, 1)).toEqual({ intervalMs: 1_000, postBitsPerSecond: 8_000, preBitsPerSecond: 8_000 });
    expect(sumGroup(members, 0)).toBeUndefined();
  });
});

describe('classReadingOf', () => {
  const oids = { prePolicyBytes: '1.6.1', postPolicyBytes: '1.10.1', dropBytes: '1.17.1' };
  it('reads the counters; a missing post-policy counter is a missing row', () => {
    expect(classReadingOf(new Map([['1.10.1', 5], ['1.6.1', 7], ['1.17.1', 2]]), oids, 9, 100)).toEqual(r(9, 100, 5, 7, 2));
    expect(classReadingOf(new Map([['1.10.1', 5]]), oids, 9, undefined)).toEqual(r(9, undefined, 5));
    expect(classReadingOf(new Map([['1.6.1', 7]]), oids, 9, 100)).toBeUndefined();
    // A value that is not a counter (e.g. a string) does not count.
    expect(classReadingOf(new Map([['1.10.1', 'x']]), oids, 9, 100)).toBeUndefined();
    // No row at all under the walked policy: the class is gone.
    expect(classReadingOf(undefined, oids, 9, 100)).toBeUndefined();
  });
});
