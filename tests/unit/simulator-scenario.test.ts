// Scenario files: durations, validation with file:line key messages, the traffic effects as
// functions of time (one-shot and repeating), and the order in which router events apply.
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { fileURLToPath } from 'node:url';
import { loadConfig, ConfigError } from '../../config/load.ts';
import { formatDurationMs, parseDurationMs } from '../../simulator/scenario/duration.ts';
import { loadScenario, parseScenario, type Scenario } from '../../simulator/scenario/schema.ts';
import { ScenarioEffects, timelineOffsetMs } from '../../simulator/scenario/effects.ts';
import { ScenarioRunner, scenarioActions, type ScenarioRouterControl } from '../../simulator/scenario/runner.ts';
import { localTimeOfDayMs } from '../../simulator/clock.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { Simulator } from '../../simulator/simulator.ts';

const example = loadConfig();
const topology = example.topology;
const log = pino({ level: 'silent' });
const province = topology.links.find((l) => l.tier === 1)!.province;
const provinceLinks = topology.links.filter((l) => l.province === province).map((l) => l.id);
const otherLink = topology.links.find((l) => l.province !== province)!.id;
const routerId = topology.routers[0]!.id;
const min = 60_000;

describe('parseDurationMs', () => {
  it.each([
    ['90s', 90_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1h30m', 5_400_000],
    ['500ms', 500],
    ['1.5m', 90_000],
    ['2d', 172_800_000],
    [' 10s ', 10_000],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDurationMs(text)).toBe(ms);
  });
  it.each(['', '90', 's', '5 m', '1x', '-5m', '5m-', 'm5'])('rejects %j', (text) => {
    expect(parseDurationMs(text)).toBeUndefined();
  });
  it.each([0, 500, 90_000, 5_400_000, 86_400_000 + 61_001])('formats %d ms back to the same value', (ms) => {
    expect(parseDurationMs(formatDurationMs(ms))).toBe(ms);
  });
});

