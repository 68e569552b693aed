// Per-class traffic against the real Simulator, in process, on free loopback ports: a CBQoS
// router (thanh-hoa-core-1, with the misconfigured t2-thanh-hoa-sam-son whose VIDEO class has no
// queue) and a sub-interface router (lai-chau-core-1), an Internet surge on both provinces so
// that classes drop, then a renumbering. The pollers and the simulator share one manual clock:
// every poll reads the agents at a known simulated instant, so each per-class rate (post- and
// pre-policy, drops) is compared with the engine's ground truth over exactly that interval.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { LanewatchConfig, TopologyConfig } from '../../config/schema.ts';
import { settingsSchema } from '../../config/schema.ts';
import { compileClassRules } from '../../collector/classify.ts';
import { Collector, createPollers } from '../../collector/collector.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { DevicePoller } from '../../collector/poller.ts';
import { directions } from '../../api/schemas.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { parseScenario } from '../../simulator/scenario/schema.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { discoverCommand } from '../../cli/commands/discover.ts';
import { waitFor } from '../helpers/wait.ts';
import { runCommand, type CommandRun } from '../helpers/cli-output.ts';

const log = pino({ level: 'silent' });
const example = loadConfig(defaultConfigDir);
const simulation = loadSimulationConfig(defaultConfigDir, example.topology);
const CBQOS_ROUTER = 'thanh-hoa-core-1';
const SUB_ROUTER = 'lai-chau-core-1';
/** No QoS policy, one sub-interface per service (simulation.yaml: qos none). */
const NONE_ROUTER = 'lang-son-core-1';
const MISCONFIGURED = 't2-thanh-hoa-sam-son';
const INTERVAL_MS = 60_000;
const RENUMBER_AT_MS = 30 * 60_000;

let topology: TopologyConfig;
let sim: Simulator;
/** The one clock of the simulator and the pollers (wall = simulated at speed 1). */
let nowMs = Date.parse('2025-06-02T03:30:00Z'); // 10:30 in Việt Nam: the busy hour
const now = (): number => nowMs;
const startMs = nowMs;

beforeAll(async () => {
  const routers = example.topology.routers.filter((r) => r.id === CBQOS_ROUTER || r.id === SUB_ROUTER || r.id === NONE_ROUTER);
  expect(routers).toHaveLength(3);
  for (const r of routers) r.address = `127.0.0.1:${await freeUdpPort()}`;
  const links = example.topology.links.filter((l) => routers.some((r) => r.id === l.router));
  expect(links.map((l) => l.id)).toContain(MISCONFIGURED);
  const provinces = example.topology.provinces.filter((p) => links.some((l) => l.province === p.id));
  topology = { provinces, routers, links };
  const scenario = parseScenario(
    [
      'name: qos-classes',
      'events:',
      '  - { kind: internetSurge, at: 0, for: 1h, province: thanh-hoa, factor: 4 }',
      '  - { kind: internetSurge, at: 0, for: 1h, province: lai-chau, factor: 4 }',
      '  - { kind: internetSurge, at: 0, for: 1h, province: lang-son, factor: 4 }',
      `  - { kind: renumber, at: ${RENUMBER_AT_MS / 60_000}m, router: ${CBQOS_ROUTER} }`,
    ].join('\n'),
    'qos-classes.yaml',
    topology,
  );
  sim = new Simulator({ topology, simulation, log, now, startAtMs: startMs, scenario });
  await sim.start();
});
afterAll(async () => {
  await sim?.stop();
});

function pollerFor(routerId: string, rules = example.classRules): DevicePoller {
  const router = topology.routers.find((r) => r.id === routerId)!;
  return new DevicePoller({
    router,
    links: topology.links.filter((l) => l.router === routerId),
    collector: { intervalMs: INTERVAL_MS, timeoutMs: 1_000, retries: 1, maxUtilization: 1.1 },
    classifier: compileClassRules(rules),
    log,
    now,
  });
}

/** |measured − truth| within 1 % of the truth (1 kbit/s for rates near zero). */
function expectClose(measured: number | undefined, truth: number, what: string): void {
  expect(measured, what).toBeDefined();
  const tolerance = Math.max(0.01 * Math.abs(truth), 1_000);
  expect(Math.abs(measured! - truth), `${what}: measured ${measured}, truth ${truth}`).toBeLessThanOrEqual(tolerance);
}

