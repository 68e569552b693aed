// Which router measures which direction of a link (collector/link-ends.ts): single-ended links
// as before, both directions at their router; two-ended links down at the near end, up at the
// far end through a view of the link from there.
import { describe, expect, it } from 'vitest';
import type { LinkConfig } from '../../config/schema.ts';
import { farEndView, isFarEndView, linkEndsByRouter, measuredDirections } from '../../collector/link-ends.ts';

const base = { tier: 2 as const, province: 'hue', capacityBps: 50e6 };
const single: LinkConfig = { ...base, id: 'single', router: 'core', ifName: 'Gi0/1/0', downIs: 'out' };
const singleIn: LinkConfig = { ...base, id: 'single-in', router: 'site', ifName: 'Gi0/0/1', downIs: 'in' };
const twoEnded: LinkConfig = { ...base, id: 'two', router: 'core', ifName: 'Gi0/1/1', downIs: 'out', far: { router: 'unit', ifName: 'Gi0/0/0' } };
const farView = farEndView(twoEnded)!;

describe('link ends', () => {
  it.each([
    ['a single-ended link, down on out', single, ['down', 'up'], false],
    ['a single-ended link, down on in', singleIn, ['down', 'up'], false],
    ['the near end of a two-ended link', twoEnded, ['down'], false],
    ['the far end of a two-ended link', farView, ['up'], true],
  ])('%s measures %j', (_what, link, dirs, far) => {
    expect(measuredDirections(link)).toEqual(dirs);
    expect(isFarEndView(link)).toBe(far);
  });

  it('the far view is the far router and its interface, its egress carrying up', () => {
    expect(farView).toEqual({ ...twoEnded, router: 'unit', ifName: 'Gi0/0/0', downIs: 'in' });
    expect(farEndView(single)).toBeUndefined();
  });

  it('gives each router its links and the far ends ending on it, single-ended ones unchanged', () => {
    const ends = linkEndsByRouter({ links: [single, singleIn, twoEnded] });
    expect([...ends.keys()].sort()).toEqual(['core', 'site', 'unit']);
    expect(ends.get('core')).toEqual([single, twoEnded]);
    expect(ends.get('core')![0]).toBe(single);
    expect(ends.get('site')).toEqual([singleIn]);
    expect(ends.get('unit')).toEqual([farView]);
  });
});
