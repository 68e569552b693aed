// A reboot that sysUpTime hides, seen through cbQosPolicyDiscontinuityTime, against the real
// Simulator on a free loopback port with one manual clock for it and the poller. The CBQoS
// router reboots 1 s after a poll and its sysUpTime jumps forward by what the reboot took away
// (simulator: reboot, then jumpUptime): sysUpTime runs on as if nothing happened, the 64-bit
// class counters, restarted from 0, have gone past the last reading (no counter went back), and
// only the policies' discontinuity time moved (from 0 to the sysUpTime of the reboot). To the
// collector that is what a policy's counters reset while the router stays up look like (the
// service-policy re-applied, its counters cleared); a real agent's policy attached at boot reads
// 0 both before and after a reboot (the MIB's 0: none since the agent started), so a hidden
// reboot is caught only for a policy whose time was not 0. That interval gives no class rate (the baseline
// restarts); the next gives the engine's rates. Two pollers read the same agent at the same
// instants: one walks interfaces and classes in one GETBULK, the other (max-repetitions past
// MAX_JOINT_VARBINDS) walks them apart. Either reads each planned policy's time as one
// non-repeater of its interface walk's first request: the joint poll reads as many varbinds as before the times
// were read, and one more per policy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { compileClassRules } from '../../collector/classify.ts';
import { DevicePoller, MAX_JOINT_VARBINDS } from '../../collector/poller.ts';
import type { DropCounters, DropReason, PollerMetrics } from '../../collector/metrics.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME } from '../../collector/discovery/cisco-cbqos.ts';
import { get, asCounter, asNumber } from '../../collector/snmp/index.ts';
import { openSession } from '../../collector/snmp/session.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { freeUdpPort } from '../helpers/ports.ts';

const log = pino({ level: 'silent' });
const example = loadConfig(defaultConfigDir);
const simulation = loadSimulationConfig(defaultConfigDir, example.topology);
const CBQOS_ROUTER = 'thanh-hoa-core-1';
const INTERVAL_MS = 60_000;
/** The first poll, after the router's boot at startMs: the baselines (30 s of counting). */
const FIRST_POLL_MS = 30_000;
/** The hidden reboot, 1 s after the first poll. */
const REBOOT_MS = FIRST_POLL_MS + 1_000;
/** Varbinds of the steady joint poll before the policies' discontinuity times were read (49574dc^; 766 as a column walk). */
const JOINT_VARBINDS_WITHOUT_TIMES = 501;

let topology: TopologyConfig;
let sim: Simulator;
let nowMs = Date.parse('2025-06-02T03:30:00Z'); // the busy hour: every class carries traffic
const now = (): number => nowMs;
const startMs = nowMs;

beforeAll(async () => {
  const routers = example.topology.routers.filter((r) => r.id === CBQOS_ROUTER);
  for (const r of routers) r.address = `127.0.0.1:${await freeUdpPort()}`;
  const links = example.topology.links.filter((l) => l.router === CBQOS_ROUTER);
  const provinces = example.topology.provinces.filter((p) => links.some((l) => l.province === p.id));
  topology = { provinces, routers, links };
  sim = new Simulator({ topology, simulation, log, now, startAtMs: startMs });
  await sim.start();
});
afterAll(async () => {
  await sim?.stop();
});

/** Drops counted by reason, for class counters only. */
class ClassDrops implements PollerMetrics {
  readonly byReason = new Map<DropReason, number>();
  sampleDropped(reason: DropReason, counters: DropCounters): void {
    if (counters === 'class') this.byReason.set(reason, (this.byReason.get(reason) ?? 0) + 1);
  }
}

const classSamples = (batch: PollBatch): LinkSample[] => batch.links.filter((s) => s.class !== 'total');

/** |measured − truth| within 1 % of the truth (1 kbit/s near zero). */
function expectClose(measured: number, truth: number, what: string): void {
  expect(Math.abs(measured - truth), `${what}: measured ${measured}, truth ${truth}`).toBeLessThanOrEqual(Math.max(0.01 * Math.abs(truth), 1_000));
}

