// The simulator's counter faults (scenario kinds counterStuck, counterBackwards, uptimeJump,
// uptimeWrap): parsed from scenario text, played by the runner at their simulated times, and
// what the agents' MIBs then answer: counters that stop and count on from where they stopped,
// counters set back, sysUpTime moved or wrapped while the counters stay exact.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { loadConfig, ConfigError } from '../../config/load.ts';
import { parseScenario } from '../../simulator/scenario/schema.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { Simulator } from '../../simulator/simulator.ts';
import type { SnmpValue } from '../../simulator/mib/value.ts';

const example = loadConfig();
const topology = example.topology;
const log = pino({ level: 'silent' });
const link = topology.links.find((l) => l.tier === 1)!;
const routerId = link.router;
const sec = 1_000;
const min = 60 * sec;
const sysUpTime = [1, 3, 6, 1, 2, 1, 1, 3, 0];

/** A simulator on a clock the test moves, playing `events` (scenario YAML lines) from its start. */
function simulate(events: string): { sim: Simulator; at(ms: number): void; out(): bigint; uptimeCs(): bigint } {
  const startMs = Date.UTC(2025, 0, 6, 3, 0);
  let nowMs = startMs;
  const scenario = parseScenario(`name: faults\nevents:\n${events}`, 'faults.yaml', topology);
  const sim = new Simulator({ topology, simulation: loadSimulationConfig(example.dir, topology), scenario, log, now: () => nowMs });
  const router = sim.router(routerId)!;
  const value = (oid: number[]): bigint => {
    const v = router.mib.get(oid, nowMs) as SnmpValue;
    if (typeof v !== 'object' || !('value' in v) || typeof v.value !== 'bigint') throw new Error(`no counter at ${oid.join('.')}`);
    return v.value;
  };
  return {
    sim,
    at(ms: number) {
      nowMs = startMs + ms;
      sim.advanceScenarioTo(nowMs);
    },
    // ifHCOutOctets of the link's interface, as an agent would answer now.
    out: () => value([1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10, router.ifIndexOf(link.ifName)!]),
    uptimeCs: () => value(sysUpTime),
  };
}

describe('counter fault scenarios: parsing', () => {
  it('reads the four kinds with their defaults and labels', () => {
    const s = parseScenario(
      `events:
  - { kind: counterStuck, at: 1m, for: 2m, router: ${routerId} }
  - { kind: counterBackwards, at: 5m, router: ${routerId} }
  - { kind: counterBackwards, at: 6m, router: ${routerId}, by: 30s }
  - { kind: uptimeJump, at: 7m, router: ${routerId}, by: 1h }
  - { kind: uptimeJump, at: 8m, router: ${routerId}, by: 10s, back: true }
  - { kind: uptimeWrap, at: 9m, router: ${routerId} }
  - { kind: uptimeWrap, at: 10m, router: ${routerId}, margin: 5s }`,
      'k.yaml',
      topology,
    );
    expect(s.events.map((e) => ({ ...e, label: undefined, index: undefined }))).toEqual([
      { kind: 'counterStuck', atMs: min, forMs: 2 * min, routerId, label: undefined, index: undefined },
      { kind: 'counterBackwards', atMs: 5 * min, byMs: 10 * min, routerId, label: undefined, index: undefined },
      { kind: 'counterBackwards', atMs: 6 * min, byMs: 30 * sec, routerId, label: undefined, index: undefined },
      { kind: 'uptimeJump', atMs: 7 * min, byMs: 60 * min, back: false, routerId, label: undefined, index: undefined },
      { kind: 'uptimeJump', atMs: 8 * min, byMs: 10 * sec, back: true, routerId, label: undefined, index: undefined },
      { kind: 'uptimeWrap', atMs: 9 * min, marginMs: min, routerId, label: undefined, index: undefined },
      { kind: 'uptimeWrap', atMs: 10 * min, marginMs: 5 * sec, routerId, label: undefined, index: undefined },
    ]);
    expect(s.events[0]!.label).toBe(`counters of ${routerId} stuck`);
  });

  it.each([
    [`{ kind: counterStuck, at: 0, router: ${routerId} }`, 'events[0].for'],
    [`{ kind: uptimeJump, at: 0, router: ${routerId} }`, 'events[0].by'],
    [`{ kind: counterBackwards, at: 0, router: nowhere }`, 'events[0].router'],
    [`{ kind: uptimeWrap, at: 0, router: ${routerId}, margin: 0s }`, 'events[0].margin'],
    [`{ kind: counterStuck, at: 0, for: 1m, router: ${routerId}, extra: 1 }`, 'events[0].extra'],
  ])('refuses %s, naming %s', (event, key) => {
    try {
      parseScenario(`events:\n  - ${event}`, 'bad.yaml', topology);
      expect.unreachable('it parsed');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as ConfigError).problems.map((p) => p.key)).toContain(key);
    }
  });
});

