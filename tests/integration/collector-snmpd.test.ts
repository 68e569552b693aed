// The collector against a real Net-SNMP snmpd (v2c and v3 authPriv), polling `lo` while the
// test makes loopback traffic. Rates are checked against counter deltas read by Net-SNMP's
// own `snmpget`. snmpd caches interface counters for ~3 s, so each of our polls is bracketed
// by two snmpget reads: when both agree, our poll saw exactly that value.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket, type Socket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { betweenSnmpgets, readWhileStill, startSnmpd, type SnmpdHandle } from '../helpers/snmpd.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { sharedSnmpsim } from '../helpers/snmpsim.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { DevicePoller, OID, type DevicePollerOptions } from '../../collector/poller.ts';
import { Collector } from '../../collector/collector.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { openSession, readColumns, get, compareOids, asCounter, asText, SnmpError } from '../../collector/snmp/index.ts';
import type { LinkConfig, RouterConfig, SnmpConfig, LanewatchConfig } from '../../config/schema.ts';
import { settingsSchema } from '../../config/schema.ts';
import type { PollBatch } from '../../collector/samples.ts';
import { pause, waitFor } from '../helpers/wait.ts';
import { captureLog } from '../helpers/log-capture.ts';

const COMMUNITY = 'lw-test-ro';
const V3 = { user: 'lwtest', authKey: 'lw-auth-key-123', privKey: 'lw-priv-key-123' };
const LO_CAPACITY_BPS = 100_000_000_000;

let snmpd: SnmpdHandle;

beforeAll(async () => {
  snmpd = await startSnmpd({ community: COMMUNITY, v3: V3 });
});

afterAll(async () => {
  await snmpd?.stop();
});

const v2c: SnmpConfig = { version: '2c', community: COMMUNITY };
const v3: SnmpConfig = { version: '3', user: V3.user, authProtocol: 'sha', authKey: V3.authKey, privProtocol: 'aes', privKey: V3.privKey };

function router(id: string, address: string, snmp: SnmpConfig): RouterConfig {
  return { id, address, snmp, province: 'ha-noi' };
}

function loLink(routerId: string, over: Partial<LinkConfig> = {}): LinkConfig {
  return { id: `${routerId}-lo`, tier: 1, province: 'ha-noi', router: routerId, ifName: 'lo', capacityBps: LO_CAPACITY_BPS, downIs: 'out', ...over };
}

/** A poller of `router` for `links`, every 5 s with a 1 s timeout and one retry unless `collector` says otherwise; its log kept. */
function pollerOf(router: RouterConfig, links: LinkConfig[], collector: Partial<DevicePollerOptions['collector']> = {}) {
  const { log, lines } = captureLog();
  const poller = new DevicePoller({ router, links, collector: { intervalMs: 5_000, timeoutMs: 1_000, retries: 1, maxUtilization: 1.1, ...collector }, log });
  return { poller, lines };
}

/** Sends UDP datagrams to a local socket until stopped; counts payload bytes. */
async function loopbackTraffic(): Promise<{ sentBytes: () => number; stop: () => Promise<void> }> {
  const sink: Socket = createSocket('udp4');
  sink.on('message', () => {});
  await new Promise<void>((resolve) => sink.bind(0, '127.0.0.1', () => resolve()));
  const source: Socket = createSocket('udp4');
  const port = sink.address().port;
  const payload = Buffer.alloc(1200, 0x5a);
  let sent = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 20; i++) source.send(payload, port, '127.0.0.1', (err) => {
      if (!err) sent += payload.length;
    });
  }, 10);
  return {
    sentBytes: () => sent,
    stop: async () => {
      clearInterval(timer);
      await new Promise<void>((resolve) => source.close(() => resolve()));
      await new Promise<void>((resolve) => sink.close(() => resolve()));
    },
  };
}

const HC_IN_LO = `${OID.ifHCInOctets}.1`;
const HC_OUT_LO = `${OID.ifHCOutOctets}.1`;