const classSamples = (batch: PollBatch): LinkSample[] => batch.links.filter((s) => s.class !== 'total');

/** The service class of a class sample; a total sample here is a mistake of the test. */
function classOf(s: LinkSample): Exclude<LinkSample['class'], 'total'> {
  if (s.class === 'total') throw new Error(`${s.link} ${s.dir}: a total sample where class samples were expected`);
  return s.class;
}

/** Compares every class sample's post-policy rate and utilization with the engine over [fromMs, toMs]. */
function compareSentWithTruth(samples: LinkSample[], fromMs: number, toMs: number): void {
  expect(samples.length).toBeGreaterThan(0);
  for (const s of samples) {
    const truth = sim.engine().truth(s.link, s.dir, fromMs, toMs)[classOf(s)];
    const what = `${s.link} ${s.dir} ${s.class}`;
    expect(s.intervalMs).toBe(toMs - fromMs);
    expectClose(s.bitsPerSecond, truth.sentBps, `${what} post-policy`);
    expect(s.utilization).toBeCloseTo(s.bitsPerSecond / s.capacityBps, 12);
  }
}

/** Where the router reports drops (CBQoS): post-policy, drop and pre-policy rates as the engine's; returns the total drop rate seen. */
function compareWithTruth(samples: LinkSample[], fromMs: number, toMs: number): number {
  compareSentWithTruth(samples, fromMs, toMs);
  let drops = 0;
  for (const s of samples) {
    const truth = sim.engine().truth(s.link, s.dir, fromMs, toMs)[classOf(s)];
    const what = `${s.link} ${s.dir} ${s.class}`;
    expectClose(s.dropBitsPerSecond, truth.dropBps, `${what} drops`);
    expectClose(s.prePolicyBitsPerSecond, truth.offeredBps, `${what} pre-policy`);
    drops += s.dropBitsPerSecond ?? 0;
  }
  return drops;
}

/** Where nothing reports drops (per-service sub-interfaces): post-policy rates as the engine's, no drop rate on any sample. */
function compareWithTruthWithoutDrops(samples: LinkSample[], fromMs: number, toMs: number): void {
  compareSentWithTruth(samples, fromMs, toMs);
  expect(samples.filter((s) => s.dropBitsPerSecond !== undefined).map((s) => `${s.link} ${s.dir} ${s.class}`)).toEqual([]);
}

