// The simulator's SNMP pieces that are pure: BER, USM keys (RFC 3414 vectors), the MIB layout
// order, loopback addresses, and a router agent answering hand-built v2c messages.
import { describe, expect, it } from 'vitest';
import { encodeInteger, encodeOid, encodeUnsigned, expectTlv, readInteger, readOid, Tag } from '../../simulator/agent/ber.ts';
import { PduType, encodeCommunityMessage, encodePdu, encodeVarbind } from '../../simulator/agent/message.ts';
import { PasswordKeyCache, localizeKey } from '../../simulator/agent/usm.ts';
import { RouterAgent } from '../../simulator/agent/router-agent.ts';
import { parseLoopbackAddress } from '../../simulator/address.ts';
import { MibLayoutCache } from '../../simulator/mib/layout.ts';
import { RouterMib } from '../../simulator/mib/router-mib.ts';
import { buildRouterModel } from '../../simulator/mib/router-model.ts';
import { compareOids, parseOid } from '../../simulator/mib/oid.ts';
import { TrafficEngine } from '../../simulator/traffic/engine.ts';
import { resolveLinkQueues, resolveRouter, simulationDefaults } from '../../simulator/sim-config.ts';
import type { LinkConfig, RouterConfig } from '../../config/schema.ts';

describe('BER', () => {
  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [-1, '0201ff'],
    [-129, '0202ff7f'],
    [2147483647, '02047fffffff'],
  ])('INTEGER %i', (value, hex) => {
    const buf = encodeInteger(value);
    expect(buf.toString('hex')).toBe(hex);
    expect(readInteger(buf, expectTlv(buf, 0, Tag.integer))).toBe(value);
  });

  it('unsigned types are minimal with a leading zero when the top bit is set', () => {
    expect(encodeUnsigned(Tag.counter32, 0xffffffffn).toString('hex')).toBe('410500ffffffff');
    expect(encodeUnsigned(Tag.counter64, 2n ** 64n - 1n).toString('hex')).toBe('460900ffffffffffffffff');
    expect(encodeUnsigned(Tag.timeTicks, 0n).toString('hex')).toBe('430100');
  });

  it('OIDs round-trip, including arcs above 2^28', () => {
    expect(encodeOid([1, 3, 6, 1, 2, 1]).toString('hex')).toBe('06052b06010201');
    for (const text of ['1.3.6.1.2.1.31.1.1.1.10.4294967295', '1.3.6.1.4.1.9.9.166.1.15.1.1.6.1.2', '2.999.3']) {
      const buf = encodeOid(parseOid(text));
      expect(readOid(buf, expectTlv(buf, 0, Tag.oid)).join('.')).toBe(text);
    }
  });
});

describe('USM keys (RFC 3414 appendix A.3)', () => {
  const engineId = Buffer.from('000000000000000000000002', 'hex');
  it('MD5 and SHA password-to-key and localisation', () => {
    const cache = new PasswordKeyCache();
    const md5 = cache.passwordToKey('md5', 'maplesyrup');
    expect(md5.toString('hex')).toBe('9faf3283884e92834ebc9847d8edd963');
    expect(localizeKey('md5', md5, engineId).toString('hex')).toBe('526f5eed9fcce26f8964c2930787d82b');
    const sha = cache.passwordToKey('sha', 'maplesyrup');
    expect(sha.toString('hex')).toBe('9fb5cc0381497b3793528939ff788d5d79145211');
    expect(localizeKey('sha', sha, engineId).toString('hex')).toBe('6695febc9288e36282235fc7151f128497b38f3f');
    expect(cache.passwordToKey('sha', 'maplesyrup')).toBe(sha); // cached
  });
});

describe('loopback addresses', () => {
  it('accepts 127.0.0.0/8 and ::1, refuses anything else with a clear reason', () => {
    expect(parseLoopbackAddress('127.0.0.1:161')).toEqual({ host: '127.0.0.1', port: 161, family: 4 });
    expect(parseLoopbackAddress('127.8.9.10:16101')).toEqual({ host: '127.8.9.10', port: 16101, family: 4 });
    expect(parseLoopbackAddress('[::1]:16101')).toEqual({ host: '::1', port: 16101, family: 6 });
    expect(parseLoopbackAddress('localhost:5')).toEqual({ host: '127.0.0.1', port: 5, family: 4 });
    expect(() => parseLoopbackAddress('10.1.2.3:161')).toThrow(/10\.1\.2\.3:161 is not a loopback address/);
    expect(() => parseLoopbackAddress('[2001:db8::1]:161')).toThrow(/not a loopback address/);
    expect(() => parseLoopbackAddress('router.example:161')).toThrow(/not an IP address/);
    expect(() => parseLoopbackAddress('127.0.0.1:70000')).toThrow(/out of range/);
  });
});