interface Bracketed {
  batch: PollBatch;
  /** The counters our poll saw, when snmpget read the same values just before and after. */
  exact: { in: bigint; out: bigint } | undefined;
}

async function bracketedPoll(poller: DevicePoller): Promise<Bracketed> {
  const { got: batch, still } = await betweenSnmpgets(snmpd.target, COMMUNITY, [HC_IN_LO, HC_OUT_LO], () => poller.poll());
  return { batch, exact: still && { in: BigInt(still[0] ?? ''), out: BigInt(still[1] ?? '') } };
}


describe.each([
  ['v2c', v2c],
  ['v3 authPriv (SHA/AES)', v3],
])('polling lo over %s', (_name, snmp) => {
  it('first poll yields only the outcome; the next yields rates that match snmpget deltas', async () => {
    const intervalMs = 6_000;
    const id = `r-${snmp.version}`;
    const { poller } = pollerOf(router(id, snmpd.target, snmp), [loLink(id)], { intervalMs });
    const traffic = await loopbackTraffic();
    try {
      let prev = await bracketedPoll(poller);
      expect(prev.batch.poll).toMatchObject({ ok: true, device: id, province: 'ha-noi' });
      expect(prev.batch.poll.varbinds).toBeGreaterThan(0);
      expect(prev.batch.links).toEqual([]);
      expect(prev.batch.interfaces).toEqual([]);

      let compared = false;
      for (let attempt = 0; attempt < 4 && !compared; attempt++) {
        const sentAtStart = traffic.sentBytes();
        await pause(intervalMs);
        const sentBytes = traffic.sentBytes() - sentAtStart;
        const cur = await bracketedPoll(poller);
        expect(cur.batch.poll.ok).toBe(true);
        expect(cur.batch.interfaces).toHaveLength(1);
        expect(cur.batch.links).toHaveLength(2);
        const iface = cur.batch.interfaces[0]!;
        expect(iface).toMatchObject({ device: id, ifName: 'lo', province: 'ha-noi', operUp: true });
        // Δt from sysUpTime (live in snmpd) agrees with the wall clock.
        expect(iface.intervalMs).toBeGreaterThan(intervalMs - 1_000);
        expect(iface.intervalMs).toBeLessThan(intervalMs + 2_000);
        const down = cur.batch.links.find((l) => l.dir === 'down')!;
        const up = cur.batch.links.find((l) => l.dir === 'up')!;
        // downIs: out → down is the out counter, up the in counter.
        expect(down).toMatchObject({ link: `${id}-lo`, class: 'total', capacityBps: LO_CAPACITY_BPS, tier: 1 });
        expect(down.bitsPerSecond).toBe(iface.outBps);
        expect(up.bitsPerSecond).toBe(iface.inBps);
        expect(down.utilization).toBeCloseTo(down.bitsPerSecond / LO_CAPACITY_BPS, 12);

        if (prev.exact && cur.exact) {
          const snmpgetIn = Number(cur.exact.in - prev.exact.in);
          const snmpgetOut = Number(cur.exact.out - prev.exact.out);
          // Our rate × Δt / 8 is exactly the octets snmpget saw move.
          expect(Math.abs((iface.inBps * iface.intervalMs) / 8_000 - snmpgetIn)).toBeLessThan(0.5);
          expect(Math.abs((iface.outBps * iface.intervalMs) / 8_000 - snmpgetOut)).toBeLessThan(0.5);
          // Our traffic is in there: snmpd's ~3 s cache means at least half of the interval's.
          expect(snmpgetIn).toBeGreaterThan(sentBytes * 0.4);
          compared = true;
        }
        prev = cur;
      }
      expect(compared, 'snmpget brackets never agreed in 4 attempts').toBe(true);
    } finally {
      await traffic.stop();
    }
  }, 60_000);
});

