// The collector's own SNMPv2c client (collector/snmp/v2c.ts, ber.ts) against real agents:
// Net-SNMP's snmpd and snmpsim serving a recorded IOS XR router. Every read is made twice, once
// through net-snmp and once through our client, and must give the same rows, scalars and
// values; failures (a wrong community, a session closed under a request, a port nobody
// answers) are SnmpErrors of the right kind, after the configured retries and backoff.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSocket } from 'node:dgram';
import { readWhileStill, startSnmpd, type SnmpdHandle } from '../helpers/snmpd.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { sharedSnmpsim } from '../helpers/snmpsim.ts';
import { freeUdpPort } from '../helpers/ports.ts';
import { pino } from 'pino';
import { ColumnTable, openSession, readColumns, readTable, get, SnmpError, V2cTransport, type ColumnRead, type SnmpValue } from '../../collector/snmp/index.ts';
import { DevicePoller } from '../../collector/poller.ts';
import { IF_MIB, POLL_COLUMNS, SNMPV2_MIB } from '../../collector/snmp/if-mib.ts';
import type { SnmpConfig } from '../../config/schema.ts';

const COMMUNITY = 'lw-v2c-ro';
const v2c: SnmpConfig = { version: '2c', community: COMMUNITY };
const timing = { timeoutMs: 1_000, retries: 1 };

let snmpd: SnmpdHandle;
let transport: V2cTransport;

beforeAll(async () => {
  snmpd = await startSnmpd({ community: COMMUNITY });
  transport = new V2cTransport({ sockets: 2 });
});

afterAll(async () => {
  transport?.close();
  await snmpd?.stop();
});

/** Values as comparable text: Buffers as text, bigints with an `n`. */
function plain(value: SnmpValue | undefined): string {
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return `buf:${value.toString('hex')}`;
  return typeof value === 'bigint' ? `${value}n` : `${typeof value}:${String(value)}`;
}

function rowsText(read: ColumnRead, skip: ReadonlySet<string> = new Set()): string[] {
  const out: string[] = [];
  for (const [index, row] of read.rows) for (const [column, value] of row) if (!skip.has(column)) out.push(`${column}.${index}=${plain(value)}`);
  return out.sort();
}

/** Counters move between two reads; these columns do not (snmpd's lo and eth rows). */
const STILL = [IF_MIB.ifName, IF_MIB.ifHighSpeed, IF_MIB.ifOperStatus, IF_MIB.ifAlias];

describe('our v2c client and net-snmp read the same', () => {
  it.each([1, 3, 50])('columns walked with max-repetitions %i: the same rows and values as net-snmp', async (maxRepetitions) => {
    const ours = openSession(snmpd.target, v2c, timing, transport);
    const theirs = openSession(snmpd.target, v2c, timing);
    try {
      const a = await readColumns(ours.session, ours.target, STILL, { maxRepetitions, scalars: [SNMPV2_MIB.sysDescr] });
      const b = await readColumns(theirs.session, theirs.target, STILL, { maxRepetitions, scalars: [SNMPV2_MIB.sysDescr] });
      expect(rowsText(a)).toEqual(rowsText(b));
      expect(rowsText(a).length).toBeGreaterThan(2);
      expect(plain(a.scalars.get(SNMPV2_MIB.sysDescr))).toBe(plain(b.scalars.get(SNMPV2_MIB.sysDescr)));
      expect(a.requests).toBe(b.requests);
      expect(a.maxRowsPerColumn).toBe(b.maxRowsPerColumn);
    } finally {
      ours.close();
      theirs.close();
    }
  });

  it('the poll columns: every row and column net-snmp sees, counters as numbers equal to snmpget when they hold still', async () => {
    const ours = openSession(snmpd.target, v2c, timing, transport);
    const theirs = openSession(snmpd.target, v2c, timing);
    try {
      const a = await readColumns(ours.session, ours.target, POLL_COLUMNS, { scalars: [SNMPV2_MIB.sysUpTime] });
      const b = await readColumns(theirs.session, theirs.target, POLL_COLUMNS, { scalars: [SNMPV2_MIB.sysUpTime] });
      const shape = (r: ColumnRead) => [...r.rows].map(([i, row]) => `${i}:${[...row.keys()].sort().join(',')}`).sort();
      expect(shape(a)).toEqual(shape(b));
      expect(typeof a.scalars.get(SNMPV2_MIB.sysUpTime)).toBe('number');
      const oid = `${IF_MIB.ifHCInOctets}.1`;
      const { got, still } = await readWhileStill(snmpd.target, COMMUNITY, [oid], () =>
        get(ours.session, ours.target, [oid, `${IF_MIB.ifInErrors}.1`, SNMPV2_MIB.sysUpTime, '1.3.6.1.2.1.1.99.0']),
      );
      expect(typeof got.values.get(`${IF_MIB.ifInErrors}.1`)).toBe('number');
      expect(typeof got.values.get(SNMPV2_MIB.sysUpTime)).toBe('number');
      expect(got.values.has('1.3.6.1.2.1.1.99.0')).toBe(false);
      expect(got.values.get(oid)).toBe(Number(still[0] ?? ''));
    } finally {
      ours.close();
      theirs.close();
    }
  });

  it('a column and a scalar the agent lacks are absent, not errors', async () => {
    const ours = openSession(snmpd.target, v2c, timing, transport);
    try {
      const missing = '1.3.6.1.2.1.31.1.1.1.99';
      const read = await readColumns(ours.session, ours.target, [IF_MIB.ifName, missing], { scalars: [SNMPV2_MIB.sysUpTime, '1.3.6.1.2.1.1.99.0'] });
      expect(read.scalars.has('1.3.6.1.2.1.1.99.0')).toBe(false);
      expect(read.rows.size).toBeGreaterThan(0);
      for (const row of read.rows.values()) expect(row.has(missing)).toBe(false);
    } finally {
      ours.close();
    }
  });

  it('many sessions over two shared sockets: every answer reaches its own request', async () => {
    const sessions = Array.from({ length: 8 }, () => openSession(snmpd.target, v2c, timing, transport));
    try {
      const reads = await Promise.all(
        sessions.flatMap((s) => Array.from({ length: 6 }, (_, k) => get(s.session, s.target, [`${IF_MIB.ifName}.${1 + (k % 2)}`]))),
      );
      reads.forEach((r, i) => {
        const oid = `${IF_MIB.ifName}.${1 + ((i % 6) % 2)}`;
        expect([...r.values.keys()]).toEqual([oid]);
      });
      expect(transport.pending).toBe(0);
    } finally {
      for (const s of sessions) s.close();
    }
  });
});