describe('per-class rates against the ground truth', () => {
  const cbqos = (): DevicePoller => cbqosPoller;
  let cbqosPoller: DevicePoller;
  let subPoller: DevicePoller;

  it('CBQoS router: every class of every link and direction, post, pre and drops within 1 %', async () => {
    cbqosPoller = pollerFor(CBQOS_ROUTER);
    subPoller = pollerFor(SUB_ROUTER);
    nowMs = startMs + INTERVAL_MS;
    const first = await cbqos().poll();
    await subPoller.poll();
    expect(first.poll.ok).toBe(true);
    expect(classSamples(first)).toEqual([]); // baselines only
    const links = topology.links.filter((l) => l.router === CBQOS_ROUTER);
    let fromMs = nowMs;
    let dropsSeen = 0;
    let videoDropsOnMisconfigured = 0;
    for (let i = 0; i < 4; i++) {
      nowMs += INTERVAL_MS;
      const batch = await cbqos().poll();
      const samples = classSamples(batch);
      // Four classes × two directions × every link.
      expect(samples).toHaveLength(links.length * 8);
      for (const l of links) for (const dir of directions) {
        expect(samples.filter((s) => s.link === l.id && s.dir === dir).map((s) => s.class).sort()).toEqual(['docex', 'internet', 'other', 'video']);
      }
      dropsSeen += compareWithTruth(samples, fromMs, nowMs);
      videoDropsOnMisconfigured += samples.find((s) => s.link === MISCONFIGURED && s.dir === 'down' && s.class === 'video')?.dropBitsPerSecond ?? 0;
      // Totals stay the interface rate: Σ classes (post-policy) = total.
      for (const l of links) for (const dir of directions) {
        const total = batch.links.find((s) => s.link === l.id && s.dir === dir && s.class === 'total');
        const sum = samples.filter((s) => s.link === l.id && s.dir === dir).reduce((a, s) => a + s.bitsPerSecond, 0);
        expectClose(sum, total!.bitsPerSecond, `${l.id} ${dir} Σ classes vs total`);
      }
      fromMs = nowMs;
      // The sub-interface router at the same instants.
      const subBatch = await subPoller.poll();
      const subSamples = classSamples(subBatch);
      const subLinks = topology.links.filter((l) => l.router === SUB_ROUTER);
      expect(subSamples).toHaveLength(subLinks.length * 8);
      compareWithTruthWithoutDrops(subSamples, nowMs - INTERVAL_MS, nowMs);
    }
    // The surge made classes drop, and the class without a queue on the misconfigured link too.
    expect(dropsSeen).toBeGreaterThan(0);
    expect(videoDropsOnMisconfigured).toBeGreaterThan(0);
  });

  it('a router without QoS still shows its four classes through its sub-interfaces, and protected classes lose too', async () => {
    const poller = pollerFor(NONE_ROUTER);
    const links = topology.links.filter((l) => l.router === NONE_ROUTER);
    nowMs = startMs + 10 * INTERVAL_MS;
    await poller.poll();
    const fromMs = nowMs;
    nowMs += INTERVAL_MS;
    const samples = classSamples(await poller.poll());
    expect(samples).toHaveLength(links.length * 8);
    compareWithTruthWithoutDrops(samples, fromMs, nowMs);
    // The surge without a QoS policy: the ground truth shows protected traffic dropped too.
    const protectedDrops = links.reduce((sum, l) => {
      const truth = sim.engine().truth(l.id, 'down', fromMs, nowMs);
      return sum + truth.docex.dropBps + truth.video.dropBps;
    }, 0);
    expect(protectedDrops).toBeGreaterThan(0);
  });

  it('reservations come from the router: 20 %/30 %/5 % of capacity; none for VIDEO on the misconfigured link', () => {
    const mappings = cbqos().qosMappings();
    const link = topology.links.find((l) => l.id === MISCONFIGURED)!;
    const down = (cls: string) => mappings.find((m) => m.link === MISCONFIGURED && m.dir === 'down' && m.serviceClass === cls);
    expect(down('video')?.className).toBe('VIDEO');
    expect(down('video')?.reservedBps).toBeUndefined();
    expect(down('docex')?.reservedBps).toBeCloseTo(0.2 * link.capacityBps!, 3);
    expect(down('other')?.reservedBps).toBeCloseTo(0.05 * link.capacityBps!, 3);
    expect(down('internet')?.className).toBe('class-default');
    // Shipped rules map every CBQoS class-map of the simulator.
    expect(mappings.filter((m) => m.rule === undefined)).toEqual([]);
  });

  it('renumber: class samples pause, re-discovery finds the new indexes, samples resume with correct values', async () => {
    const before = cbqos().qosPlan!;
    nowMs = startMs + RENUMBER_AT_MS + INTERVAL_MS / 2;
    const atRenumber = await cbqos().poll();
    expect(atRenumber.poll.ok).toBe(true);
    expect(classSamples(atRenumber)).toEqual([]);
    await cbqos().idle();
    nowMs += INTERVAL_MS;
    const adopted = await cbqos().poll();
    expect(cbqos().qosPlan).not.toBe(before);
    expect(cbqos().qosPlan!.counterMembers.map((m) => m.oids.postPolicyBytes)).not.toEqual(before.counterMembers.map((m) => m.oids.postPolicyBytes));
    expect(classSamples(adopted)).toEqual([]); // new baselines
    const fromMs = nowMs;
    nowMs += INTERVAL_MS;
    const resumed = await cbqos().poll();
    const links = topology.links.filter((l) => l.router === CBQOS_ROUTER);
    expect(classSamples(resumed)).toHaveLength(links.length * 8);
    compareWithTruth(classSamples(resumed), fromMs, nowMs);
  });
});

