// diffDocuments: the changes between two policy documents as dotted paths to the leaves an
// engineer edits (an amount whole, a cap, one threshold), in document order.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { diffDocuments } from '../../server/policies/diff.ts';

function seed(): PolicyDocument {
  return {
    defaults: {
      reservations: { docex: { percent: 10 }, video: { percent: 20 } },
      thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 },
    },
    tiers: { '2': { reservations: { docex: { percent: 20 }, video: { percent: 30 } } } },
    provinces: { 'thanh-hoa': { reservations: { video: { percent: 25 } } } },
    links: {},
  };
}

describe('diffDocuments', () => {
  it('equal documents have no changes', () => {
    expect(diffDocuments(seed(), seed())).toEqual([]);
  });

  it('a changed amount is one change, compared whole (percent → mbps)', () => {
    const b = seed();
    b.provinces['thanh-hoa'] = { reservations: { video: { mbps: 120 } } };
    expect(diffDocuments(seed(), b)).toEqual([
      { path: 'provinces.thanh-hoa.reservations.video', before: { percent: 25 }, after: { mbps: 120 } },
    ]);
  });

  it('one threshold, an added cap and a removed cap', () => {
    const a = seed();
    a.tiers['2'] = { ...a.tiers['2'], internetCap: { percent: 60 } };
    const b = seed();
    b.defaults.thresholds = { ...b.defaults.thresholds, raiseAfter: 4 };
    b.defaults.internetCap = { mbps: 500 };
    expect(diffDocuments(a, b)).toEqual([
      { path: 'defaults.thresholds.raiseAfter', before: 3, after: 4 },
      { path: 'defaults.internetCap', before: undefined, after: { mbps: 500 } },
      { path: 'tiers.2.internetCap', before: { percent: 60 }, after: undefined },
    ]);
  });

  it('a cap set to null (removal of an inherited cap) is a change', () => {
    const b = seed();
    b.provinces['thanh-hoa'] = { ...b.provinces['thanh-hoa'], internetCap: null };
    expect(diffDocuments(seed(), b)).toEqual([{ path: 'provinces.thanh-hoa.internetCap', before: undefined, after: null }]);
  });

  it('a new layer is listed leaf by leaf; a removed one too', () => {
    const b = seed();
    b.links['t1-hue'] = { reservations: { docex: { mbps: 100 } }, thresholds: { highUtil: 0.7, critUtil: 0.9 } };
    delete b.provinces['thanh-hoa'];
    expect(diffDocuments(seed(), b)).toEqual([
      { path: 'provinces.thanh-hoa.reservations.video', before: { percent: 25 }, after: undefined },
      { path: 'links.t1-hue.reservations.docex', before: undefined, after: { mbps: 100 } },
      { path: 'links.t1-hue.thresholds.highUtil', before: undefined, after: 0.7 },
      { path: 'links.t1-hue.thresholds.critUtil', before: undefined, after: 0.9 },
    ]);
  });

  it('an empty layer added is itself a change', () => {
    const b = seed();
    b.links['t1-hue'] = {};
    expect(diffDocuments(seed(), b)).toEqual([{ path: 'links.t1-hue', before: undefined, after: {} }]);
  });

  it('the diff read backwards is the inverse', () => {
    const b = seed();
    b.defaults.reservations = { docex: { percent: 15 }, video: { percent: 20 } };
    const forward = diffDocuments(seed(), b);
    const backward = diffDocuments(b, seed());
    expect(backward).toEqual(forward.map((c) => ({ path: c.path, before: c.after, after: c.before })));
  });
});
