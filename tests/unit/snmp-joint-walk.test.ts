// One GETBULK for two walks (readTableWith: the interface table and a class walk's columns),
// over v2c (the collector's client) and SNMPv3 (net-snmp), against the simulator's agent on loopback serving a small static MIB whose every value names
// its column, policy and row. A walk whose columns end first reads past their end (the next
// column's rows, another policy's, endOfMibView): those varbinds are dropped, never given to
// another column. An agent that answers fewer rows than asked (fewer repetitions, or an answer
// cut in the middle of a repetition) is read on from where its answer stopped.
import { afterEach, describe, expect, it } from 'vitest';
import { startInProcessAgent } from '../helpers/in-process-agent.ts';
import { arcsText, readHeader } from '../../collector/snmp/ber.ts';
import { ColumnTable, readTableWith, type SnmpSession, type SnmpValue } from '../../collector/snmp/index.ts';
import { SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import type { MibInstance, MibTree } from '../../simulator/agent/router-agent.ts';
import { encodeOid } from '../../simulator/agent/ber.ts';
import { compareOids, parseOid, type Oid } from '../../simulator/mib/oid.ts';
import { counter64, timeTicks, type SnmpValue as AgentValue } from '../../simulator/mib/value.ts';

/** Interface columns (ifXTable's first, and two counters), as a table walks them. */
const IF_COLUMNS = ['1.3.6.1.2.1.31.1.1.1.1', '1.3.6.1.2.1.31.1.1.1.6', '1.3.6.1.2.1.31.1.1.1.10'];
/** CBQoS stats columns (post, pre, drop) with the policy index the class walk is under. */
const CLASS_TABLE = '1.3.6.1.4.1.9.9.166.1.15.1.1';
const CLASS_COLUMN_ARCS = [10, 6, 17];
const POLICY = 100;
/** Another policy's rows, after POLICY's in each column: never ours. */
const OTHER_POLICY = 200;
const classColumns = CLASS_COLUMN_ARCS.map((arc) => `${CLASS_TABLE}.${arc}.${POLICY}`);

/** A value naming where it is: column number × 1e6 + policy × 1e3 + row. */
const valueAt = (column: number, policy: number, row: number): number => column * 1_000_000 + policy * 1_000 + row;

/** A static MIB: sysUpTime.0, `ifRows` interface rows per column, `classRows` rows of POLICY and 2 of OTHER_POLICY per class column. */
function staticMib(ifRows: number, classRows: number): MibTree {
  const entries: { oid: Oid; value: AgentValue }[] = [{ oid: parseOid(SNMPV2_MIB.sysUpTime), value: timeTicks(12_345n) }];
  IF_COLUMNS.forEach((column, c) => {
    for (let row = 1; row <= ifRows; row++) entries.push({ oid: parseOid(`${column}.${row}`), value: counter64(BigInt(valueAt(c, 0, row))) });
  });
  CLASS_COLUMN_ARCS.forEach((arc, c) => {
    for (let row = 1; row <= classRows; row++) entries.push({ oid: parseOid(`${CLASS_TABLE}.${arc}.${POLICY}.${row}`), value: counter64(BigInt(valueAt(10 + c, POLICY, row))) });
    for (const row of [1, 2]) entries.push({ oid: parseOid(`${CLASS_TABLE}.${arc}.${OTHER_POLICY}.${row}`), value: counter64(BigInt(valueAt(10 + c, OTHER_POLICY, row))) });
  });
  entries.sort((a, b) => compareOids(a.oid, b.oid));
  const instances: MibInstance[] = entries.map((e) => ({ oid: e.oid, oidTlv: encodeOid(e.oid), value: e.value }));
  return {
    get: (oid) => instances.find((i) => compareOids(i.oid, oid) === 0)?.value ?? 'noSuchInstance',
    next: (oid) => instances.find((i) => compareOids(i.oid, oid) > 0),
  };
}

/** A DER length. */
function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

const tlv = (tag: number, content: Buffer): Buffer => Buffer.concat([Buffer.from([tag]), derLength(content.length), content]);

/** A v2c message (version, community, PDU fields, varbind list) with only its first `keep` varbinds. */
function keepVarbinds(message: Buffer, keep: number): Buffer {
  const [, msgStart, msgEnd] = readHeader(message, 0, message.length);
  const [, , versionEnd] = readHeader(message, msgStart, msgEnd);
  const [, , communityEnd] = readHeader(message, versionEnd, msgEnd);
  const [pduTag, pduStart, pduEnd] = readHeader(message, communityEnd, msgEnd);
  const [, , idEnd] = readHeader(message, pduStart, pduEnd);
  const [, , statusEnd] = readHeader(message, idEnd, pduEnd);
  const [, , indexEnd] = readHeader(message, statusEnd, pduEnd);
  const [, listStart, listEnd] = readHeader(message, indexEnd, pduEnd);
  let at = listStart;
  for (let i = 0; i < keep && at < listEnd; i++) at = readHeader(message, at, listEnd)[2];
  const pdu = tlv(pduTag, Buffer.concat([message.subarray(pduStart, indexEnd), tlv(0x30, message.subarray(listStart, at))]));
  return tlv(0x30, Buffer.concat([message.subarray(msgStart, communityEnd), pdu]));
}

/** The request with max-repetitions `cap` at most (a one-byte INTEGER: the walks here ask ≤ 127). */
function capRepetitions(request: Buffer, cap: number): void {
  const [, msgStart, msgEnd] = readHeader(request, 0, request.length);
  const [, , versionEnd] = readHeader(request, msgStart, msgEnd);
  const [, , communityEnd] = readHeader(request, versionEnd, msgEnd);
  const [, pduStart, pduEnd] = readHeader(request, communityEnd, msgEnd);
  const [, , idEnd] = readHeader(request, pduStart, pduEnd);
  const [, , nonRepeatersEnd] = readHeader(request, idEnd, pduEnd);
  const [, repsStart, repsEnd] = readHeader(request, nonRepeatersEnd, pduEnd);
  expect(repsEnd - repsStart).toBe(1);
  request[repsStart] = Math.min(request[repsStart]!, cap);
}

const ENGINE_ID_HEX = '80000009050102030405060708';

interface Served {
  session: SnmpSession;
  target: string;
  /** GETBULKs the agent was sent. */
  requests: () => number;
}

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/**
 * An agent on 127.0.0.1 over `mib`, asked over v2c or SNMPv3; `capReps` lowers each request's
 * max-repetitions, `keep` cuts each answer to that many varbinds (v2c: SNMPv3's are encrypted).
 */
async function serve(mib: MibTree, faults: { capReps?: number; keep?: number } = {}, version: '2c' | '3' = '2c'): Promise<Served> {
  const { capReps, keep } = faults;
  const served = await startInProcessAgent({
    mib,
    version,
    name: 'joint',
    engineIdHex: ENGINE_ID_HEX,
    ...(capReps !== undefined ? { onRequest: (request: Buffer) => capRepetitions(request, capReps) } : {}),
    ...(keep !== undefined ? { onAnswer: (answer: Buffer) => keepVarbinds(answer, keep) } : {}),
  });
  cleanups.push(() => served.close());
  return { session: served.session, target: served.target, requests: () => served.reads() };
}

/** Reads both walks in shared requests: the table's rows and the class columns' (column → row → value). */
async function readBoth(served: Served, maxRepetitions: number) {
  const table = new ColumnTable(IF_COLUMNS);
  const classRows: Map<string, number>[] = classColumns.map(() => new Map());
  const seen: string[] = [];
  const sink = (c: number, buf: Buffer, start: number, end: number, value: SnmpValue): void => {
    const row = arcsText(buf, start, end);
    seen.push(`${c}:${row}`);
    classRows[c]!.set(row, Number(value));
  };
  const walks = await readTableWith(served.session, served.target, table, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions }, undefined, [{ columns: classColumns, sink }]);
  const ifRows = table.columns.map((col) => new Map(col.index.slice(0, col.count).map((index, p) => [index, Number(col.values[p])])));
  return { walks, ifRows, classRows, seen };
}

