// A steady CBQoS router's poll is one GETBULK, over v2c (the collector's client) and SNMPv3
// (net-snmp): the interface walk and the class-counter walk go out in the same request
// (collector/poller.ts), counted at the simulated router's agent over loopback; past
// MAX_JOINT_VARBINDS they go out as two walks. Either way the poll gives the same samples. The
// planned Cisco policies' cbQosPolicyDiscontinuityTime rides as one non-repeater each of the
// first request (not a column walk raising every column's max-repetitions); an agent that
// refuses them is asked again at once without them (no poll lost), and that device is not asked
// them for POLICY_TIMES_RETRY_MS, whatever plan a rediscovery brings; then they are asked again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino, type Logger } from 'pino';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { compileClassRules } from '../../collector/classify.ts';
import { DevicePoller, jointRepetitions, MAX_JOINT_VARBINDS, POLICY_TIMES_RETRY_MS } from '../../collector/poller.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { createSocket } from 'node:dgram';
import { decodeMessage, decodePdu, encodeCommunityMessage, encodePdu, ErrorStatus, PduType } from '../../simulator/agent/message.ts';
import { encodeOid, requestVarbind } from '../../collector/snmp/ber.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME } from '../../collector/discovery/cisco-cbqos.ts';
import { captureLog } from '../helpers/log-capture.ts';

/** CISCO-CLASS-BASED-QOS-MIB (ciscoCBQosMIB). */
const CBQOS_MIB = '1.3.6.1.4.1.9.9.166';

const log = pino({ level: 'silent' });
const example = loadConfig(defaultConfigDir);
const simulation = loadSimulationConfig(defaultConfigDir, example.topology);
const CBQOS_ROUTER = 'thanh-hoa-core-1';
/** A CBQoS router polled over SNMPv3. */
const V3_ROUTER = 'hcm-core-1';
const INTERVAL_MS = 60_000;
/**
 * Varbinds of a steady joint poll before the policies' discontinuity times were read (49574dc^:
 * interface and class columns × max-repetitions, and sysUpTime.0). Read as a column walk they
 * made 766 and 970; as non-repeaters, one more varbind per planned policy.
 */
const JOINT_VARBINDS_WITHOUT_TIMES: Record<string, number> = { [CBQOS_ROUTER]: 501, [V3_ROUTER]: 617 };

let topology: TopologyConfig;
let sim: Simulator;
let nowMs = Date.parse('2025-06-02T03:30:00Z');
const now = (): number => nowMs;

beforeAll(async () => {
  const routers = example.topology.routers.filter((r) => r.id === CBQOS_ROUTER || r.id === V3_ROUTER);
  expect(routers.map((r) => r.snmp.version).sort()).toEqual(['2c', '3']);
  for (const r of routers) r.address = `127.0.0.1:${await freeUdpPort()}`;
  const links = example.topology.links.filter((l) => routers.some((r) => r.id === l.router));
  const provinces = example.topology.provinces.filter((p) => links.some((l) => l.province === p.id));
  topology = { provinces, routers, links };
  sim = new Simulator({ topology, simulation, log, now, startAtMs: nowMs });
  await sim.start();
});
afterAll(async () => {
  await sim?.stop();
});

/** What a test changes of a poller: the address it polls (a relay's), its log, collector settings. */
interface PollerChanges {
  address?: string;
  log?: Logger;
  rediscoverIntervalMs?: number;
}

function pollerFor(routerId: string, maxRepetitions?: number, changes: PollerChanges = {}): DevicePoller {
  const router = topology.routers.find((r) => r.id === routerId)!;
  return new DevicePoller({
    router: changes.address === undefined ? router : { ...router, address: changes.address },
    links: topology.links.filter((l) => l.router === routerId),
    collector: {
      intervalMs: INTERVAL_MS,
      timeoutMs: 1_000,
      retries: 0,
      maxUtilization: 1.1,
      ...(changes.rediscoverIntervalMs !== undefined ? { rediscoverIntervalMs: changes.rediscoverIntervalMs } : {}),
    },
    classifier: compileClassRules(example.classRules),
    log: changes.log ?? log,
    now,
    ...(maxRepetitions !== undefined ? { maxRepetitions } : {}),
  });
}