describe('SNMP reads against snmpd', () => {
  it('paging with maxRepetitions 1 reads the same rows as one big page', async () => {
    const open = openSession(snmpd.target, v2c, { timeoutMs: 1_000, retries: 1 });
    try {
      const columns = [OID.ifName, OID.ifOperStatus, OID.ifHighSpeed];
      const small = await readColumns(open.session, open.target, columns, { maxRepetitions: 1 });
      const big = await readColumns(open.session, open.target, columns, { maxRepetitions: 50 });
      expect(small.requests).toBeGreaterThan(big.requests);
      expect([...small.rows.keys()]).toEqual([...big.rows.keys()]);
      expect(small.rows.get('1')?.get(OID.ifName)?.toString()).toBe('lo');
      expect(small.rows.get('1')?.get(OID.ifOperStatus)).toBe(1);
    } finally {
      open.close();
    }
  });

  it('a column and a scalar the agent lacks are absent, not errors', async () => {
    const open = openSession(snmpd.target, v2c, { timeoutMs: 1_000, retries: 1 });
    try {
      const missingColumn = '1.3.6.1.2.1.31.1.1.1.99';
      const read = await readColumns(open.session, open.target, [OID.ifName, missingColumn], {
        scalars: [OID.sysUpTime, '1.3.6.1.2.1.1.99.0'],
      });
      expect(read.scalars.get(OID.sysUpTime)).toBeTypeOf('number');
      expect(read.scalars.has('1.3.6.1.2.1.1.99.0')).toBe(false);
      expect(read.rows.size).toBeGreaterThan(0);
      for (const row of read.rows.values()) expect(row.has(missingColumn)).toBe(false);
      const got = await get(open.session, open.target, [OID.sysUpTime, '1.3.6.1.2.1.1.99.0']);
      expect(got.values.get(OID.sysUpTime)).toBeTypeOf('number');
      expect(got.values.has('1.3.6.1.2.1.1.99.0')).toBe(false);
    } finally {
      open.close();
    }
  });

  it('Counter64 values arrive equal to snmpget (a number below 2^53)', async () => {
    const open = openSession(snmpd.target, v3, { timeoutMs: 1_000, retries: 1 });
    try {
      // ifHighSpeed/ifName do not move; compare a counter bracketed by snmpget reads.
      const { got, still } = await readWhileStill(snmpd.target, COMMUNITY, [HC_IN_LO], () => get(open.session, open.target, [HC_IN_LO]));
      expect(got.values.get(HC_IN_LO)).toBe(Number(still[0] ?? ''));
    } finally {
      open.close();
    }
  });
});

describe('failures are values', () => {
  it('v3 with a wrong auth key is an auth error, not a crash', async () => {
    const bad: SnmpConfig = { ...v3, authKey: 'not-the-right-key' } as SnmpConfig;
    const { poller } = pollerOf(router('r-bad', snmpd.target, bad), [loLink('r-bad')], { retries: 0 });
    const batch = await poller.poll();
    expect(batch.poll.ok).toBe(false);
    expect(batch.poll.error).toMatch(/^auth: /);
    expect(batch.links).toEqual([]);
    const open = openSession(snmpd.target, bad, { timeoutMs: 1_000, retries: 0 });
    try {
      const err = await readColumns(open.session, open.target, [OID.ifName]).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SnmpError);
      expect((err as SnmpError).kind).toBe('auth');
      expect((err as SnmpError).cause).toBeInstanceOf(Error);
    } finally {
      open.close();
    }
  });

  it('v3 with a wrong privacy key fails as a value too', async () => {
    const bad: SnmpConfig = { ...v3, privKey: 'not-the-right-key' } as SnmpConfig;
    const { poller } = pollerOf(router('r-badpriv', snmpd.target, bad), [loLink('r-badpriv')], { timeoutMs: 500, retries: 0 });
    const batch = await poller.poll();
    expect(batch.poll.ok).toBe(false);
    expect(batch.poll.error).toMatch(/^(auth|timeout): /);
  });

  it('a link whose ifName the router lacks is logged once, the others still sampled', async () => {
    const { poller, lines } = pollerOf(router('r-missing', snmpd.target, v2c), [loLink('r-missing'), loLink('r-missing', { id: 'ghost', ifName: 'Gi0/9/9' })]);
    for (let i = 0; i < 3; i++) {
      const batch = await poller.poll();
      expect(batch.poll.ok).toBe(true);
      expect(batch.links.every((l) => l.link === 'r-missing-lo')).toBe(true);
    }
    const missing = lines.filter((l) => l.msg === 'link interface not found on device');
    expect(missing).toHaveLength(1);
    expect(missing[0]).toMatchObject({ device: 'r-missing', link: 'ghost', ifName: 'Gi0/9/9' });
  });
});