const router: RouterConfig = { id: 'r1', address: '127.0.0.1:1', snmp: { version: '2c', community: 'c1' } };
const links: LinkConfig[] = ['Gi0/1/10', 'Gi0/1/2', 'Te0/0/0'].map((ifName, k) => ({
  id: `l${k}`,
  tier: 2,
  province: 'hue',
  router: 'r1',
  ifName,
  capacityBps: k === 2 ? 10e9 : 100e6,
  downIs: 'out',
}));
const startMs = Date.UTC(2025, 6, 15, 3);

/** A router without QoS tables (IF-MIB only), read from the real traffic engine. */
function simRouter() {
  const sim = { ...simulationDefaults, routerDefaults: { ...simulationDefaults.routerDefaults, qos: 'none' as const } };
  const engine = new TrafficEngine({
    links: links.map((l) => ({ id: l.id, tier: 2, capacityBps: l.capacityBps!, qos: 'none', queues: resolveLinkQueues(sim, l.id), shares: sim.classShares.tier2 })),
    seed: 9,
    startMs,
  });
  const model = buildRouterModel({ router, links, sim: resolveRouter(sim, 'r1'), queues: new Map(), seed: 9, simulatedStartMs: startMs });
  return { model, engine };
}

describe('router model and MIB layout', () => {
  it('numbers interfaces stably: management, links in natural name order, loopback', () => {
    const { model: r } = simRouter();
    expect(r.interfaces.map((i) => `${i.ifIndex}:${i.ifName}`)).toEqual(['1:Gi0', '2:Gi0/1/2', '3:Gi0/1/10', '4:Te0/0/0', '5:Lo0']);
    expect(r.interfaces[3]!.ifDescr).toBe('TenGigabitEthernet0/0/0');
  });

  it('a GETNEXT walk visits every entry once in strictly increasing order and ends', () => {
    const { model: r, engine } = simRouter();
    const layouts = new MibLayoutCache(9);
    const mib = new RouterMib({ router: r, engine, layouts });
    expect(layouts.forRouter(simRouter().model)).toBe(layouts.forRouter(r)); // shared layout
    const atMs = Date.UTC(2025, 6, 15, 4);
    const seen: (readonly number[])[] = [];
    let cursor: readonly number[] = [1, 3];
    for (let next = mib.next(cursor, atMs); next; next = mib.next(cursor, atMs)) {
      if (seen.length > 0) expect(compareOids(seen[seen.length - 1]!, next.oid)).toBeLessThan(0);
      seen.push(next.oid);
      cursor = next.oid;
    }
    expect(seen.length).toBe(layouts.forRouter(r).size);
    expect(seen[0]!.join('.')).toBe('1.3.6.1.2.1.1.1.0');
    expect(seen.at(-1)!.join('.')).toBe('1.3.6.1.2.1.31.1.6.0');
    // ifSpeed latches at 2^32-1 for 10 Gbps; ifHighSpeed carries it in Mbps.
    expect(mib.get(parseOid('1.3.6.1.2.1.2.2.1.5.4'), atMs)).toEqual({ type: 'gauge32', value: 10_000_000_000n });
    expect(mib.get(parseOid('1.3.6.1.2.1.31.1.1.1.15.4'), atMs)).toEqual({ type: 'gauge32', value: 10_000n });
    expect(mib.get(parseOid('1.3.6.1.2.1.31.1.1.1.15.99'), atMs)).toBe('noSuchInstance');
    expect(mib.get(parseOid('1.3.6.1.4.1.9.9.166.1.1.1.1.3.1'), atMs)).toBe('noSuchObject');
  });
});