/** The next interval's poll, which must succeed; its batch. */
async function pollOk(poller: DevicePoller): Promise<Awaited<ReturnType<DevicePoller['poll']>>> {
  nowMs += INTERVAL_MS;
  const batch = await poller.poll();
  await poller.idle();
  expect(batch.poll.ok, batch.poll.error).toBe(true);
  return batch;
}

const requestsSoFar = (routerId: string): number => sim.counters()[routerId]!.requests;

/** A poll's samples as comparable keys: link, direction, class (or the link total), rate and drops. */
const sampleKeys = (batch: Awaited<ReturnType<DevicePoller['poll']>>): string[] =>
  batch.links.map((s) => `${s.link}:${s.dir}:${s.class ?? 'total'} ${s.bitsPerSecond} ${s.dropBitsPerSecond ?? ''}`).sort();

/** One poll of `poller` now: its requests, the varbinds its answers held and its samples' keys. */
async function pollOnce(poller: DevicePoller): Promise<{ requests: number; varbinds: number; keys: string[] }> {
  const before = requestsSoFar(poller.device);
  const batch = await poller.poll();
  expect(batch.poll.ok, batch.poll.error).toBe(true);
  await poller.idle();
  return { requests: requestsSoFar(poller.device) - before, varbinds: batch.poll.varbinds, keys: sampleKeys(batch) };
}

/** The service policies a poller's plan has classes of (each asked its discontinuity time). */
const plannedPolicies = (poller: DevicePoller): number => new Set(poller.qosPlan!.counterMembers.map((m) => m.policyRow)).size;

describe('a steady CBQoS poll in one GETBULK', () => {
  it.each([
    ['v2c', CBQOS_ROUTER],
    ['SNMPv3', V3_ROUTER],
  ])('%s: one request a poll (two past MAX_JOINT_VARBINDS), with the same link totals and class samples', async (_version, routerId) => {
    const joint = pollerFor(routerId);
    // Max-repetitions of MAX_JOINT_VARBINDS: a joint request would ask for too much.
    const separate = pollerFor(routerId, MAX_JOINT_VARBINDS);
    try {
      const jointRequests: number[] = [];
      const jointVarbinds: number[] = [];
      const separateRequests: number[] = [];
      for (let i = 0; i < 5; i++) {
        nowMs += INTERVAL_MS;
        const a = await pollOnce(joint);
        const b = await pollOnce(separate);
        // The first poll discovers the plan.
        if (i === 0) continue;
        jointRequests.push(a.requests);
        jointVarbinds.push(a.varbinds);
        separateRequests.push(b.requests);
        expect(a.keys.some((k) => !k.includes(':total '))).toBe(true);
        expect(a.keys).toEqual(b.keys);
      }
      expect(joint.qosPlan?.counterMembers.length).toBeGreaterThan(0);
      expect(jointRequests).toEqual([1, 1, 1, 1]);
      expect(separateRequests).toEqual([2, 2, 2, 2]);
      // One request: the varbinds of before, and one per planned policy (each a Cisco policy here).
      expect(joint.qosPlan!.counterMembers.every((m) => m.policyRow !== undefined)).toBe(true);
      const expected = JOINT_VARBINDS_WITHOUT_TIMES[routerId]! + plannedPolicies(joint);
      expect(jointVarbinds).toEqual([expected, expected, expected, expected]);
    } finally {
      joint.close();
      separate.close();
    }
  });
});

