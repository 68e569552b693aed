import assert from 'node:assert/strict';
import { describe, expect, it } from 'vitest';
import { LiveBus } from '../../collector/live-bus.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { LiveSnapshot, SampleSlots } from '../../server/live/snapshot.ts';
import { applyFilter, parseClientMessage } from '../../server/live/filter.ts';

function sample(overrides: Partial<LinkSample>): LinkSample {
  return {
    atMs: 1_000,
    intervalMs: 5_000,
    link: 't1-hue',
    province: 'hue',
    tier: 1,
    dir: 'down',
    class: 'total',
    bitsPerSecond: 1_000_000,
    capacityBps: 100_000_000,
    utilization: 0.01,
    ...overrides,
  };
}

function batch(links: LinkSample[]): PollBatch {
  return {
    poll: { atMs: 0, device: 'r1', province: 'hue', ok: true, latencyMs: 1, varbinds: 10 },
    links,
    interfaces: [],
  };
}

function key(s: LinkSample): string {
  return `${s.link}/${s.dir}/${s.class}@${s.atMs}=${s.bitsPerSecond}`;
}

describe('LiveSnapshot', () => {
  const cases: { name: string; batches: LinkSample[][]; expected: string[] }[] = [
    { name: 'empty', batches: [], expected: [] },
    {
      name: 'newer sample replaces older for the same key',
      batches: [[sample({ atMs: 1_000, bitsPerSecond: 1 })], [sample({ atMs: 2_000, bitsPerSecond: 2 })]],
      expected: ['t1-hue/down/total@2000=2'],
    },
    {
      name: 'a late, older sample does not replace a newer one',
      batches: [[sample({ atMs: 2_000, bitsPerSecond: 2 })], [sample({ atMs: 1_000, bitsPerSecond: 1 })]],
      expected: ['t1-hue/down/total@2000=2'],
    },
    {
      name: 'direction, class and link are separate keys',
      batches: [
        [
          sample({ dir: 'down', class: 'total' }),
          sample({ dir: 'up', class: 'total' }),
          sample({ dir: 'down', class: 'video' }),
          sample({ link: 't1-ca-mau', province: 'ca-mau' }),
        ],
      ],
      expected: ['t1-ca-mau/down/total@1000=1000000', 't1-hue/down/total@1000=1000000', 't1-hue/down/video@1000=1000000', 't1-hue/up/total@1000=1000000'],
    },
  ];

  for (const c of cases) {
    it(c.name, () => {
      const bus = new LiveBus();
      const snapshot = new LiveSnapshot({ bus, now: () => 5_000 });
      snapshot.start();
      for (const links of c.batches) bus.publish(batch(links));
      const view = snapshot.snapshot();
      expect(view.atMs).toBe(5_000);
      expect(view.samples.map(key).sort()).toEqual(c.expected);
    });
  }

  it('leaves out and forgets samples older than maxAgeMs', () => {
    const bus = new LiveBus();
    let nowMs = 10_000;
    const snapshot = new LiveSnapshot({ bus, maxAgeMs: 3_000, now: () => nowMs });
    snapshot.start();
    bus.publish(batch([sample({ atMs: 6_000, link: 'a' }), sample({ atMs: 8_000, link: 'b' })]));
    expect(snapshot.snapshot().samples.map((s) => s.link)).toEqual(['b']);
    expect(snapshot.size).toBe(1);
    nowMs = 20_000;
    expect(snapshot.snapshot().samples).toEqual([]);
  });

  it('keeps each link apart when batches go back and forth between links, and after a link was forgotten', () => {
    const bus = new LiveBus();
    let nowMs = 10_000;
    const snapshot = new LiveSnapshot({ bus, maxAgeMs: 3_000, now: () => nowMs });
    snapshot.start();
    bus.publish(batch([sample({ link: 'a', atMs: 9_000, bitsPerSecond: 1 }), sample({ link: 'b', atMs: 9_000, bitsPerSecond: 2 }), sample({ link: 'a', dir: 'up', atMs: 9_000, bitsPerSecond: 3 })]));
    bus.publish(batch([sample({ link: 'a', atMs: 8_000, bitsPerSecond: 4 }), sample({ link: 'b', atMs: 9_500, bitsPerSecond: 5 })]));
    expect(snapshot.snapshot().samples.map(key).sort()).toEqual(['a/down/total@9000=1', 'a/up/total@9000=3', 'b/down/total@9500=5']);
    // Both links forgotten (the last one looked up too), then one comes back.
    nowMs = 20_000;
    expect(snapshot.snapshot().samples).toEqual([]);
    bus.publish(batch([sample({ link: 'b', atMs: 19_000, bitsPerSecond: 6 })]));
    expect(snapshot.size).toBe(1);
    expect(snapshot.snapshot().samples.map(key)).toEqual(['b/down/total@19000=6']);
  });

  it('SampleSlots.offer stores unless the value held is newer, and refuses an unknown class', () => {
    const slots = new SampleSlots<number>();
    const heldIsNewer = (held: number, value: number) => held >= value;
    const id = { link: 'a', dir: 'down' as const, class: 'video' as const };
    expect(slots.offer(id, 5, heldIsNewer)).toBe(true);
    expect(slots.offer(id, 5, heldIsNewer)).toBe(false);
    expect(slots.offer({ ...id, dir: 'up' }, 1, heldIsNewer)).toBe(true);
    expect(slots.offer(id, 7, heldIsNewer)).toBe(true);
    expect([slots.get(id), slots.get({ ...id, dir: 'up' }), slots.get({ ...id, class: 'total' }), slots.size]).toEqual([7, 1, undefined, 2]);
    expect(() => slots.offer({ link: 'a', dir: 'down', class: 'bulk' as never }, 1, heldIsNewer)).toThrow(/unknown direction "down" or class "bulk"/);
  });

  it('stops listening to the bus on stop()', () => {
    const bus = new LiveBus();
    const snapshot = new LiveSnapshot({ bus });
    snapshot.start();
    expect(bus.listenerCount).toBe(1);
    snapshot.stop();
    expect(bus.listenerCount).toBe(0);
    bus.publish(batch([sample({})]));
    expect(snapshot.size).toBe(0);
  });
});