describe('Collector scheduling', () => {
  it('a dead device does not delay a live one; polls of a device never overlap; state changes logged once', async () => {
    const deadPort = await freeUdpPort();
    const { log, lines } = captureLog();
    const settings = settingsSchema.parse({ collector: { intervalMs: 1_000, timeoutMs: 1_500, retries: 1, concurrency: 4 } });
    const config: LanewatchConfig = {
      dir: '(test)',
      settings,
      classRules: [],
      topology: {
        provinces: [{ id: 'ha-noi' }],
        routers: [router('live', snmpd.target, v2c), router('dead', `127.0.0.1:${deadPort}`, v2c)],
        links: [loLink('live'), loLink('dead')],
      },
      provinces: new Map(),
    };
    const bus = new LiveBus();
    const batches: PollBatch[] = [];
    bus.subscribe((b) => batches.push(b));
    const collector = new Collector({ config, bus, log });
    collector.start();
    try {
      // The dead device needs 1.5 s + 2.25 s (backoff) per poll; wait for its second outcome.
      await waitFor("the dead device's second outcome", () => batches.filter((b) => b.poll.device === 'dead').length >= 2, { intervalMs: 100 });
    } finally {
      await collector.stop();
    }
    const live = batches.filter((b) => b.poll.device === 'live');
    const dead = batches.filter((b) => b.poll.device === 'dead');
    expect(dead.length).toBeGreaterThanOrEqual(2);
    expect(dead.every((b) => !b.poll.ok && /^timeout: /.test(b.poll.error ?? ''))).toBe(true);
    // While one dead poll takes ~3.75 s, the live device kept its 1 s schedule.
    const firstDeadAt = dead[0]!.poll.atMs;
    expect(live.filter((b) => b.poll.atMs <= firstDeadAt).length).toBeGreaterThanOrEqual(2);
    expect(live.every((b) => b.poll.ok && b.poll.latencyMs < 1_000)).toBe(true);
    expect(live.some((b) => b.links.length === 2)).toBe(true);
    // Polls of the dead device never overlapped: each started after the previous ended.
    for (let i = 1; i < dead.length; i++) {
      const start = dead[i]!.poll.atMs - dead[i]!.poll.latencyMs;
      expect(start).toBeGreaterThanOrEqual(dead[i - 1]!.poll.atMs);
    }
    const downLogs = lines.filter((l) => l.msg === 'device down');
    expect(downLogs).toHaveLength(1);
    expect(downLogs[0]).toMatchObject({ device: 'dead' });
    const health = collector.health();
    expect(health).toMatchObject({ running: false, devices: 2, devicesUp: 1 });
    expect(health.lastPollAtMs).toBeTypeOf('number');
  }, 40_000);
});

// A real-router recording (tests/fixtures/snmprec/librenms, from LibreNMS) and a live recording
// of our own, served by Debian's snmpsimd: agents without sysUpTime, HC columns that end early,
// 32-bit only.