describe('jointRepetitions', () => {
  it('the more repetitions of the two walks, while the request (its scalars too) asks for at most MAX_JOINT_VARBINDS', () => {
    expect(jointRepetitions(4, 9, 6, 4)).toBe(9);
    expect(jointRepetitions(4, 3, 6, 12)).toBe(12);
    expect(jointRepetitions(10, 140, 0, 2)).toBe(140);
    expect(jointRepetitions(10, 141, 0, 2)).toBeUndefined();
    expect(jointRepetitions(4, 65, 64, 3)).toBeUndefined();
    // The scalars (sysUpTime.0, the policies' discontinuity times) count too.
    expect(jointRepetitions(10, 139, 0, 2, 10)).toBe(139);
    expect(jointRepetitions(10, 139, 0, 2, 11)).toBeUndefined();
  });
});

/**
 * A v2c relay in front of `agent` that, between `fail()` and `heal()`, answers genErr to every
 * request naming an OID `erring` picks, and relays the rest; `named` counts the requests that
 * named one.
 */
async function erringRelay(agent: string, erring: (oid: string) => boolean): Promise<{ address: string; fail: () => void; heal: () => void; close: () => void; named: () => number }> {
  const agentHost = agent.slice(0, agent.lastIndexOf(':'));
  const agentPort = Number(agent.slice(agent.lastIndexOf(':') + 1));
  const front = createSocket('udp4');
  const back = createSocket('udp4');
  let client: { address: string; port: number } | undefined;
  let failing = false;
  let named = 0;
  front.on('message', (msg, from) => {
    client = { address: from.address, port: from.port };
    const decoded = decodeMessage(msg);
    if ('community' in decoded) {
      const pdu = decodePdu(msg, decoded.pduOffset, decoded.end);
      const texts = pdu.oids.map((arcs) => arcs.join('.'));
      const names = texts.some(erring);
      if (names) named++;
      if (failing && names) {
        const varbinds = texts.map((t) => requestVarbind(encodeOid(t)));
        front.send(encodeCommunityMessage(decoded.version, decoded.community, encodePdu(PduType.response, pdu.requestId, ErrorStatus.genErr, 1, varbinds)), from.port, from.address);
        return;
      }
    }
    back.send(msg, agentPort, agentHost);
  });
  back.on('message', (msg) => {
    if (client) front.send(msg, client.port, client.address);
  });
  await new Promise<void>((r) => front.bind(0, '127.0.0.1', r));
  await new Promise<void>((r) => back.bind(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${front.address().port}`,
    fail: () => {
      failing = true;
    },
    heal: () => {
      failing = false;
    },
    close: () => {
      front.close();
      back.close();
    },
    named: () => named,
  };
}

/** A router whose CBQoS table errs while its IF-MIB answers. */
const cbqosErringRelay = (agent: string) => erringRelay(agent, (oid) => oid.startsWith(`${CBQOS_MIB}.`));

describe('a joint walk the agent fails on its class columns', () => {
  it('walks interfaces and classes apart from then on: the interface totals are kept and every poll succeeds', async () => {
    const router = topology.routers.find((r) => r.id === CBQOS_ROUTER)!;
    const relay = await cbqosErringRelay(router.address);
    const poller = pollerFor(CBQOS_ROUTER, undefined, { address: relay.address });
    try {
      // The plan (discovered at the first poll), then a steady joint poll with class samples.
      for (let i = 0; i < 2; i++) await pollOk(poller);
      expect(poller.qosPlan?.counterMembers.length).toBeGreaterThan(0);
      relay.fail();
      for (let i = 0; i < 3; i++) {
        const batch = await pollOk(poller);
        expect(batch.links.filter((s) => s.class === 'total').length).toBeGreaterThan(0);
      }
    } finally {
      poller.close();
      relay.close();
    }
  });
});

describe('an agent that refuses the policies’ discontinuity times', () => {
  it.each([
    ['a joint walk: asked again at once without them', undefined],
    ['walks apart: the interface walk asked again at once without them', MAX_JOINT_VARBINDS],
  ])('%s; no poll is lost, class rates go on, and a rediscovered plan does not ask them (logged once)', async (_what, maxRepetitions) => {
    const router = topology.routers.find((r) => r.id === CBQOS_ROUTER)!;
    // Each request naming an instance (or the row before one, asked by GETNEXT) of the column.
    const relay = await erringRelay(router.address, (oid) => oid.startsWith(`${CISCO_POLICY_DISCONTINUITY_TIME}.`));
    const { log, lines } = captureLog('warn');
    // A rediscovery every other poll: a new plan must not ask them again.
    const poller = pollerFor(CBQOS_ROUTER, maxRepetitions, { address: relay.address, log, rediscoverIntervalMs: 2 * INTERVAL_MS });
    try {
      for (let i = 0; i < 2; i++) await pollOk(poller);
      expect(relay.named()).toBeGreaterThan(0);
      relay.fail();
      await pollOk(poller);
      const namedAfter = relay.named();
      const planBefore = poller.qosPlan;
      // Not asked again, by this plan or the rediscovered ones: every poll succeeds with class rates.
      for (let i = 0; i < 5; i++) {
        const batch = await pollOk(poller);
        expect(batch.links.filter((s) => s.class !== 'total').length).toBeGreaterThan(0);
      }
      expect(poller.qosPlan).not.toBe(planBefore);
      expect(relay.named()).toBe(namedAfter);
      expect(lines.filter((l) => l.msg.includes('cbQosPolicyDiscontinuityTime not read'))).toHaveLength(1);
    } finally {
      poller.close();
      relay.close();
    }
  });

  it(`asked again ${POLICY_TIMES_RETRY_MS / 60_000} min after a refusal: refused again, off for as long (warned once); answered, asked at every poll`, async () => {
    const router = topology.routers.find((r) => r.id === CBQOS_ROUTER)!;
    const relay = await erringRelay(router.address, (oid) => oid.startsWith(`${CISCO_POLICY_DISCONTINUITY_TIME}.`));
    const { log, lines } = captureLog('warn');
    const poller = pollerFor(CBQOS_ROUTER, undefined, { address: relay.address, log });
    try {
      for (let i = 0; i < 2; i++) await pollOk(poller);
      relay.fail();
      await pollOk(poller); // refused: asked again at once without them
      let named = relay.named();
      await pollOk(poller);
      expect(relay.named()).toBe(named); // off
      // The retry time passes (less the interval pollOk adds): asked again, refused again, off again.
      nowMs += POLICY_TIMES_RETRY_MS - INTERVAL_MS;
      await pollOk(poller);
      expect(relay.named()).toBe(named + 1);
      named = relay.named();
      await pollOk(poller);
      expect(relay.named()).toBe(named);
      expect(lines.filter((l) => l.msg.includes('cbQosPolicyDiscontinuityTime not read'))).toHaveLength(1);
      // The agent answers them again (the error was passing): after the retry time they are read at every poll.
      relay.heal();
      nowMs += POLICY_TIMES_RETRY_MS - INTERVAL_MS;
      for (let i = 0; i < 3; i++) {
        named = relay.named();
        await pollOk(poller);
        expect(relay.named()).toBe(named + 1);
      }
    } finally {
      poller.close();
      relay.close();
    }
  });

  it('a joint walk the agent fails on its class columns keeps asking the times (walked apart with them)', async () => {
    const router = topology.routers.find((r) => r.id === CBQOS_ROUTER)!;
    const times = `${CISCO_POLICY_DISCONTINUITY_TIME}.`;
    // The class columns err, the policies' times do not (a request naming only them is relayed).
    const relay = await erringRelay(router.address, (oid) => oid.startsWith(`${CBQOS_MIB}.`) && !oid.startsWith(times));
    const { log, lines } = captureLog('warn');
    const poller = pollerFor(CBQOS_ROUTER, undefined, { address: relay.address, log });
    try {
      for (let i = 0; i < 2; i++) await pollOk(poller);
      relay.fail();
      for (let i = 0; i < 3; i++) await pollOk(poller);
      expect(lines.filter((l) => l.msg.includes('cbQosPolicyDiscontinuityTime not read'))).toHaveLength(0);
    } finally {
      poller.close();
      relay.close();
    }
  });
});
