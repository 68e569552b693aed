// Instances of one sub-identifier index read as non-repeaters of a walk (collector/snmp/read.ts):
// getNextRequestOidFor (pure: the OID whose GETNEXT answers an instance), and walks over v2c
// (the collector's client) and SNMPv3 (net-snmp) against the simulator's agent on loopback
// whose scalars are sysUpTime.0 and rows of a table indexed by one integer (Cisco's
// cbQosPolicyDiscontinuityTime): each present instance read from the first answer, an absent
// one (the GETNEXT answers another row or the next object) left out.
import { afterEach, describe, expect, it } from 'vitest';
import { startInProcessAgent } from '../helpers/in-process-agent.ts';
import { getNextRequestOidFor } from '../../collector/snmp/read.ts';
import { readColumns, walkColumns, type SnmpSession } from '../../collector/snmp/index.ts';
import { SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import { CISCO_POLICY_DISCONTINUITY_TIME } from '../../collector/discovery/cisco-cbqos.ts';
import type { MibInstance, MibTree } from '../../simulator/agent/router-agent.ts';
import { encodeOid } from '../../simulator/agent/ber.ts';
import { compareOids, parseOid, type Oid } from '../../simulator/mib/oid.ts';
import { counter64, timeTicks, type SnmpValue as AgentValue } from '../../simulator/mib/value.ts';

describe('getNextRequestOidFor', () => {
  it.each([
    ['a scalar: X.0 → X', '1.3.6.1.2.1.1.3.0', '1.3.6.1.2.1.1.3'],
    ['row 1 → row 0', `${CISCO_POLICY_DISCONTINUITY_TIME}.1`, `${CISCO_POLICY_DISCONTINUITY_TIME}.0`],
    ['row p → row p − 1', `${CISCO_POLICY_DISCONTINUITY_TIME}.719614`, `${CISCO_POLICY_DISCONTINUITY_TIME}.719613`],
    ['row 10 → row 9 (one digit fewer)', '1.3.6.1.2.1.2.2.1.10.10', '1.3.6.1.2.1.2.2.1.10.9'],
    ['the highest sub-identifier', '1.3.6.1.4.1.9.4294967295', '1.3.6.1.4.1.9.4294967294'],
    ['the shortest: a parent of two arcs', '1.3.0', '1.3'],
    ['the shortest, a row', '1.3.5', '1.3.4'],
  ])('%s: %s → %s', (_what, instance, request) => {
    expect(getNextRequestOidFor(instance)).toBe(request);
  });

  it.each([
    ['empty', ''],
    ['one arc', '0'],
    ['a parent of one arc', '1.0'],
    ['a trailing dot', '1.3.6.1.2.1.1.3.'],
    ['a leading dot', '.1.3.6.1.2.1.1.3.0'],
    ['an empty arc in the parent', '1.3..6.0'],
    ['a last arc with a leading zero (not canonical: another instance)', '1.3.6.1.2.1.1.3.07'],
    ['a last arc past 2^32 − 1', '1.3.6.1.4.1.9.4294967296'],
    ['a negative last arc', '1.3.6.1.4.1.9.-1'],
    ['a last arc that is not a number', '1.3.6.1.2.1.1.3.x'],
    ['a parent arc that is not a number', '1.3.six.1.0'],
    ['blanks', ' 1.3.6.1.2.1.1.3.0'],
    ['a fractional-looking last arc', '1.3.6.1e2'],
  ])('refuses %s: %j', (_what, instance) => {
    expect(() => getNextRequestOidFor(instance)).toThrow(JSON.stringify(instance));
  });
});

const TIME = CISCO_POLICY_DISCONTINUITY_TIME;
/** A column walked beside the scalars (CBQoS class counters under one policy: after the times). */
const COLUMN = '1.3.6.1.4.1.9.9.166.1.15.1.1.10.7';
/** The policies the agent has: their times. Row 8 and 13 are absent; row 1's time is 0. */
const TIMES = new Map([
  [1, 0n],
  [7, 3_100n],
  [9, 999n],
  [12, 4_200n],
]);
const UPTIME_CS = 12_345n;

/** sysUpTime.0, TIMES under TIME, then the next object's rows (so a GETNEXT past the last row answers another object), and 3 rows of COLUMN. */
function staticMib(asked: string[]): MibTree {
  const entries: { oid: Oid; value: AgentValue }[] = [{ oid: parseOid(SNMPV2_MIB.sysUpTime), value: timeTicks(UPTIME_CS) }];
  for (const [row, cs] of TIMES) entries.push({ oid: parseOid(`${TIME}.${row}`), value: timeTicks(cs) });
  entries.push({ oid: parseOid(`${TIME.slice(0, TIME.lastIndexOf('.'))}.12.1`), value: timeTicks(1n) });
  for (let row = 1; row <= 3; row++) entries.push({ oid: parseOid(`${COLUMN}.${row}`), value: counter64(BigInt(row)) });
  entries.sort((a, b) => compareOids(a.oid, b.oid));
  const instances: MibInstance[] = entries.map((e) => ({ oid: e.oid, oidTlv: encodeOid(e.oid), value: e.value }));
  return {
    get: (oid) => instances.find((i) => compareOids(i.oid, oid) === 0)?.value ?? 'noSuchInstance',
    next: (oid) => {
      asked.push(oid.join('.'));
      return instances.find((i) => compareOids(i.oid, oid) > 0);
    },
  };
}

const ENGINE_ID_HEX = '80000009050102030405060709';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** An agent on 127.0.0.1 over staticMib, asked over v2c or SNMPv3; `asked` gets every OID a GETNEXT (or repetition) started from. */
async function serve(version: '2c' | '3'): Promise<{ session: SnmpSession; target: string; asked: string[] }> {
  const asked: string[] = [];
  const served = await startInProcessAgent({ mib: staticMib(asked), version, name: 'instances', engineIdHex: ENGINE_ID_HEX });
  cleanups.push(() => served.close());
  return { session: served.session, target: served.target, asked };
}

describe.each(['2c', '3'] as const)('instances as non-repeaters over SNMP version %s', (version) => {
  it('each present instance read from the first answer, an absent one left out, in every request of the walk', async () => {
    const { session, target, asked } = await serve(version);
    // Row 8: the GETNEXT of row 7 answers row 9. Row 13: it answers the next object's row.
    const scalars = [SNMPV2_MIB.sysUpTime, `${TIME}.1`, `${TIME}.7`, `${TIME}.8`, `${TIME}.12`, `${TIME}.13`];
    const pages: Map<string, unknown>[] = [];
    const read = await walkColumns(session, target, [COLUMN], { scalars, maxRepetitions: 2 }, (_c, _i, _v, page) => pages.push(page.scalars));
    expect(read.requests).toBe(2);
    expect([...read.scalars]).toEqual([
      [SNMPV2_MIB.sysUpTime, Number(UPTIME_CS)],
      [`${TIME}.1`, 0],
      [`${TIME}.7`, 3_100],
      [`${TIME}.12`, 4_200],
    ]);
    // The second answer carried them too (its own page).
    expect(pages).toHaveLength(3);
    expect(pages[2]).not.toBe(read.scalars);
    expect(pages[2]).toEqual(read.scalars);
    // One varbind per scalar per request, and the column's.
    expect(read.varbinds).toBe(2 * scalars.length + 2 + 2);
    // What each GETNEXT started from: the instance's parent for .0, the row before otherwise.
    const scalarRequests = [SNMPV2_MIB.sysUpTime.slice(0, -2), `${TIME}.0`, `${TIME}.6`, `${TIME}.7`, `${TIME}.11`, `${TIME}.12`];
    for (const oid of scalarRequests) expect(asked.filter((a) => a === oid), oid).toHaveLength(2);
  });

  it('firstScalars: asked in the first request only, read from the first answer; scalars in every request', async () => {
    const { session, target, asked } = await serve(version);
    const firstScalars = [`${TIME}.7`, `${TIME}.8`, `${TIME}.12`];
    const pages: Map<string, unknown>[] = [];
    const read = await walkColumns(session, target, [COLUMN], { scalars: [SNMPV2_MIB.sysUpTime], firstScalars, maxRepetitions: 2 }, (_c, _i, _v, page) => pages.push(page.scalars));
    expect(read.requests).toBe(2);
    expect([...read.scalars]).toEqual([
      [SNMPV2_MIB.sysUpTime, Number(UPTIME_CS)],
      [`${TIME}.7`, 3_100],
      [`${TIME}.12`, 4_200],
    ]);
    // The second answer: sysUpTime.0 only.
    expect([...pages[2]!]).toEqual([[SNMPV2_MIB.sysUpTime, Number(UPTIME_CS)]]);
    // sysUpTime.0 twice, the times once, and the column's.
    expect(read.varbinds).toBe(2 + firstScalars.length + 2 + 2);
    expect(asked.filter((a) => a === SNMPV2_MIB.sysUpTime.slice(0, -2))).toHaveLength(2);
    for (const oid of [`${TIME}.6`, `${TIME}.7`, `${TIME}.11`]) expect(asked.filter((a) => a === oid), oid).toHaveLength(1);
  });

  it('a list changed in place is asked as it is now', async () => {
    const { session, target } = await serve(version);
    const scalars = [SNMPV2_MIB.sysUpTime, `${TIME}.7`];
    expect((await readColumns(session, target, [COLUMN], { scalars })).scalars.get(`${TIME}.7`)).toBe(3_100);
    scalars[1] = `${TIME}.9`;
    const read = await readColumns(session, target, [COLUMN], { scalars });
    expect(read.scalars.get(`${TIME}.9`)).toBe(999);
    expect(read.scalars.has(`${TIME}.7`)).toBe(false);
  });

  it('an instance that cannot be asked so is refused before any request, naming it', async () => {
    const { session, target, asked } = await serve(version);
    expect(() => walkColumns(session, target, [COLUMN], { scalars: [SNMPV2_MIB.sysUpTime, `${TIME}.07`] }, () => {})).toThrow(`${TIME}.07`);
    expect(asked).toEqual([]);
  });
});