/** A small router whose counters move (snmpsim `numeric`): HC on Gi0/0/0, 32-bit only on Gi0/0/1. */
function liveRecording(): string {
  const lines = [
    `${OID.sysUpTime}|67:numeric|initial=100000,rate=100`,
    `${OID.ifName}.1|4|Gi0/0/0`,
    `${OID.ifName}.2|4|Gi0/0/1`,
    `${OID.ifHCInOctets}.1|70:numeric|initial=1000000000,rate=1250000`,
    `${OID.ifHCOutOctets}.1|70:numeric|initial=5000000,rate=125000`,
    `${OID.ifHighSpeed}.1|66|100`,
    `${OID.ifHighSpeed}.2|66|100`,
    `${OID.ifOperStatus}.1|2|1`,
    `${OID.ifOperStatus}.2|2|2`,
    `${OID.ifInOctets}.2|65:numeric|initial=1000,rate=250000`,
    `${OID.ifOutOctets}.2|65:numeric|initial=1000,rate=25000`,
    `${OID.ifInErrors}.1|65|0`,
    `${OID.ifOutErrors}.1|65|0`,
  ];
  lines.sort((a, b) => compareOids(a.split('|')[0] ?? '', b.split('|')[0] ?? ''));
  return lines.join('\n') + '\n';
}

