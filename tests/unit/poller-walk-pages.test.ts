// A GETBULK walk of several requests: sysUpTime.0 rides in every request, and each row is
// stamped with the answer that carried it (its receive time and its sysUpTime), so a row on a
// later page, answered after a retry, is measured over its own interval. The agent here is
// scripted in net-snmp's session shape: its clock moves between the pages as told.
import snmp from 'net-snmp';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { InterfaceSampler } from '../../collector/interface-samples.ts';
import { ColumnTable, compareOids, readTable, type SnmpSession } from '../../collector/snmp/index.ts';
import { IF_MIB, SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import type { LinkConfig } from '../../config/schema.ts';

const T0 = Date.UTC(2026, 10, 27, 8, 0, 0);
/** 100 Mbit/s in and out on every interface. */
const octetsPerSecond = 12_500_000;
const sysUpTimeColumn = SNMPV2_MIB.sysUpTime.slice(0, -2);

interface Varbind {
  oid: string;
  type: number;
  value: unknown;
}

interface Request {
  oids: string[];
  nonRepeaters: number;
}

/**
 * An agent up since T0 with ifName, ifHCInOctets and ifHCOutOctets of rows 1–3; each request
 * is answered `delaysMs[n]` after the one before (a retry, a slow agent), its counters and
 * sysUpTime as of then.
 */
class ScriptedAgent {
  readonly requests: Request[] = [];
  wallMs: number;
  #delaysMs: number[] = [];

  constructor(startMs: number) {
    this.wallMs = startMs;
  }

  /** The next poll's answers: the first after `delaysMs[0]`, each next after its delay. */
  script(delaysMs: number[]): void {
    this.#delaysMs = [...delaysMs];
  }

  #table(): Varbind[] {
    const upSeconds = (this.wallMs - T0) / 1000;
    const octets = BigInt(Math.round(octetsPerSecond * upSeconds));
    const out: Varbind[] = [];
    for (const index of [1, 2, 3]) {
      out.push({ oid: `${IF_MIB.ifName}.${index}`, type: snmp.ObjectType.OctetString, value: Buffer.from(`ge-0/0/${index}`) });
      out.push({ oid: `${IF_MIB.ifHCInOctets}.${index}`, type: snmp.ObjectType.Counter64, value: octets });
      out.push({ oid: `${IF_MIB.ifHCOutOctets}.${index}`, type: snmp.ObjectType.Counter64, value: octets });
    }
    return out.sort((a, b) => compareOids(a.oid, b.oid));
  }

  getBulk(oids: string[], nonRepeaters: number, maxRepetitions: number, callback: (error: Error | null, varbinds: unknown[]) => void): void {
    this.requests.push({ oids: [...oids], nonRepeaters });
    this.wallMs += this.#delaysMs.shift() ?? 0;
    const table = this.#table();
    const nextAfter = (oid: string): Varbind => table.find((vb) => compareOids(vb.oid, oid) > 0) ?? { oid, type: snmp.ObjectType.EndOfMibView, value: null };
    const answer: unknown[] = [];
    for (let i = 0; i < nonRepeaters; i++) {
      const oid = oids[i]!;
      answer.push(oid === sysUpTimeColumn ? { oid: SNMPV2_MIB.sysUpTime, type: snmp.ObjectType.TimeTicks, value: Math.round((this.wallMs - T0) / 10) } : nextAfter(oid));
    }
    for (const oid of oids.slice(nonRepeaters)) {
      const list: Varbind[] = [];
      let cursor = oid;
      for (let k = 0; k < maxRepetitions; k++) {
        const vb = nextAfter(cursor);
        list.push(vb);
        cursor = vb.oid;
      }
      answer.push(list);
    }
    setImmediate(() => callback(null, answer));
  }

  session(): SnmpSession {
    return this as unknown as SnmpSession;
  }
}

const columns = [IF_MIB.ifName, IF_MIB.ifHCInOctets, IF_MIB.ifHCOutOctets];

describe('a walk of several pages', () => {
  it('asks sysUpTime.0 in every request and stamps a row from a later page with that page’s sysUpTime and time', async () => {
    const agent = new ScriptedAgent(T0 + 10_000);
    // Page 1 (rows 1 and 2) at once; page 2 (row 3) 3 s later (a retry).
    agent.script([0, 3_000, 0]);
    const table = new ColumnTable(columns);
    const read = await readTable(agent.session(), 'scripted', table, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions: 2, now: () => agent.wallMs });

    expect(agent.requests.length).toBeGreaterThanOrEqual(2);
    for (const request of agent.requests) {
      expect(request.nonRepeaters).toBe(1);
      expect(request.oids[0]).toBe(sysUpTimeColumn);
    }
    for (const col of table.columns) expect(col.index.slice(0, col.count)).toEqual(['1', '2', '3']);
    // The first answer's scalars, and when it came.
    expect(read.scalars.get(SNMPV2_MIB.sysUpTime)).toBe(1_000);
    expect(read.scalarsAtMs).toBe(T0 + 10_000);
    // Rows 1 and 2 came in the first answer, row 3 in the second, 3 s later.
    for (const col of table.columns) {
      expect(col.pages[0]?.scalars.get(SNMPV2_MIB.sysUpTime)).toBe(1_000);
      expect(col.pages[1]?.atMs).toBe(T0 + 10_000);
      expect(col.pages[2]?.scalars.get(SNMPV2_MIB.sysUpTime)).toBe(1_300);
      expect(col.pages[2]?.atMs).toBe(T0 + 13_000);
    }
  });

  it('measures a row answered after a retry over its own interval: 100 Mbit/s, not 130', async () => {
    const agent = new ScriptedAgent(T0 + 10_000);
    const link = (id: string, index: number): LinkConfig => ({ id, tier: 2, province: 'ha-noi', router: 'r1', ifName: `ge-0/0/${index}`, downIs: 'out', capacityBps: 1_000_000_000 });
    const sampler = new InterfaceSampler({ device: 'r1', links: [link('first-page', 1), link('later-page', 3)], intervalMs: 10_000, maxUtilization: 1.05, log: pino({ level: 'silent' }), now: () => agent.wallMs });
    const poll = async (delaysMs: number[]) => {
      agent.script(delaysMs);
      const table = new ColumnTable(columns);
      const read = await readTable(agent.session(), 'scripted', table, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions: 2, now: () => agent.wallMs });
      return sampler.sample(table, read.scalarsAtMs, read.scalars.get(SNMPV2_MIB.sysUpTime) as number, false);
    };
    // Poll 1: both pages at once (t = 10 s). Poll 2: page 1 at t = 20 s, page 2 at t = 23 s.
    await poll([0, 0, 0]);
    agent.wallMs = T0 + 20_000;
    const round = await poll([0, 3_000, 0]);

    const byLink = new Map(round.interfaces.map((s) => [s.ifName, s]));
    expect(byLink.get('ge-0/0/1')).toMatchObject({ atMs: T0 + 20_000, intervalMs: 10_000, inBps: 100_000_000, outBps: 100_000_000 });
    expect(byLink.get('ge-0/0/3')).toMatchObject({ atMs: T0 + 23_000, intervalMs: 13_000, inBps: 100_000_000, outBps: 100_000_000 });
    const laterDown = round.links.find((s) => s.link === 'later-page' && s.dir === 'down');
    expect(laterDown).toMatchObject({ atMs: T0 + 23_000, intervalMs: 13_000, bitsPerSecond: 100_000_000 });
  });
});
