// The whole national example served by one Simulator, for correctness at its size (timing is
// the benchmarks' business): all 3,357 routers answer one GETBULK each, as themselves, with
// every link end configured on them; and the two ends of two-ended links count the same
// traffic — what a unit router sends up its uplink is what its province core receives on the
// link's interface, octet for octet, read at one simulated instant.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import snmp from 'net-snmp';
import { loadConfig } from '../../config/load.ts';
import type { TopologyConfig } from '../../config/schema.ts';
import { nationalDir, nationalPort } from '../../scripts/generate-national.ts';
import { loadSimulationConfig } from '../../simulator/sim-config.ts';
import { Simulator } from '../../simulator/simulator.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { get, getBulk, type Varbind } from '../helpers/snmp-client.ts';

const national = loadConfig(nationalDir, { env: {} });
const simulation = loadSimulationConfig(nationalDir, national.topology);
const oid = {
  sysName: '1.3.6.1.2.1.1.5',
  ifName: '1.3.6.1.2.1.31.1.1.1.1',
  ifHCInOctets: '1.3.6.1.2.1.31.1.1.1.6',
  ifHCOutOctets: '1.3.6.1.2.1.31.1.1.1.10',
};

let topology: TopologyConfig;
let sim: Simulator;
let nowMs = Date.parse('2025-06-03T03:00:00Z'); // 10:00 in Việt Nam
const now = (): number => nowMs;

beforeAll(async () => {
  // The example's addresses on a free port, away from a demo serving it.
  const port = await freeUdpPort();
  expect(port).not.toBe(nationalPort);
  topology = { ...national.topology, routers: national.topology.routers.map((r) => ({ ...r, address: r.address.replace(`:${nationalPort}`, `:${port}`) })) };
  sim = new Simulator({ topology, simulation, log: pino({ level: 'warn' }), now, startAtMs: nowMs });
  await sim.start();
}, 180_000);
afterAll(async () => {
  await sim?.stop();
});

const counter = (vb: Varbind | undefined): bigint => {
  expect(vb?.type).toBe(snmp.ObjectType.Counter64);
  return BigInt(`0x${(vb!.value as Buffer).toString('hex') || '0'}`);
};

describe('the national example in one simulator', () => {
  it('every one of the 3,357 routers answers as itself, with every link end configured on it', async () => {
    expect(topology.routers).toHaveLength(3_357);
    const endsOf = new Map<string, string[]>();
    for (const l of topology.links) {
      endsOf.set(l.router, [...(endsOf.get(l.router) ?? []), l.ifName]);
      if (l.far) endsOf.set(l.far.router, [...(endsOf.get(l.far.router) ?? []), l.far.ifName]);
    }
    const problems: string[] = [];
    let next = 0;
    const worker = async (): Promise<void> => {
      for (;;) {
        const router = topology.routers[next++];
        if (!router) return;
        const ends = endsOf.get(router.id) ?? [];
        try {
          // Enough rows for the largest province core (168 units, its uplink, the management port, the loopback).
          const got = await getBulk(router, [oid.sysName, oid.ifName], 1, ends.length + 3);
          if (String(got[0]?.value) !== router.id) problems.push(`${router.id}: sysName ${String(got[0]?.value)}`);
          const names = new Set(got.slice(1).filter((vb) => vb.oid.startsWith(`${oid.ifName}.`)).map((vb) => String(vb.value)));
          const missing = ends.filter((n) => !names.has(n));
          if (missing.length > 0) problems.push(`${router.id}: no ${missing.join(', ')}`);
        } catch (err) {
          problems.push(`${router.id}: ${err instanceof Error ? err.message : String(err)}`);
        }
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(problems).toEqual([]);
    expect(next).toBeGreaterThanOrEqual(3_357);
  }, 240_000);

  it("a unit router's upstream out-octets are its core's in-octets on the link, octet for octet", async () => {
    // One two-ended tier-2 link per province, and every tier-1 link.
    const sample = [...topology.links.filter((l) => l.tier === 1), ...topology.provinces.map((p) => topology.links.find((l) => l.tier === 2 && l.province === p.id)!)];
    const routerOf = new Map(topology.routers.map((r) => [r.id, r]));
    const ifIndexOf = (routerId: string, ifName: string): number => sim.router(routerId)!.ifIndexOf(ifName)!;
    const read = async (): Promise<Map<string, { nearIn: bigint; nearOut: bigint; farIn: bigint; farOut: bigint }>> => {
      const out = new Map<string, { nearIn: bigint; nearOut: bigint; farIn: bigint; farOut: bigint }>();
      for (const l of sample) {
        const near = ifIndexOf(l.router, l.ifName);
        const far = ifIndexOf(l.far!.router, l.far!.ifName);
        const [nearIn, nearOut] = await get(routerOf.get(l.router)!, [`${oid.ifHCInOctets}.${near}`, `${oid.ifHCOutOctets}.${near}`]);
        const [farIn, farOut] = await get(routerOf.get(l.far!.router)!, [`${oid.ifHCInOctets}.${far}`, `${oid.ifHCOutOctets}.${far}`]);
        out.set(l.id, { nearIn: counter(nearIn), nearOut: counter(nearOut), farIn: counter(farIn), farOut: counter(farOut) });
      }
      return out;
    };
    nowMs += 60_000;
    const a = await read();
    nowMs += 60_000;
    const b = await read();
    for (const l of sample) {
      const x = a.get(l.id)!;
      const y = b.get(l.id)!;
      const up = y.farOut - x.farOut;
      const down = y.nearOut - x.nearOut;
      expect(up, l.id).toBeGreaterThan(0n);
      expect(down, l.id).toBeGreaterThan(0n);
      expect(y.nearIn - x.nearIn, `${l.id} up`).toBe(up);
      expect(y.farIn - x.farIn, `${l.id} down`).toBe(down);
      // And both are the engine's: what went up the link in that minute.
      expect(Number(up), l.id).toBe(Number(sim.engine().read(l.id, 'up', nowMs).totalOctets - sim.engine().read(l.id, 'up', nowMs - 60_000).totalOctets));
    }
  }, 120_000);
});