describe('unmatched classes', () => {
  const withoutMgmt = example.classRules.filter((r) => !(r.match.className ?? '').includes('mgmt'));

  it('a class-map no rule matches lands in other, is listed without a rule, and its traffic is measured', async () => {
    expect(withoutMgmt.length).toBe(example.classRules.length - 1);
    const poller = pollerFor(CBQOS_ROUTER, withoutMgmt);
    nowMs = startMs + 40 * INTERVAL_MS;
    await poller.poll();
    const fromMs = nowMs;
    nowMs += INTERVAL_MS;
    const batch = await poller.poll();
    const unmatched = poller.qosMappings().filter((m) => m.rule === undefined);
    const links = topology.links.filter((l) => l.router === CBQOS_ROUTER);
    expect(unmatched).toHaveLength(links.length * 2);
    expect(unmatched.every((m) => m.className === 'MGMT' && m.serviceClass === 'other' && m.device === CBQOS_ROUTER)).toBe(true);
    const other = classSamples(batch).filter((s) => s.class === 'other');
    expect(other).toHaveLength(links.length * 2);
    compareWithTruth(other, fromMs, nowMs);
  });

  it('Collector.qos() lists every mapping, the unmatched ones without a rule', async () => {
    const config: LanewatchConfig = {
      dir: '(test)',
      settings: settingsSchema.parse({ collector: { intervalMs: 1_000, timeoutMs: 1_000, retries: 1 } }),
      topology,
      provinces: example.provinces,
      classRules: withoutMgmt,
    };
    // createPollers is how the Collector builds its pollers (rules compiled once for all).
    expect(createPollers(config, log).size).toBe(topology.routers.length);
    const collector = new Collector({ config, bus: new LiveBus(), log });
    collector.start();
    try {
      await waitFor('every link discovered with its classes', () => collector.qos().classes.length >= topology.links.length * 8, { timeoutMs: 10_000, intervalMs: 100 });
    } finally {
      await collector.stop();
    }
    const view = collector.qos();
    expect(view.classes).toHaveLength(topology.links.length * 8);
    const unmatched = view.classes.filter((m) => m.rule === undefined);
    const cbqosLinks = topology.links.filter((l) => l.router === CBQOS_ROUTER).length;
    const subLinks = topology.links.filter((l) => l.router !== CBQOS_ROUTER).length; // sub-interface and no-QoS routers
    // The MGMT class-maps are unmatched once their rule is gone; the "OTHER [link]"
    // sub-interfaces still match the shipped ifAlias rule for `other`.
    expect(unmatched.filter((m) => m.source === 'cisco').map((m) => m.className)).toEqual(Array(cbqosLinks * 2).fill('MGMT'));
    expect(unmatched.filter((m) => m.source === 'subinterface')).toHaveLength(0);
    const otherSubs = view.classes.filter((m) => m.source === 'subinterface' && m.serviceClass === 'other');
    expect(otherSubs).toHaveLength(subLinks * 2);
    expect(otherSubs.every((m) => m.rule !== undefined)).toBe(true);
    expect(unmatched.every((m) => m.serviceClass === 'other')).toBe(true);
    expect(view.classes.filter((m) => m.device === SUB_ROUTER && m.serviceClass === 'video').every((m) => m.className.endsWith('.200'))).toBe(true);
  });
});

describe('lanewatch discover', () => {
  const run = (args: string[]): Promise<CommandRun> => runCommand(discoverCommand, args);
  const router = (): TopologyConfig['routers'][number] => topology.routers.find((r) => r.id === CBQOS_ROUTER)!;
  const community = (): string => {
    const snmp = router().snmp;
    return snmp.version === '2c' ? snmp.community : '';
  };

  it('prints the service class of each class-map under the config rules (text and --json)', async () => {
    expect(router().snmp.version).toBe('2c');
    const text = await run(['--host', router().address, '--community', community(), '--config', defaultConfigDir]);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/\n {4}DOCEX +bandwidth 20% +→ docex \(rules\[0\]\) +stats /);
    expect(text.out).toMatch(/\n {4}class-default +bandwidth 0 kbps +→ internet \(rules\[2\]\) +stats /);
    expect(text.out).toMatch(/\n {4}MGMT +bandwidth 5% +→ other \(rules\[3\]\) +stats /);
    const json = await run(['--host', router().address, '--community', community(), '--json']);
    expect(json.code).toBe(0);
    const parsed = JSON.parse(json.out) as { classes: { className: string; serviceClass: string; rule?: number }[] };
    const byName = new Map(parsed.classes.map((c) => [c.className, c]));
    expect([...byName.values()].map((c) => [c.className, c.serviceClass, c.rule]).sort()).toEqual([
      ['DOCEX', 'docex', 0],
      ['MGMT', 'other', 3],
      ['VIDEO', 'video', 1],
      ['class-default', 'internet', 2],
    ]);
  });
});