/** Each column's rows exactly: `rows` of them, each with its own value. */
function expectColumns(read: Map<string, number>[], rows: number, policy: number, firstColumn: number): void {
  read.forEach((got, c) => {
    const want = new Map(Array.from({ length: rows }, (_, i) => [String(i + 1), valueAt(firstColumn + c, policy, i + 1)]));
    expect(got, `column ${c}`).toEqual(want);
  });
}

describe.each(['2c', '3'] as const)('readTableWith over SNMP version %s: two walks in one GETBULK', (version) => {
  it('more class rows than interfaces: one request, the interface columns past their end drop the next column’s rows', async () => {
    const served = await serve(staticMib(2, 6), {}, version);
    const { walks, ifRows, classRows, seen } = await readBoth(served, 7);
    expect(served.requests()).toBe(1);
    expectColumns(ifRows, 2, 0, 0);
    expectColumns(classRows, 6, POLICY, 10);
    // Each class row once: no other policy's row, none twice.
    expect(new Set(seen).size).toBe(seen.length);
    const [ifWalk, classWalk] = walks;
    expect(ifWalk!.maxRowsPerColumn).toBe(2);
    expect(classWalk!.maxRowsPerColumn).toBe(6);
    expect(ifWalk!.scalars.get(SNMPV2_MIB.sysUpTime)).toBe(12_345);
    // Every varbind counted once, by the walk whose column it answered (the scalar: the first).
    expect(ifWalk!.varbinds + classWalk!.varbinds).toBe(1 + 6 * 7);
    expect(classWalk!.varbinds).toBe(3 * 7);
  });

  it('more interfaces than class rows: one request, the class columns past their end drop the next column’s and other policies’ rows', async () => {
    const served = await serve(staticMib(9, 2), {}, version);
    const { walks, ifRows, classRows } = await readBoth(served, 10);
    expect(served.requests()).toBe(1);
    expectColumns(ifRows, 9, 0, 0);
    expectColumns(classRows, 2, POLICY, 10);
    expect(walks[0]!.maxRowsPerColumn).toBe(9);
    expect(walks[1]!.maxRowsPerColumn).toBe(2);
  });

  it('columns not ended by the first answer go on in later requests, only those', async () => {
    const served = await serve(staticMib(5, 3), {}, version);
    const { ifRows, classRows, walks } = await readBoth(served, 2);
    expectColumns(ifRows, 5, 0, 0);
    expectColumns(classRows, 3, POLICY, 10);
    // Pages of 2 rows: the class columns end in the 2nd answer, the interface columns in the 3rd.
    expect(served.requests()).toBe(3);
    expect(walks[0]!.requests).toBe(3);
    expect(walks[1]!.requests).toBe(2);
  });

});

describe('readTableWith: an agent answering fewer rows than asked', () => {
  it('an agent answering fewer repetitions than asked is read on from where it stopped', async () => {
    const served = await serve(staticMib(4, 7), { capReps: 2 });
    const { ifRows, classRows } = await readBoth(served, 8);
    expectColumns(ifRows, 4, 0, 0);
    expectColumns(classRows, 7, POLICY, 10);
    expect(served.requests()).toBe(4);
  });

  it('an answer cut in the middle of a repetition is read on from where it stopped', async () => {
    // sysUpTime and 4 of the 6 columns' first rows: the last 2 class columns get nothing in the first answer.
    const served = await serve(staticMib(3, 4), { keep: 5 });
    const { ifRows, classRows, seen } = await readBoth(served, 5);
    expectColumns(ifRows, 3, 0, 0);
    expectColumns(classRows, 4, POLICY, 10);
    expect(new Set(seen).size).toBe(seen.length);
    expect(served.requests()).toBeGreaterThan(1);
  });
});