describe('a recorded IOS XR router (snmpsim)', () => {
  const c8200 = 'iosxr_c8200-400g.snmprec';
  const snmpsim = sharedSnmpsim(() => [fixturePath('snmprec', 'librenms', c8200)]);
  beforeAll(async () => snmpsim.start(), 90_000);
  afterAll(async () => snmpsim.stop());

  it('paging over 92 interfaces, HC columns ending early, no sysUpTime: the same as net-snmp', async () => {
    const sim = await snmpsim.get();
    const config: SnmpConfig = { version: '2c', community: sim.community(c8200) };
    const ours = openSession(sim.address, config, { timeoutMs: 3_000, retries: 1 }, transport);
    const theirs = openSession(sim.address, config, { timeoutMs: 3_000, retries: 1 });
    try {
      const columns = [IF_MIB.ifName, IF_MIB.ifHCInOctets, IF_MIB.ifHCOutOctets, IF_MIB.ifHighSpeed, IF_MIB.ifAlias];
      const a = await readColumns(ours.session, ours.target, columns, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions: 10 });
      const b = await readColumns(theirs.session, theirs.target, columns, { scalars: [SNMPV2_MIB.sysUpTime], maxRepetitions: 10 });
      expect(rowsText(a)).toEqual(rowsText(b));
      expect([...a.rows.values()].filter((r) => r.has(IF_MIB.ifName))).toHaveLength(92);
      expect([...a.rows.values()].filter((r) => r.has(IF_MIB.ifHCInOctets))).toHaveLength(47);
      expect(a.scalars.has(SNMPV2_MIB.sysUpTime)).toBe(false);
      expect(a.requests).toBe(b.requests);
    } finally {
      ours.close();
      theirs.close();
    }
  });

  it('a table kept from walk to walk holds the rows readColumns groups, through either client, when the rows at its positions change', async () => {
    const sim = await snmpsim.get();
    const config: SnmpConfig = { version: '2c', community: sim.community(c8200) };
    const opens = [
      [openSession(sim.address, config, { timeoutMs: 3_000, retries: 1 }, transport), openSession(snmpd.target, v2c, timing, transport)],
      [openSession(sim.address, config, { timeoutMs: 3_000, retries: 1 }), openSession(snmpd.target, v2c, timing)],
    ] as const;
    const tableText = (table: ColumnTable): string[] =>
      table.columns.flatMap((col) => col.index.slice(0, col.count).map((index, p) => `${col.oid}.${index}=${plain(col.values[p])}`)).sort();
    try {
      const columns = [IF_MIB.ifName, IF_MIB.ifHighSpeed, IF_MIB.ifAlias];
      const [theirsSim, theirsSnmpd] = opens[1];
      const router = rowsText(await readColumns(theirsSim.session, theirsSim.target, columns, { maxRepetitions: 10 }));
      const host = rowsText(await readColumns(theirsSnmpd.session, theirsSnmpd.target, columns, { maxRepetitions: 10 }));
      expect(host).not.toEqual(router);
      for (const [toRouter, toHost] of opens) {
        // One table read from the router (92 rows, paged), the host (other rows at its first positions), the router again.
        const table = new ColumnTable(columns);
        await readTable(toRouter.session, toRouter.target, table, { maxRepetitions: 7 });
        expect(tableText(table)).toEqual(router);
        await readTable(toHost.session, toHost.target, table, { maxRepetitions: 50 });
        expect(tableText(table)).toEqual(host);
        await readTable(toRouter.session, toRouter.target, table, { maxRepetitions: 50 });
        expect(tableText(table)).toEqual(router);
        expect(table.columns[0]?.count).toBe(92);
        // Released after a poll: no values kept; the next walk reads the same rows again.
        table.release();
        expect(table.columns.map((col) => [col.count, col.values.filter((v) => v !== undefined).length, col.pages.filter((p) => p !== undefined).length])).toEqual(columns.map(() => [0, 0, 0]));
        await readTable(toRouter.session, toRouter.target, table, { maxRepetitions: 50 });
        expect(tableText(table)).toEqual(router);
      }
    } finally {
      for (const pair of opens) for (const open of pair) open.close();
    }
  });
});