function problemsOf(text: string): string[] {
  try {
    parseScenario(text, 'sc.yaml', topology);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.file}:${p.line ?? '?'} ${p.key}: ${p.reason}`);
    throw err;
  }
  return [];
}

describe('parseScenario', () => {
  it('resolves a province surge to every link of the province, a national conference to every link', () => {
    const s = parseScenario(
      `name: t
length: 1h
repeat: true
events:
  - { kind: internetSurge, at: 2m, for: 20m, province: ${province}, factor: 3 }
  - { kind: videoConference, at: 30m, for: 15m, provinces: all, bitsPerSecond: 4000000 }
  - { kind: reboot, at: 0, router: ${routerId} }
`,
      'sc.yaml',
      topology,
    );
    expect(s).toMatchObject({ name: 't', lengthMs: 60 * min, repeat: true });
    const [surge, conf, reboot] = s.events;
    expect(surge).toMatchObject({ kind: 'internetSurge', atMs: 2 * min, forMs: 20 * min, factor: 3 });
    expect(surge && 'linkIds' in surge ? [...surge.linkIds].sort() : []).toEqual([...provinceLinks].sort());
    expect(conf && 'linkIds' in conf ? conf.linkIds.length : 0).toBe(topology.links.length);
    expect(reboot).toMatchObject({ kind: 'reboot', atMs: 0, routerId });
  });

  it('defaults the length to the end of the last event', () => {
    const s = parseScenario(`events:\n  - { kind: linkDown, at: 1m, for: 4m, link: ${otherLink} }\n`, 'x.yaml', topology);
    expect(s).toMatchObject({ lengthMs: 5 * min, repeat: false, name: 'x.yaml' });
  });

  it.each([
    ['unknown kind', `events:\n  - { kind: meteor, at: 1m }\n`, /sc\.yaml:2 events\[0\]\.kind: /],
    ['bad duration', `events:\n  - kind: reboot\n    at: 5 minutes\n    router: ${routerId}\n`, /sc\.yaml:3 events\[0\]\.at: expected a duration/],
    ['bare number', `events:\n  - { kind: reboot, at: 300, router: ${routerId} }\n`, /events\[0\]\.at: /],
    ['unknown router', `events:\n  - kind: reboot\n    at: 1m\n    router: nope\n`, /sc\.yaml:4 events\[0\]\.router: unknown router "nope"/],
    ['unknown link', `events:\n  - { kind: linkDown, at: 1m, for: 1m, link: nope }\n`, /events\[0\]\.link: unknown link "nope"/],
    ['unknown link in a list', `events:\n  - { kind: internetSurge, at: 1m, for: 1m, links: [${otherLink}, nope], factor: 2 }\n`, /events\[0\]\.links\[1\]: unknown link "nope"/],
    ['unknown province', `events:\n  - { kind: internetSurge, at: 1m, for: 1m, province: atlantis, factor: 2 }\n`, /events\[0\]\.province: unknown province "atlantis"/],
    ['both province and links', `events:\n  - { kind: internetSurge, at: 1m, for: 1m, province: ${province}, links: [${otherLink}], factor: 2 }\n`, /events\[0\]\.province: give either province or links/],
    ['missing for', `events:\n  - { kind: unresponsive, at: 1m, router: ${routerId} }\n`, /events\[0\]\.for: /],
    ['zero for', `events:\n  - { kind: unresponsive, at: 1m, for: 0s, router: ${routerId} }\n`, /events\[0\]\.for: must be longer than 0s/],
    ['unknown key', `events:\n  - { kind: reboot, at: 1m, router: ${routerId}, when: now }\n`, /events\[0\]\.when: unknown key/],
    ['event past the length', `length: 10m\nevents:\n  - { kind: linkDown, at: 8m, for: 5m, link: ${otherLink} }\n`, /sc\.yaml:3 events\[0\]\.for: ends at 13m, after the timeline's length 10m/],
    ['repeat without room', `repeat: true\nevents:\n  - { kind: reboot, at: 5m, router: ${routerId} }\n`, /length: a repeating timeline needs a length/],
    ['no events', `events: []\n`, /events: /],
    ['yaml syntax', `events: [\n`, /sc\.yaml:\d+ : YAML syntax/],
  ])('%s is reported with file, line and key', (_name, text, expected) => {
    const problems = problemsOf(text);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(expected);
  });

  it('reports every problem at once', () => {
    const problems = problemsOf(`events:\n  - { kind: reboot, at: 1m, router: a1 }\n  - { kind: linkDown, at: 1m, for: 1m, link: b2 }\n`);
    expect(problems).toHaveLength(2);
  });

  it('names a missing file', () => {
    expect(() => loadScenario('/nonexistent/scenario.yaml', topology)).toThrow(/scenario\.yaml.*file not found/);
  });

  it.each([
    ['"10:30"', 630],
    ['"0:05"', 5],
    ['"23:59"', 1439],
  ])('reads clockStart %s as %d minutes after midnight', (text, minutes) => {
    const s = parseScenario(`clockStart: ${text}\nevents:\n  - { kind: reboot, at: 1m, router: ${routerId} }\n`, 'sc.yaml', topology);
    expect(s.clockStartMinutes).toBe(minutes);
  });
  it.each(['"24:00"', '"10h30"', '"7:5"', '630'])('rejects clockStart %s', (text) => {
    expect(problemsOf(`clockStart: ${text}\nevents:\n  - { kind: reboot, at: 1m, router: ${routerId} }\n`).join('\n')).toMatch(/sc\.yaml:1 clockStart: /);
  });
});

describe('localTimeOfDayMs', () => {
  it.each([
    // 2025-01-06 03:00 UTC is 10:00 in Vietnam: 10:30 the same local day.
    [Date.UTC(2025, 0, 6, 3, 0), 630, Date.UTC(2025, 0, 6, 3, 30)],
    // 2025-01-06 18:00 UTC is already 01:00 on the 7th in Vietnam.
    [Date.UTC(2025, 0, 6, 18, 0), 630, Date.UTC(2025, 0, 7, 3, 30)],
    // 16:59 UTC is 23:59 local on the 6th.
    [Date.UTC(2025, 0, 6, 16, 59), 0, Date.UTC(2025, 0, 5, 17, 0)],
    // Saturday the 11th and Sunday the 12th (local) start on Friday the 10th: the weekday's traffic.
    [Date.UTC(2025, 0, 11, 3, 0), 630, Date.UTC(2025, 0, 10, 3, 30)],
    [Date.UTC(2025, 0, 12, 16, 59), 450, Date.UTC(2025, 0, 10, 0, 30)],
    // 17:00 UTC on Friday the 10th is already Saturday in Vietnam.
    [Date.UTC(2025, 0, 10, 17, 0), 450, Date.UTC(2025, 0, 10, 0, 30)],
    // Monday the 13th, 00:00 local, is a weekday again.
    [Date.UTC(2025, 0, 12, 17, 0), 450, Date.UTC(2025, 0, 13, 0, 30)],
  ])('from %d at minute %d → %d', (nowMs, minutes, expected) => {
    expect(localTimeOfDayMs(nowMs, minutes)).toBe(expected);
  });
});

describe('timelineOffsetMs', () => {
  it.each([
    [false, 999, undefined],
    [false, 1_000, 0],
    [false, 61_000, 60_000],
    [false, 1_000 + 10 * min, 10 * min],
    [true, 1_000 + 10 * min, 0],
    [true, 1_000 + 25 * min, 5 * min],
    [true, 999, undefined],
  ])('repeat %s at %d → %s', (repeat, atMs, expected) => {
    expect(timelineOffsetMs({ lengthMs: 10 * min, repeat }, 1_000, atMs)).toBe(expected);
  });
});

function scenario(text: string): Scenario {
  return parseScenario(text, 'sc.yaml', topology);
}

describe('ScenarioEffects', () => {
  const startMs = Date.UTC(2025, 0, 6, 3, 0, 0);
  const s = scenario(`length: 1h
repeat: true
events:
  - { kind: internetSurge, at: 2m, for: 20m, province: ${province}, factor: 3 }
  - { kind: internetSurge, at: 10m, for: 5m, links: [${provinceLinks[0]}], factor: 2 }
  - { kind: videoConference, at: 30m, for: 15m, provinces: [${province}], bitsPerSecond: 4000000 }
  - { kind: videoConference, at: 40m, for: 10m, provinces: all, tiers: [1], bitsPerSecond: 1000000 }
  - { kind: linkDown, at: 50m, for: 5m, link: ${otherLink} }
  - { kind: internetSurge, at: 30m, for: 10m, links: [${provinceLinks[0]}], factor: 5, dir: up }
`);
  const effects = new ScenarioEffects(s, startMs);
  const at = (m: number): number => startMs + m * min;
  const first = provinceLinks[0]!;
  const tier1 = topology.links.find((l) => l.province === province && l.tier === 1)!.id;
  const tier2 = topology.links.find((l) => l.province === province && l.tier === 2)?.id;

  it.each([
    [-1, first, 1],
    [0, first, 1],
    [1.99, first, 1],
    [2, first, 3],
    [10, first, 6], // overlapping surges compound
    [15, first, 3],
    [22, first, 1], // [at, at+for)
    [62, first, 3], // the next pass
    [5, otherLink, 1],
  ])('internetFactor at %d min on %s = %d, both directions', (m, link, factor) => {
    expect(effects.internetFactor(link, 'down', at(m))).toBe(factor);
    expect(effects.internetFactor(link, 'up', at(m))).toBe(factor);
  });

  it.each([
    [29, 1, 1],
    [30, 1, 5],
    [39.9, 1, 5],
    [40, 1, 1],
  ])('an upstream surge (dir: up) at %d min: down ×%d, up ×%d', (m, down, up) => {
    expect(effects.internetFactor(first, 'down', at(m))).toBe(down);
    expect(effects.internetFactor(first, 'up', at(m))).toBe(up);
  });

  it('adds conferences on the links of their provinces and tiers, both directions', () => {
    expect(effects.videoBps(tier1, 'down', at(29))).toBe(0);
    expect(effects.videoBps(tier1, 'down', at(30))).toBe(4e6);
    expect(effects.videoBps(tier1, 'up', at(35))).toBe(4e6);
    expect(effects.videoBps(tier1, 'up', at(42))).toBe(5e6);
    if (tier2) expect(effects.videoBps(tier2, 'down', at(42))).toBe(4e6); // tiers: [1] for the national one
    expect(effects.videoBps(tier1, 'down', at(47))).toBe(1e6);
    expect(effects.videoBps(tier1, 'down', at(50))).toBe(0);
    expect(effects.videoBps(tier1, 'down', at(90 + 1))).toBe(4e6);
  });

  it('takes a link down for its duration, in every pass', () => {
    expect([49, 50, 54.9, 55, 110, 115].map((m) => effects.linkUp(otherLink, at(m)))).toEqual([true, false, false, true, false, true]);
    expect(effects.linkUp(first, at(52))).toBe(true);
  });

  it('is a pure function of time: the same answers in any order', () => {
    const times = Array.from({ length: 200 }, (_, k) => at((k * 7.3) % 130));
    const forward = times.map((t) => [effects.internetFactor(first, 'up', t), effects.videoBps(tier1, 'down', t), effects.linkUp(otherLink, t)]);
    const backward = [...times].reverse().map((t) => [effects.internetFactor(first, 'up', t), effects.videoBps(tier1, 'down', t), effects.linkUp(otherLink, t)]);
    expect(backward.reverse()).toEqual(forward);
  });
});

/** A router that records what the runner asks of it, in one log shared by all routers. */
class RecordingRouter implements ScenarioRouterControl {
  readonly #id: string;
  readonly #calls: string[];
  constructor(id: string, calls: string[]) {
    this.#id = id;
    this.#calls = calls;
  }
  reboot(atMs: number): void {
    this.#calls.push(`${this.#id} reboot ${atMs}`);
  }
  renumber(atMs: number): void {
    this.#calls.push(`${this.#id} renumber ${atMs}`);
  }
  setCounter32NearWrap(atMs: number): void {
    this.#calls.push(`${this.#id} wrap ${atMs}`);
  }
  setResponding(on: boolean): void {
    this.#calls.push(`${this.#id} responding ${on}`);
  }
}

describe('ScenarioRunner', () => {
  const [a, b] = [topology.routers[0]!.id, topology.routers[1]!.id];
  const text = (repeat: boolean): string => `length: 10m
repeat: ${repeat}
events:
  - { kind: unresponsive, at: 2m, for: 3m, router: ${a} }
  - { kind: reboot, at: 5m, router: ${b} }
  - { kind: counterWrap, at: 1m, router: ${b} }
  - { kind: renumber, at: 7m, router: ${a} }
  - { kind: unresponsive, at: 5m, for: 1m, router: ${a} }
  - { kind: linkDown, at: 3m, for: 1m, link: ${otherLink} }
`;

  it('orders actions by time, ends before begins at the same instant', () => {
    const actions = scenarioActions(scenario(text(false)));
    expect(actions.map((x) => `${x.offsetMs / min} ${x.phase} ${x.event.kind}`)).toEqual([
      '1 begin counterWrap',
      '2 begin unresponsive',
      '3 begin linkDown',
      '4 end linkDown',
      '5 end unresponsive',
      '5 begin reboot',
      '5 begin unresponsive',
      '6 end unresponsive',
      '7 begin renumber',
    ]);
  });

  function runner(repeat: boolean, startMs: number): { run: ScenarioRunner; calls: string[] } {
    const calls: string[] = [];
    const routers = new Map([a, b].map((id) => [id, new RecordingRouter(id, calls)]));
    const run = new ScenarioRunner({
      scenario: scenario(text(repeat)),
      startMs,
      clock: { simulatedNowMs: () => startMs, speed: 1 },
      router: (id) => routers.get(id),
      log,
    });
    return { run, calls };
  }

  it('applies router events at their exact simulated times, whatever the read pattern', () => {
    const startMs = 1_000_000;
    const stepwise = runner(false, startMs);
    for (let t = startMs - min; t <= startMs + 12 * min; t += 7_000) stepwise.run.advanceTo(t);
    const atOnce = runner(false, startMs);
    atOnce.run.advanceTo(startMs + 12 * min);
    expect(stepwise.calls).toEqual(atOnce.calls);
    expect(atOnce.calls).toEqual([
      `${b} wrap ${startMs + 1 * min}`,
      `${a} responding false`,
      `${a} responding true`,
      `${b} reboot ${startMs + 5 * min}`,
      `${a} responding false`,
      `${a} responding true`,
      `${a} renumber ${startMs + 7 * min}`,
    ]);
    expect(atOnce.run.nextActionAtMs()).toBeUndefined();
  });

  it('applies nothing before an action is due, and exactly at its time', () => {
    const startMs = 5_000;
    const r = runner(false, startMs);
    expect(r.run.advanceTo(startMs + min - 1)).toBe(0);
    expect(r.run.advanceTo(startMs + min)).toBe(1);
    expect(r.run.nextActionAtMs()).toBe(startMs + 2 * min);
  });

  it('starts over after the length when the timeline repeats', () => {
    const startMs = 0;
    const r = runner(true, startMs);
    r.run.advanceTo(25 * min + 30_000);
    const reboots = r.calls.filter((c) => c.includes('reboot'));
    expect(reboots).toEqual([`${b} reboot ${5 * min}`, `${b} reboot ${15 * min}`, `${b} reboot ${25 * min}`]);
    expect(r.run.nextActionAtMs()).toBe(26 * min);
  });

  it('skips routers the simulator does not serve without stopping', () => {
    const s = scenario(`events:\n  - { kind: reboot, at: 1m, router: ${a} }\n  - { kind: reboot, at: 2m, router: ${b} }\n`);
    const calls: string[] = [];
    const served = new RecordingRouter(b, calls);
    const run = new ScenarioRunner({
      scenario: s,
      startMs: 0,
      clock: { simulatedNowMs: () => 0, speed: 1 },
      router: (id) => (id === b ? served : undefined),
      log,
    });
    expect(run.advanceTo(3 * min)).toBe(2);
    expect(calls).toEqual([`${b} reboot ${2 * min}`]);
  });
});

describe('the demo scenario (config/example/scenarios/demo.yaml) on the example network', () => {
  const path = fileURLToPath(new URL('../../config/example/scenarios/demo.yaml', import.meta.url));
  const demo = loadScenario(path, topology);
  // Not started: the engine alone answers, through the scenario's effects.
  const sim = new Simulator({ topology, simulation: loadSimulationConfig(example.dir, topology), scenario: demo, log, now: () => Date.UTC(2025, 0, 6, 1, 0) });
  const engine = sim.engine();
  const startMs = sim.clock.simulatedStartMs;
  const mean = (link: string, fromMin: number, toMin: number) => engine.truth(link, 'down', startMs + fromMin * min, startMs + toMin * min);
  const capacityOf = (link: string): number => topology.links.find((l) => l.id === link)!.capacityBps!;
  const offered = (t: ReturnType<typeof mean>): number => Object.values(t).reduce((sum, c) => sum + c.offeredBps, 0);

  it('repeats, starts the clock before the busy hour and squeezes within the first five minutes', () => {
    expect(demo.repeat).toBe(true);
    expect(startMs).toBe(Date.UTC(2025, 0, 6, 0, 30)); // 07:30 in Vietnam
    const surge = demo.events.find((e) => e.kind === 'internetSurge');
    expect(surge?.atMs).toBeLessThanOrEqual(5 * min);
    expect(demo.events.some((e) => e.kind === 'videoConference')).toBe(true);
  });

  it('pushes the squeezed province past its uplink and its misconfigured link drops video, then recovers', () => {
    const uplink = 't1-thanh-hoa';
    const misconfigured = 't2-thanh-hoa-sam-son';
    const before = mean(uplink, 0, 3);
    // Uplink only: busy (≥ 80 %) and Internet above capacity − reserved, nothing dropped yet.
    const amber = mean(uplink, 3.5, 5);
    expect(offered(amber)).toBeGreaterThan(0.8 * capacityOf(uplink));
    expect(offered(amber)).toBeLessThan(capacityOf(uplink));
    expect(amber.internet.offeredBps).toBeGreaterThan(0.5 * capacityOf(uplink));
    expect(mean(misconfigured, 3.5, 5).video.dropBps).toBe(0);
    const during = mean(uplink, 5.5, 15);
    const after = mean(uplink, 16, 18);
    expect(offered(before)).toBeLessThan(0.8 * capacityOf(uplink));
    expect(offered(during)).toBeGreaterThan(capacityOf(uplink));
    expect(during.internet.dropBps).toBeGreaterThan(0);
    expect(during.docex.dropBps).toBe(0); // protected by its queue
    expect(before.internet.dropBps + after.internet.dropBps).toBe(0);
    const site = mean(misconfigured, 5.5, 15);
    expect(site.video.dropBps).toBeGreaterThan(0); // no VIDEO queue on this link
    expect(mean(misconfigured, 16, 18).video.dropBps).toBe(0);
    // Another province is untouched.
    expect(mean('t1-hue', 5, 15).internet.dropBps).toBe(0);
  });

  it('adds the conference on every uplink during it, and repeats after 30 minutes', () => {
    const without = offered(mean('t1-hue', 16, 18));
    const withConference = mean('t1-hue', 19, 25);
    expect(withConference.video.offeredBps).toBeGreaterThan(mean('t1-hue', 16, 18).video.offeredBps + 15e6);
    expect(without).toBeGreaterThan(0);
    expect(offered(mean('t1-thanh-hoa', 35, 45))).toBeGreaterThan(capacityOf('t1-thanh-hoa'));
  });
});