describe('real-device recordings and moving counters (snmpsim)', () => {
  /** The recorded IOS XR router (its community: the file name without `.snmprec`). */
  const c8200 = 'iosxr_c8200-400g.snmprec';
  let liveDir: string;
  let live: string;
  /** A missing recording fails each test here, naming the file. */
  const snmpsim = sharedSnmpsim(() => [live, fixturePath('snmprec', 'librenms', c8200)]);

  beforeAll(async () => {
    liveDir = mkdtempSync(join(tmpdir(), 'lanewatch-liverec-'));
    chmodSync(liveDir, 0o755);
    live = join(liveDir, 'lw-live-router.snmprec');
    writeFileSync(live, liveRecording());
    chmodSync(live, 0o644);
    await snmpsim.start();
  }, 90_000);

  afterAll(async () => {
    await snmpsim.stop();
    if (liveDir) rmSync(liveDir, { recursive: true, force: true });
  });

  it('reads a recorded IOS XR router: no sysUpTime, HC columns ending early, paging', async () => {
    const sim = await snmpsim.get();
    const open = openSession(sim.address, { version: '2c', community: sim.community(c8200) }, { timeoutMs: 2_000, retries: 1 });
    try {
      const read = await readColumns(open.session, open.target, [OID.ifName, OID.ifHCInOctets, OID.ifHCOutOctets, OID.ifHighSpeed], {
        scalars: [OID.sysUpTime],
        maxRepetitions: 10,
      });
      expect(read.scalars.has(OID.sysUpTime)).toBe(false);
      const named = [...read.rows.values()].filter((r) => r.has(OID.ifName));
      const hc = [...read.rows.values()].filter((r) => r.has(OID.ifHCInOctets));
      // tests/fixtures/snmprec/librenms/README.md: 92 ifName rows, 47 with HC counters.
      expect(named).toHaveLength(92);
      expect(hc).toHaveLength(47);
      expect(read.requests).toBeGreaterThan(5);
      for (const row of hc) expect(asCounter(row.get(OID.ifHCInOctets))).toBe(row.get(OID.ifHCInOctets));
    } finally {
      open.close();
    }
  });

  it('polls the recorded router: static counters give 0 bps on wall-clock Δt; ifHighSpeed gives capacity', async () => {
    const sim = await snmpsim.get();
    // Find an HC interface and one without counters from the recording itself.
    const open = openSession(sim.address, { version: '2c', community: sim.community(c8200) }, { timeoutMs: 2_000, retries: 1 });
    let withHc = '';
    let withoutHc = '';
    let highSpeedMbps = 0;
    try {
      const read = await readColumns(open.session, open.target, [OID.ifName, OID.ifHCInOctets, OID.ifHighSpeed]);
      for (const row of read.rows.values()) {
        const name = asText(row.get(OID.ifName));
        const speed = row.get(OID.ifHighSpeed);
        if (!name) continue;
        if (row.has(OID.ifHCInOctets) && typeof speed === 'number' && speed > 0 && !withHc) {
          withHc = name;
          highSpeedMbps = speed;
        }
        if (!row.has(OID.ifHCInOctets) && !withoutHc) withoutHc = name;
      }
    } finally {
      open.close();
    }
    expect(withHc).not.toBe('');
    expect(withoutHc).not.toBe('');
    const r = router('c8200', sim.address, { version: '2c', community: sim.community(c8200) });
    const { poller, lines } = pollerOf(r, [loLink('c8200', { id: 'hc', ifName: withHc, capacityBps: undefined }), loLink('c8200', { id: 'nohc', ifName: withoutHc })], { timeoutMs: 2_000 });
    const first = await poller.poll();
    expect(first.poll.ok).toBe(true);
    await pause(1_000);
    const second = await poller.poll();
    expect(second.poll.ok).toBe(true);
    await poller.poll();
    expect(second.interfaces.map((i) => i.ifName)).toEqual([withHc]);
    expect(second.links).toHaveLength(2);
    for (const l of second.links) {
      expect(l).toMatchObject({ link: 'hc', bitsPerSecond: 0, utilization: 0, capacityBps: highSpeedMbps * 1_000_000 });
      // No sysUpTime: Δt is the wall time between the polls.
      expect(l.intervalMs).toBeGreaterThanOrEqual(900);
    }
    expect(lines.filter((l) => l.msg === 'interface has no octet counters')).toHaveLength(1);
  });

  it('moving counters: HC and 32-bit fallback rates match the recording, Δt from sysUpTime', async () => {
    const sim = await snmpsim.get();
    const r = router('live', sim.address, { version: '2c', community: 'lw-live-router' });
    const { poller } = pollerOf(
      r,
      [loLink('live', { id: 'hc-link', ifName: 'Gi0/0/0', capacityBps: undefined }), loLink('live', { id: 'low-link', ifName: 'Gi0/0/1', capacityBps: 1_000_000_000, downIs: 'in' })],
      { timeoutMs: 2_000 },
    );
    expect((await poller.poll()).poll.ok).toBe(true);
    await pause(2_500);
    const batch = await poller.poll();
    expect(batch.poll.ok).toBe(true);
    const hc = batch.interfaces.find((i) => i.ifName === 'Gi0/0/0')!;
    const low = batch.interfaces.find((i) => i.ifName === 'Gi0/0/1')!;
    // snmpsim computes initial + rate × t when it answers: 10 Mbit/s in, 1 Mbit/s out.
    expect(hc.inBps).toBeGreaterThan(9_500_000);
    expect(hc.inBps).toBeLessThan(10_500_000);
    expect(hc.outBps).toBeGreaterThan(950_000);
    expect(hc.outBps).toBeLessThan(1_050_000);
    expect(hc.operUp).toBe(true);
    // 32-bit only interface: 2 Mbit/s in, 0.2 Mbit/s out; operStatus down(2).
    expect(low.inBps).toBeGreaterThan(1_900_000);
    expect(low.inBps).toBeLessThan(2_100_000);
    expect(low.operUp).toBe(false);
    const hcDown = batch.links.find((l) => l.link === 'hc-link' && l.dir === 'down')!;
    expect(hcDown.bitsPerSecond).toBe(hc.outBps);
    expect(hcDown.capacityBps).toBe(100_000_000); // ifHighSpeed 100 Mbit/s
    expect(hcDown.utilization).toBeCloseTo(hc.outBps / 100_000_000, 12);
    // downIs: in → down is the in counter.
    expect(batch.links.find((l) => l.link === 'low-link' && l.dir === 'down')?.bitsPerSecond).toBe(low.inBps);
    // sysUpTime moves 100 ticks/s in step with the wall clock: Δt is a whole number of centiseconds.
    expect(hc.intervalMs % 10).toBe(0);
    expect(hc.intervalMs).toBeGreaterThan(2_000);
    expect(hc.intervalMs).toBeLessThan(3_500);
  });
});