describe('router agent (v2c)', () => {
  const { model: r, engine } = simRouter();
  const mib = new RouterMib({ router: r, engine, layouts: new MibLayoutCache() });
  const atMs = Date.UTC(2025, 6, 15, 4);
  const agent = new RouterAgent({
    security: { version: '2c', community: 'c1' },
    mib,
    clock: { simulatedNowMs: () => atMs, engineTimeSeconds: () => 0 },
  });
  const request = (community: string, type: number, f1: number, f2: number, oids: string[]): Buffer =>
    encodeCommunityMessage(1, Buffer.from(community), encodePdu(type, 77, f1, f2, oids.map((o) => encodeVarbind(encodeOid(parseOid(o)), 'null'))));

  /** Decodes a response's varbind OIDs and value tags. */
  function varbinds(response: Buffer): { oid: string; tag: number }[] {
    const msg = expectTlv(response, 0, Tag.sequence);
    const version = expectTlv(response, msg.valueStart, Tag.integer);
    const community = expectTlv(response, version.end, Tag.octetString);
    const pdu = expectTlv(response, community.end, PduType.response);
    const id = expectTlv(response, pdu.valueStart, Tag.integer);
    expect(readInteger(response, id)).toBe(77);
    const status = expectTlv(response, id.end, Tag.integer);
    expect(readInteger(response, status)).toBe(0);
    const index = expectTlv(response, status.end, Tag.integer);
    const list = expectTlv(response, index.end, Tag.sequence);
    const out: { oid: string; tag: number }[] = [];
    for (let at = list.valueStart; at < list.end; ) {
      const vb = expectTlv(response, at, Tag.sequence);
      const oid = expectTlv(response, vb.valueStart, Tag.oid);
      out.push({ oid: readOid(response, oid).join('.'), tag: response[oid.end]! });
      at = vb.end;
    }
    return out;
  }

  it('ignores a wrong community and garbage', () => {
    expect(agent.handle(request('nope', PduType.get, 0, 0, ['1.3.6.1.2.1.1.3.0']))).toBeUndefined();
    expect(agent.handle(Buffer.from('30ff0102', 'hex'))).toBeUndefined();
    expect(agent.counters.badCommunity).toBe(1);
  });

  it('GETBULK returns max-repetitions rows of each repeater after the non-repeaters', () => {
    const response = agent.handle(request('c1', PduType.getBulk, 1, 3, ['1.3.6.1.2.1.1.3', '1.3.6.1.2.1.31.1.1.1.1', '1.3.6.1.2.1.31.1.1.1.10']));
    expect(response).toBeDefined();
    expect(varbinds(response!)).toEqual([
      { oid: '1.3.6.1.2.1.1.3.0', tag: Tag.timeTicks },
      { oid: '1.3.6.1.2.1.31.1.1.1.1.1', tag: Tag.octetString },
      { oid: '1.3.6.1.2.1.31.1.1.1.10.1', tag: Tag.counter64 },
      { oid: '1.3.6.1.2.1.31.1.1.1.1.2', tag: Tag.octetString },
      { oid: '1.3.6.1.2.1.31.1.1.1.10.2', tag: Tag.counter64 },
      { oid: '1.3.6.1.2.1.31.1.1.1.1.3', tag: Tag.octetString },
      { oid: '1.3.6.1.2.1.31.1.1.1.10.3', tag: Tag.counter64 },
    ]);
  });

  it('GETBULK past the end of the MIB stops with endOfMibView', () => {
    const response = agent.handle(request('c1', PduType.getBulk, 0, 10, ['1.3.6.1.2.1.31.1.1.1.19.9999']));
    expect(varbinds(response!)).toEqual([
      { oid: '1.3.6.1.2.1.31.1.5.0', tag: Tag.timeTicks },
      { oid: '1.3.6.1.2.1.31.1.6.0', tag: Tag.timeTicks },
      { oid: '1.3.6.1.2.1.31.1.6.0', tag: Tag.endOfMibView },
    ]);
  });

  it('a device that stops answering drops every request, and answers again when back', () => {
    const get = request('c1', PduType.get, 0, 0, ['1.3.6.1.2.1.1.3.0']);
    mib.setResponding(false);
    expect(agent.handle(get)).toBeUndefined();
    expect(agent.counters.ignored).toBe(1);
    mib.setResponding(true);
    expect(varbinds(agent.handle(get)!)).toEqual([{ oid: '1.3.6.1.2.1.1.3.0', tag: Tag.timeTicks }]);
  });
});