describe('counter fault scenarios: what the agent answers', () => {
  it('counterStuck: the counter stops for the duration, then counts on from where it stopped', () => {
    const ref = simulate('  - { kind: reboot, at: 0s, router: ' + routerId + ' }');
    const s = simulate(`  - { kind: counterStuck, at: 1m, for: 2m, router: ${routerId} }`);
    for (const x of [ref, s]) x.at(30 * sec);
    const base = s.out() - ref.out();
    s.at(1 * min);
    const stuckAt = s.out();
    s.at(2 * min);
    expect(s.out()).toBe(stuckAt);
    s.at(3 * min);
    expect(s.out()).toBe(stuckAt);
    // From the release on, the counter grows as the traffic does.
    for (const x of [ref, s]) x.at(3 * min);
    const releasedRef = ref.out();
    for (const x of [ref, s]) x.at(5 * min);
    expect(s.out() - stuckAt).toBe(ref.out() - releasedRef);
    expect(base).not.toBe(0n);
    // sysUpTime ran on all along.
    expect(s.uptimeCs()).toBeGreaterThan(0n);
  });

  it('counterBackwards: the counter reads what it read `by` earlier, then counts on', () => {
    const s = simulate(`  - { kind: counterBackwards, at: 20m, by: 10m, router: ${routerId} }`);
    s.at(10 * min);
    const tenMinutesIn = s.out();
    s.at(20 * min - 1);
    const before = s.out();
    s.at(20 * min);
    expect(s.out()).toBe(tenMinutesIn);
    expect(s.out()).toBeLessThan(before);
    s.at(21 * min);
    expect(s.out()).toBeGreaterThan(tenMinutesIn);
  });

  it('counterBackwards: twice in a row, each by the traffic of its `by`, and never below 0', () => {
    const ref = simulate(`  - { kind: reboot, at: 1m, router: ${routerId} }`);
    const s = simulate(`  - { kind: reboot, at: 1m, router: ${routerId} }\n  - { kind: counterBackwards, at: 4m, by: 1m, router: ${routerId} }\n  - { kind: counterBackwards, at: 5m, by: 10m, router: ${routerId} }`);
    for (const x of [ref, s]) x.at(3 * min);
    const threeMinutes = ref.out();
    for (const x of [ref, s]) x.at(4 * min);
    // Back by the last minute's traffic: what it showed at 3m.
    expect(s.out()).toBe(threeMinutes);
    for (const x of [ref, s]) x.at(5 * min);
    // Back by more than it holds: 0, then it counts up as the traffic does.
    expect(s.out()).toBe(0n);
    const atFive = ref.out();
    for (const x of [ref, s]) x.at(6 * min);
    expect(s.out()).toBe(ref.out() - atFive);
  });

  it('uptimeJump: sysUpTime moves forward or back, the counters do not', () => {
    const plain = simulate(`  - { kind: linkDown, at: 50m, for: 1m, link: ${link.id} }`);
    const s = simulate(`  - { kind: uptimeJump, at: 1m, by: 1h, router: ${routerId} }\n  - { kind: uptimeJump, at: 2m, by: 30m, back: true, router: ${routerId} }`);
    for (const x of [plain, s]) x.at(1 * min - 1);
    const uptimeBefore = s.uptimeCs();
    for (const x of [plain, s]) x.at(1 * min);
    expect(s.uptimeCs() - uptimeBefore).toBe(360_000n);
    expect(s.out()).toBe(plain.out());
    for (const x of [plain, s]) x.at(2 * min);
    expect(s.uptimeCs() - plain.uptimeCs()).toBe(180_000n);
    expect(s.out()).toBe(plain.out());
  });

  it('uptimeWrap: sysUpTime reaches 2^32 centiseconds and wraps, without a reboot', () => {
    const plain = simulate(`  - { kind: linkDown, at: 50m, for: 1m, link: ${link.id} }`);
    const s = simulate(`  - { kind: uptimeWrap, at: 1m, margin: 30s, router: ${routerId} }`);
    for (const x of [plain, s]) x.at(1 * min);
    expect(s.uptimeCs()).toBe(2n ** 32n - 3_000n);
    for (const x of [plain, s]) x.at(1 * min + 40 * sec);
    // The agent encodes TimeTicks modulo 2^32: 10 s after the wrap.
    expect(s.uptimeCs() % 2n ** 32n).toBe(1_000n);
    expect(s.out()).toBe(plain.out());
  });
});