describe('live subscribe messages', () => {
  const known = { links: new Set(['t1-hue', 't1-ca-mau']), provinces: new Set(['hue', 'ca-mau']) };
  const samples = [
    sample({ link: 't1-hue', province: 'hue' }),
    sample({ link: 't1-ca-mau', province: 'ca-mau' }),
  ];
  const refused: { text: string; error: RegExp }[] = [
    { text: 'not json', error: /not JSON/ },
    { text: '42', error: /expected/ },
    { text: '{"type":"unsubscribe"}', error: /type/ },
    { text: '{"type":"subscribe","links":"t1-hue"}', error: /^links:/ },
    { text: '{"type":"subscribe","links":["nope"]}', error: /unknown link "nope"/ },
    { text: '{"type":"subscribe","province":"atlantis"}', error: /unknown province "atlantis"/ },
    { text: '{"type":"subscribe","extra":1}', error: /extra/ },
  ];
  const accepted: { text: string; links: string[] }[] = [
    { text: '{"type":"subscribe"}', links: ['t1-hue', 't1-ca-mau'] },
    { text: '{"type":"subscribe","links":["t1-ca-mau"]}', links: ['t1-ca-mau'] },
    { text: '{"type":"subscribe","province":"hue"}', links: ['t1-hue'] },
    { text: '{"type":"subscribe","links":["t1-ca-mau"],"province":"hue"}', links: ['t1-hue', 't1-ca-mau'] },
    { text: '{"type":"subscribe","links":[]}', links: [] },
  ];
  it.each(refused)('refuses $text', ({ text, error }) => {
    expect(parseClientMessage(text, known)).toEqual({ ok: false, message: expect.stringMatching(error) });
  });
  it.each(accepted)('accepts $text', ({ text, links }) => {
    const parsed = parseClientMessage(text, known);
    expect(parsed).toMatchObject({ ok: true });
    assert(parsed.ok);
    expect(applyFilter(samples, parsed.filter).map((s) => s.link)).toEqual(links);
  });
});