describe('cbQosPolicyDiscontinuityTime', () => {
  it('a reboot hidden by a sysUpTime jump: no class rate for that interval, the engine rates after', async () => {
    const router = topology.routers[0]!;
    const control = sim.router(CBQOS_ROUTER)!;
    // Counting from 0 at startMs: the first poll's counters are 30 s of traffic.
    control.reboot(startMs);
    const pollerWith = (maxRepetitions: number | undefined) => {
      const metrics = new ClassDrops();
      const poller = new DevicePoller({
        router,
        links: topology.links,
        collector: { intervalMs: INTERVAL_MS, timeoutMs: 1_000, retries: 1, maxUtilization: 1.1 },
        classifier: compileClassRules(example.classRules),
        log,
        now,
        metrics,
        ...(maxRepetitions !== undefined ? { maxRepetitions } : {}),
      });
      return { poller, metrics };
    };
    const pollers = [pollerWith(undefined), pollerWith(MAX_JOINT_VARBINDS)];
    const pollAll = async (): Promise<PollBatch[]> => {
      const batches: PollBatch[] = [];
      for (const { poller } of pollers) {
        const batch = await poller.poll();
        expect(batch.poll.ok, batch.poll.error).toBe(true);
        batches.push(batch);
      }
      return batches;
    };
    const raw = openSession(router.address!, router.snmp, { timeoutMs: 1_000, retries: 1 });
    try {
      nowMs = startMs + FIRST_POLL_MS;
      for (const first of await pollAll()) expect(classSamples(first)).toEqual([]); // baselines only
      const members = pollers[0]!.poller.qosPlan!.counterMembers;
      expect(members.length).toBeGreaterThan(0);
      const policyRows = [...new Set(members.map((m) => m.policyRow))];
      expect(policyRows.every((row) => row !== undefined)).toBe(true);
      // What the agent serves at an instant: sysUpTime, each class's post-policy octets, each policy's discontinuity time.
      const agentAt = async () => {
        const oids = ['1.3.6.1.2.1.1.3.0', ...members.map((m) => m.oids.postPolicyBytes), ...policyRows.map((p) => `${CISCO_POLICY_DISCONTINUITY_TIME}.${p}`)];
        const { values } = await get(raw.session, raw.target, oids);
        return {
          uptimeCs: asNumber(values.get(oids[0]!)),
          post: members.map((m) => asCounter(values.get(m.oids.postPolicyBytes))),
          discontinuityCs: policyRows.map((p) => asNumber(values.get(`${CISCO_POLICY_DISCONTINUITY_TIME}.${p}`))),
        };
      };
      const before = await agentAt();
      expect(before.discontinuityCs.every((t) => t === 0)).toBe(true);

      // The reboot, and sysUpTime put back where it would have been without it.
      control.reboot(startMs + REBOOT_MS);
      control.jumpUptime(startMs + REBOOT_MS, REBOOT_MS);
      nowMs = startMs + FIRST_POLL_MS + INTERVAL_MS;
      const after = await agentAt();
      // sysUpTime moved by exactly the interval, no class counter went back: only the discontinuity time tells.
      expect(after.uptimeCs! - before.uptimeCs!).toBe(INTERVAL_MS / 10);
      after.post.forEach((octets, k) => expect(BigInt(octets!), members[k]!.key).toBeGreaterThanOrEqual(BigInt(before.post[k]!)));
      expect(after.post.filter((octets, k) => BigInt(octets!) > BigInt(before.post[k]!)).length).toBeGreaterThan(members.length / 2);
      expect(after.discontinuityCs.every((t) => t === REBOOT_MS / 10)).toBe(true);

      const hiddenBatches = await pollAll();
      for (const hidden of hiddenBatches) expect(classSamples(hidden)).toEqual([]);
      // A steady joint poll (one request): one varbind more per planned policy, its time.
      expect(hiddenBatches[0]!.poll.varbinds).toBe(JOINT_VARBINDS_WITHOUT_TIMES + policyRows.length);
      for (const { metrics } of pollers) {
        expect(metrics.byReason.get('discontinuity-time')).toBe(members.length);
        expect([...metrics.byReason.keys()].filter((r) => r !== 'first-reading' && r !== 'discontinuity-time')).toEqual([]);
      }

      // The next interval: every class of every link and direction, as the engine's.
      const fromMs = nowMs;
      nowMs += INTERVAL_MS;
      const nextBatches = await pollAll();
      expect(nextBatches[0]!.poll.varbinds).toBe(JOINT_VARBINDS_WITHOUT_TIMES + policyRows.length);
      for (const next of nextBatches) {
        const samples = classSamples(next);
        expect(samples).toHaveLength(topology.links.length * 8);
        for (const s of samples) {
          if (s.class === 'total') continue;
          const truth = sim.engine().truth(s.link, s.dir, fromMs, nowMs)[s.class];
          expect(s.intervalMs).toBe(INTERVAL_MS);
          expectClose(s.bitsPerSecond, truth.sentBps, `${s.link} ${s.dir} ${s.class} post-policy`);
          expectClose(s.dropBitsPerSecond!, truth.dropBps, `${s.link} ${s.dir} ${s.class} drops`);
        }
      }
      for (const { metrics } of pollers) expect(metrics.byReason.get('discontinuity-time')).toBe(members.length);
    } finally {
      raw.close();
      for (const { poller } of pollers) poller.close();
    }
  });
});
