// QosPlanLifecycle: inline discovery at the first poll, background re-discovery (schedule,
// reasons, retry after a failure), adoption at the next poll, stale plans. The discovery is
// the function the poller gives it; here it answers from a list, with deferred answers where
// the test needs to see a discovery in flight.
import { describe, expect, it } from 'vitest';
import type snmp from 'net-snmp';
import { QosPlanLifecycle, type PlanSource } from '../../collector/qos/plan-lifecycle.ts';
import type { QosPlan } from '../../collector/qos/plan.ts';
import type { QosClassMapping } from '../../collector/samples.ts';
import type { LinkConfig } from '../../config/schema.ts';
import { captureLog } from '../helpers/log-capture.ts';

const links: LinkConfig[] = [{ id: 'l1', tier: 2, province: 'hue', router: 'r1', ifName: 'Gi0/1', downIs: 'out' }];

function plan(atMs: number, opts: { ifIndex?: number; subs?: string[]; mappings?: QosClassMapping[]; notes?: string[] } = {}): QosPlan {
  return {
    device: 'r1',
    atMs,
    groups: [],
    mappings: opts.mappings ?? [],
    linkIfIndexes: new Map([['Gi0/1', opts.ifIndex ?? 3]]),
    // As buildQosPlan keeps them: a link interface without sub-interfaces is absent.
    subinterfaces: new Map(opts.subs?.length ? [['Gi0/1', opts.subs]] : []),
    counterMembers: [],
    notes: opts.notes ?? [],
  };
}

/** The poll's session as the lifecycle sees it: only passed through to the discovery. */
const open = { session: {} as snmp.Session, target: '127.0.0.1:16101' };

interface Deferred {
  resolve: (p: QosPlan) => void;
  reject: (e: Error) => void;
}

function harness(opts: { rediscoverIntervalMs?: number } = {}) {
  let nowMs = 1_000_000;
  const { log, lines } = captureLog();
  const sources: string[] = [];
  const pending: Deferred[] = [];
  const events: string[] = [];
  const lifecycle = new QosPlanLifecycle({
    discover: (source: PlanSource) => {
      sources.push('open' in source ? `inline ${source.open.target}` : `background ${source.address}`);
      return new Promise<QosPlan>((resolve, reject) => pending.push({ resolve, reject }));
    },
    log,
    now: () => nowMs,
    intervalMs: 10_000,
    ...(opts.rediscoverIntervalMs !== undefined ? { rediscoverIntervalMs: opts.rediscoverIntervalMs } : {}),
    onAdopt: (p) => events.push(`adopt ${p.atMs}`),
    onStale: () => events.push('stale'),
  });
  const answer = async (result: QosPlan | Error): Promise<void> => {
    const d = pending.shift();
    if (!d) throw new Error('no discovery in flight');
    if (result instanceof Error) d.reject(result);
    else d.resolve(result);
    await lifecycle.idle();
    await new Promise((r) => setImmediate(r));
  };
  /** The first poll, its discovery answering `first`: the plan in use from then on. */
  const adoptFirst = async (first: QosPlan): Promise<void> => {
    const prepared = lifecycle.prepare(open);
    await answer(first);
    await prepared;
  };
  return {
    lifecycle,
    lines,
    sources,
    events,
    answer,
    adoptFirst,
    advance: (ms: number) => (nowMs += ms),
    messages: () => lines.map((l) => String(l.msg)),
  };
}

const ifaces = (ifIndex: string, ...names: string[]) => new Map([['Gi0/1', { ifIndex }], ...names.map((n) => [n, { ifIndex: '99' }] as const)]);

describe('the first poll', () => {
  it('discovers inline over the poll session and adopts the plan before the counters are read', async () => {
    const h = harness();
    const prepared = h.lifecycle.prepare(open);
    expect(h.sources).toEqual(['inline 127.0.0.1:16101']);
    await h.answer(plan(1));
    await prepared;
    expect(h.lifecycle.usable?.atMs).toBe(1);
    expect(h.events).toEqual(['adopt 1']);
    // The next polls do not discover again until something asks for it.
    await h.lifecycle.prepare(open);
    h.lifecycle.maybeRediscover('127.0.0.1:16101');
    expect(h.sources.length).toBe(1);
  });

  it('a failed first discovery keeps no plan and is retried in the background after 5 intervals', async () => {
    const h = harness();
    const prepared = h.lifecycle.prepare(open);
    await h.answer(new Error('timeout'));
    await prepared;
    expect(h.lifecycle.plan).toBeUndefined();
    expect(h.lifecycle.wanted).toBe('first-poll');
    expect(h.lines.find((l) => l.msg === 'qos discovery failed: keeping the previous plan')).toMatchObject({ reason: 'first-poll', keptPlan: false, error: 'timeout' });
    // No inline retry at the next polls, and no background one before 5 × 10 s.
    await h.lifecycle.prepare(open);
    h.advance(49_999);
    h.lifecycle.maybeRediscover('127.0.0.1:16101');
    expect(h.sources.length).toBe(1);
    h.advance(1);
    h.lifecycle.maybeRediscover('127.0.0.1:16101');
    expect(h.sources).toEqual(['inline 127.0.0.1:16101', 'background 127.0.0.1:16101']);
    await h.answer(plan(2));
    // Found in the background: adopted at the start of the next poll, not before.
    expect(h.lifecycle.plan).toBeUndefined();
    await h.lifecycle.prepare(open);
    expect(h.lifecycle.usable?.atMs).toBe(2);
  });
});