describe('failures are SnmpErrors', () => {
  it('a wrong community is a timeout after the retries, each waiting backoff times longer', async () => {
    const ours = openSession(snmpd.target, { version: '2c', community: 'not-the-community' }, { timeoutMs: 200, retries: 2, backoff: 2 }, transport);
    const t0 = performance.now();
    const err = await get(ours.session, ours.target, [SNMPV2_MIB.sysUpTime]).then(
      () => undefined,
      (e: unknown) => e,
    );
    const elapsedMs = performance.now() - t0;
    ours.close();
    expect(err).toBeInstanceOf(SnmpError);
    expect((err as SnmpError).kind).toBe('timeout');
    expect((err as SnmpError).message).toContain(snmpd.target);
    // 200 + 400 + 800 ms.
    expect(elapsedMs).toBeGreaterThanOrEqual(1_350);
    expect(elapsedMs).toBeLessThan(3_000);
  });

  it('every attempt is sent: an agent that answers only the third copy is read', async () => {
    const agent = createSocket('udp4');
    await new Promise<void>((resolve) => agent.bind(0, '127.0.0.1', () => resolve()));
    const port = agent.address().port;
    const seen: number[] = [];
    // Answers the third copy of a request by relaying it to snmpd and back.
    const relay = createSocket('udp4');
    let client: { port: number; address: string } | undefined;
    relay.on('message', (msg) => {
      if (client) agent.send(msg, client.port, client.address);
    });
    agent.on('message', (msg, rinfo) => {
      seen.push(msg.length);
      client = { port: rinfo.port, address: rinfo.address };
      if (seen.length === 3) relay.send(msg, Number(snmpd.target.split(':')[1]), '127.0.0.1');
    });
    const ours = openSession(`127.0.0.1:${port}`, v2c, { timeoutMs: 150, retries: 3 }, transport);
    try {
      const got = await get(ours.session, ours.target, [SNMPV2_MIB.sysUpTime]);
      expect(typeof got.values.get(SNMPV2_MIB.sysUpTime)).toBe('number');
      expect(seen).toHaveLength(3);
      expect(new Set(seen).size).toBe(1);
    } finally {
      ours.close();
      agent.close();
      relay.close();
    }
  });

  it('closing a session fails its request at once, not after the timeout', async () => {
    const port = await freeUdpPort();
    const ours = openSession(`127.0.0.1:${port}`, v2c, { timeoutMs: 10_000, retries: 0 }, transport);
    const t0 = performance.now();
    const pending = get(ours.session, ours.target, [SNMPV2_MIB.sysUpTime]).then(
      () => undefined,
      (e: unknown) => e,
    );
    setTimeout(() => ours.close(), 50);
    const err = await pending;
    expect((err as SnmpError).kind).toBe('socket');
    expect(performance.now() - t0).toBeLessThan(2_000);
    expect(transport.pending).toBe(0);
  });

  it('a column OID that is no OID is a request error naming it', async () => {
    const ours = openSession(snmpd.target, v2c, timing, transport);
    try {
      const err = await readColumns(ours.session, ours.target, ['1.3.x.1']).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as SnmpError).kind).toBe('request');
      expect((err as SnmpError).message).toContain('1.3.x.1');
    } finally {
      ours.close();
    }
  });
});

describe('a router no link is on', () => {
  it('is probed with one GET of sysUpTime: up when it answers, no walk, no QoS discovery', async () => {
    const make = (address: string) =>
      new DevicePoller({
        router: { id: 'far-1', address, snmp: v2c, province: 'hue' },
        links: [],
        collector: { intervalMs: 10_000, timeoutMs: 300, retries: 0, maxUtilization: 1.1 },
        log: pino({ level: 'silent' }),
        transport,
      });
    const live = make(snmpd.target);
    const batch = await live.poll();
    expect(batch.poll).toMatchObject({ ok: true, device: 'far-1', province: 'hue', varbinds: 1 });
    expect(batch.links).toEqual([]);
    expect(batch.interfaces).toEqual([]);
    expect(live.qosPlan).toBeUndefined();
    expect(live.ifNames.size).toBe(0);
    live.close();
    const dead = make(`127.0.0.1:${await freeUdpPort()}`);
    const failed = await dead.poll();
    expect(failed.poll).toMatchObject({ ok: false, errorKind: 'timeout', varbinds: 0 });
    dead.close();
  });
});
