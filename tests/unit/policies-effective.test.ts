// The effective policy of a link: layers defaults → tier → province → link (the most specific
// wins, per field), percent vs mbps against the capacity, the Internet cap and its removal
// (`null`), and `from` naming the layer of every field.
import { describe, expect, it } from 'vitest';
import type { PolicyDocument } from '../../server/policies/model.ts';
import { protectedClasses } from '../../api/schemas.ts';
import { amountBps, effectivePolicy, type PolicyLink } from '../../server/policies/effective.ts';
import { thresholdNames } from '../../server/policies/schema.ts';

const doc: PolicyDocument = {
  defaults: {
    reservations: { docex: { percent: 10 }, video: { percent: 20 } },
    internetCap: { percent: 70 },
    thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 },
  },
  tiers: { '2': { reservations: { docex: { percent: 20 }, video: { percent: 30 } }, thresholds: { raiseAfter: 2 } } },
  provinces: { hue: { reservations: { video: { mbps: 50 } }, internetCap: null, thresholds: { highUtil: 0.75 } } },
  links: { 't2-hue-a': { reservations: { docex: { mbps: 12.5 } }, internetCap: { mbps: 40 }, thresholds: { clearAfter: 8 } } },
};

/** Every field of an effective policy, as `from` names them. */
const policyFields = [...protectedClasses.map((c) => `reservations.${c}`), 'internetCap', ...thresholdNames.map((name) => `thresholds.${name}`)];

const t1Hue: PolicyLink = { id: 't1-hue', province: 'hue', tier: 1 };
const t1Other: PolicyLink = { id: 't1-ca-mau', province: 'ca-mau', tier: 1 };
const t2Hue: PolicyLink = { id: 't2-hue-a', province: 'hue', tier: 2 };
const t2HueB: PolicyLink = { id: 't2-hue-b', province: 'hue', tier: 2 };
const t2Other: PolicyLink = { id: 't2-ca-mau-a', province: 'ca-mau', tier: 2 };

describe('amountBps', () => {
  it.each([
    [{ mbps: 100 }, 1e9, 100_000_000],
    [{ mbps: 0.5 }, 1e9, 500_000],
    [{ percent: 20 }, 1e9, 200_000_000],
    [{ percent: 33.3 }, 100_000_000, 33_300_000],
    [{ percent: 100 }, 300_000_000, 300_000_000],
    [{ percent: 20 }, 0, 0],
    [{ mbps: 10 }, 0, 10_000_000],
  ] as const)('%o of %d bit/s → %d bit/s', (amount, capacityBps, expected) => {
    expect(amountBps(amount, capacityBps)).toBe(expected);
  });
});

describe('effectivePolicy', () => {
  it('defaults only (tier 1, no province layer)', () => {
    expect(effectivePolicy(doc, t1Other, 1e9)).toEqual({
      link: 't1-ca-mau',
      province: 'ca-mau',
      tier: 1,
      capacityBps: 1e9,
      reservationsBps: { docex: 100_000_000, video: 200_000_000 },
      reservedBps: 300_000_000,
      internetCapBps: 700_000_000,
      thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 },
      from: Object.fromEntries(policyFields.map((field) => [field, 'defaults'])),
    });
  });

  it('tier layer overrides the defaults field by field', () => {
    const p = effectivePolicy(doc, t2Other, 100_000_000);
    expect(p.reservationsBps).toEqual({ docex: 20_000_000, video: 30_000_000 });
    expect(p.reservedBps).toBe(50_000_000);
    expect(p.thresholds.raiseAfter).toBe(2);
    expect(p.thresholds.clearAfter).toBe(5);
    expect(p.from).toMatchObject({ 'reservations.docex': 'tier', 'thresholds.raiseAfter': 'tier', 'thresholds.clearAfter': 'defaults', internetCap: 'defaults' });
    expect(p.internetCapBps).toBe(70_000_000);
  });

  it('province layer: mbps video, cap removed by null, its own highUtil', () => {
    const p = effectivePolicy(doc, t2HueB, 100_000_000);
    expect(p.reservationsBps).toEqual({ docex: 20_000_000, video: 50_000_000 });
    expect(p.internetCapBps).toBeUndefined();
    expect('internetCapBps' in p).toBe(false);
    expect(p.thresholds).toEqual({ highUtil: 0.75, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 2, clearAfter: 5 });
    expect(p.from).toMatchObject({ 'reservations.docex': 'tier', 'reservations.video': 'province', internetCap: 'province', 'thresholds.highUtil': 'province', 'thresholds.raiseAfter': 'tier' });
  });

  it('link layer wins over all, and restores a cap the province removed', () => {
    const p = effectivePolicy(doc, t2Hue, 100_000_000);
    expect(p.reservationsBps).toEqual({ docex: 12_500_000, video: 50_000_000 });
    expect(p.reservedBps).toBe(62_500_000);
    expect(p.internetCapBps).toBe(40_000_000);
    expect(p.thresholds.clearAfter).toBe(8);
    expect(p.from).toMatchObject({ 'reservations.docex': 'link', 'reservations.video': 'province', internetCap: 'link', 'thresholds.clearAfter': 'link', 'thresholds.highUtil': 'province', 'thresholds.critUtil': 'defaults' });
  });

  it('tier 1 links of a province do not take the tier 2 layer', () => {
    const p = effectivePolicy(doc, t1Hue, 1e9);
    expect(p.reservationsBps).toEqual({ docex: 100_000_000, video: 50_000_000 });
    expect(p.from['reservations.docex']).toBe('defaults');
  });

  it('percent follows the capacity; mbps does not', () => {
    const small = effectivePolicy(doc, t2Hue, 50_000_000);
    const large = effectivePolicy(doc, t2Hue, 500_000_000);
    expect(small.reservationsBps).toEqual(large.reservationsBps);
    expect(effectivePolicy(doc, t2Other, 50_000_000).reservationsBps.video).toBe(15_000_000);
    expect(effectivePolicy(doc, t2Other, 500_000_000).reservationsBps.video).toBe(150_000_000);
  });

  it('no reservation anywhere is 0 bit/s from the defaults; no cap anywhere leaves no cap and no from', () => {
    const bare: PolicyDocument = {
      defaults: { thresholds: { highUtil: 0.8, critUtil: 0.95, dropRatio: 0.001, raiseAfter: 3, clearAfter: 5 } },
      tiers: {},
      provinces: {},
      links: {},
    };
    const p = effectivePolicy(bare, t1Hue, 1e9);
    expect(p.reservationsBps).toEqual({ docex: 0, video: 0 });
    expect(p.reservedBps).toBe(0);
    expect(p.internetCapBps).toBeUndefined();
    expect(p.from['internetCap']).toBeUndefined();
    expect(p.from['reservations.video']).toBe('defaults');
  });
});