describe('re-discovery in the background', () => {
  it('on schedule: one at a time, the old plan polled meanwhile, the new one adopted at the next poll', async () => {
    const h = harness({ rediscoverIntervalMs: 60_000 });
    await h.adoptFirst(plan(1_000_000));
    h.advance(59_999);
    h.lifecycle.maybeRediscover('a:1');
    expect(h.sources.length).toBe(1);
    h.advance(1);
    h.lifecycle.maybeRediscover('a:1');
    h.lifecycle.maybeRediscover('a:1');
    expect(h.sources).toEqual(['inline 127.0.0.1:16101', 'background a:1']);
    expect(h.lifecycle.discovering).toBe(true);
    expect(h.lifecycle.usable?.atMs).toBe(1_000_000);
    await h.answer(plan(1_060_000));
    expect(h.lifecycle.discovering).toBe(false);
    await h.lifecycle.prepare(open);
    expect(h.lifecycle.usable?.atMs).toBe(1_060_000);
    expect(h.messages()).toContain('qos plan replaced after re-discovery');
  });

  it('a failed re-discovery keeps the plan in use', async () => {
    const h = harness();
    await h.adoptFirst(plan(1));
    h.lifecycle.want('reboot');
    h.lifecycle.maybeRediscover('a:1');
    await h.answer(new Error('auth'));
    await h.lifecycle.prepare(open);
    expect(h.lifecycle.usable?.atMs).toBe(1);
    expect(h.lines.find((l) => l.msg === 'qos discovery failed: keeping the previous plan')).toMatchObject({ reason: 'reboot', keptPlan: true });
  });

  it('the first reason asked for is the one the discovery runs for', async () => {
    const h = harness();
    await h.adoptFirst(plan(1));
    h.lifecycle.want('reboot');
    h.lifecycle.want('schedule');
    expect(h.lifecycle.wanted).toBe('reboot');
    h.lifecycle.maybeRediscover('a:1');
    expect(h.lines.find((l) => l.msg === 'qos re-discovery started')).toMatchObject({ reason: 'reboot' });
    expect(h.lifecycle.wanted).toBeUndefined();
  });
});

describe('stale plans', () => {
  it.each([
    ['the link interface has another ifIndex', ifaces('4'), 'ifindex-changed'],
    ['a sub-interface appeared', ifaces('3', 'Gi0/1.300'), 'subinterfaces-changed'],
  ] as const)('%s: class samples pause until a new plan, and one is wanted', async (_name, seen, reason) => {
    const h = harness();
    await h.adoptFirst(plan(1));
    h.lifecycle.check(ifaces('3', 'Gi0/2.300'), links);
    expect(h.lifecycle.stale).toBe(false);
    h.lifecycle.check(seen, links);
    h.lifecycle.check(seen, links);
    expect(h.lifecycle.usable).toBeUndefined();
    expect(h.lifecycle.plan?.atMs).toBe(1);
    expect(h.lifecycle.wanted).toBe(reason);
    expect(h.events).toEqual(['adopt 1', 'stale', 'stale']);
    expect(h.messages().filter((m) => m.startsWith('qos plan out of date')).length).toBe(1);
    h.lifecycle.maybeRediscover('a:1');
    // The new plan names what the device has now: it stays usable.
    const subs = [...seen.keys()].filter((n) => n.startsWith('Gi0/1.'));
    await h.answer(plan(2, { ifIndex: Number(seen.get('Gi0/1')?.ifIndex), subs }));
    await h.lifecycle.prepare(open);
    expect(h.lifecycle.usable?.atMs).toBe(2);
    h.lifecycle.check(seen, links);
    expect(h.lifecycle.stale).toBe(false);
  });

  it('a link interface not seen this poll does not make the plan stale', async () => {
    const h = harness();
    await h.adoptFirst(plan(1));
    h.lifecycle.check(new Map(), links);
    expect(h.lifecycle.stale).toBe(false);
  });
});

describe('what a plan tells', () => {
  it('each unmatched class name is logged once per device; notes are logged; mappings are copies', async () => {
    const mapping = (className: string, rule?: number): QosClassMapping => ({
      device: 'r1',
      link: 'l1',
      source: 'cisco',
      className,
      path: `P/${className}`,
      serviceClass: rule === undefined ? 'other' : 'video',
      ...(rule !== undefined ? { rule } : {}),
    });
    const h = harness();
    await h.adoptFirst(plan(1, { mappings: [mapping('VIDEO', 1), mapping('ODD'), mapping('ODD')], notes: ['Gi0/1 output P/X: no statistics row, not measured'] }));
    h.lifecycle.want('schedule');
    h.lifecycle.maybeRediscover('a:1');
    await h.answer(plan(2, { mappings: [mapping('ODD'), mapping('NEW')] }));
    await h.lifecycle.prepare(open);
    expect(h.lines.filter((l) => l.msg === 'qos class matches no class rule: counted as other').map((l) => l.className)).toEqual(['ODD', 'NEW']);
    expect(h.lines.filter((l) => l.msg === 'qos plan note').map((l) => l.note)).toEqual(['Gi0/1 output P/X: no statistics row, not measured']);
    const copies = h.lifecycle.mappings();
    copies[0]!.className = 'changed';
    expect(h.lifecycle.mappings()[0]?.className).toBe('ODD');
  });
});
