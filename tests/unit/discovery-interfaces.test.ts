// ifXTable rows → interfaces, the small row helpers, and the discover command's pure parts.
import { describe, expect, it } from 'vitest';
import { IF_COLUMNS, INTERFACE_COLUMNS, ifNamesOf, joinInterfaces } from '../../collector/discovery/interfaces.ts';
import { numericArcs, rowsFromVarbinds, stringIndex } from '../../collector/discovery/rows.ts';
import type { DeviceDiscovery, QosClass } from '../../collector/discovery/model.ts';
import { renderDiscovery, snmpConfigFromArgs } from '../../cli/commands/discover.ts';
import { UsageError } from '../../cli/args.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';

type Line = readonly [string, SnmpValue];

describe('joinInterfaces', () => {
  it('reports every ifIndex that has any column read, ifName only where present', () => {
    const lines: Line[] = [
      [`${IF_COLUMNS.ifName}.1`, Buffer.from('Gi0/0')],
      [`${IF_COLUMNS.ifHCInOctets}.1`, 10n],
      [`${IF_COLUMNS.ifHCOutOctets}.1`, 20n],
      [`${IF_COLUMNS.ifHighSpeed}.1`, 1000],
      [`${IF_COLUMNS.ifAlias}.1`, Buffer.from('uplink')],
      [`${IF_COLUMNS.ifHCInOctets}.7`, 0n], // HC row without ifName (Huawei NE8000)
      [`${IF_COLUMNS.ifName}.3`, Buffer.from('Lo0')],
      [`${IF_COLUMNS.ifAlias}.3`, Buffer.from('')],
      [`${IF_COLUMNS.ifCounterDiscontinuityTime}.2`, 0], // only column .19 (CAT9K ifIndex 2)
    ];
    const interfaces = joinInterfaces(rowsFromVarbinds(INTERFACE_COLUMNS, lines));
    expect(interfaces).toEqual([
      { ifIndex: 1, ifName: 'Gi0/0', ifAlias: 'uplink', ifHighSpeedMbps: 1000, hasHcCounters: true },
      { ifIndex: 2, hasHcCounters: false },
      { ifIndex: 3, ifName: 'Lo0', hasHcCounters: false },
      { ifIndex: 7, hasHcCounters: false },
    ]);
    expect(ifNamesOf(interfaces)).toEqual(
      new Map([
        [1, 'Gi0/0'],
        [3, 'Lo0'],
      ]),
    );
  });

  it('ignores rows of other tables that share an index', () => {
    const rows = rowsFromVarbinds([...INTERFACE_COLUMNS, '1.3.6.1.4.1.9.9.166.1.1.1.1.4'], [['1.3.6.1.4.1.9.9.166.1.1.1.1.4.225', 0]]);
    expect(joinInterfaces(rows)).toEqual([]);
  });
});

describe('row helpers', () => {
  it.each([
    ['5', undefined, [5]],
    ['1.2.0.0.7', 5, [1, 2, 0, 0, 7]],
    ['1.2', 3, undefined],
    ['1.x', undefined, undefined],
    ['', undefined, undefined],
  ] as const)('numericArcs(%s, %s)', (index, count, want) => {
    expect(numericArcs(index, count)).toEqual(want);
  });

  it.each([
    ['5.118.105.100.101.111', 'video'],
    ['118.105.100.101.111', 'video'],
    ['1.300', undefined],
    ['a', undefined],
  ] as const)('stringIndex(%s)', (index, want) => {
    expect(stringIndex(index)).toBe(want);
  });

  it('rowsFromVarbinds groups by index and leaves unknown OIDs out', () => {
    const rows = rowsFromVarbinds(['1.3.6.1.9.1', '1.3.6.1.9.10'], [
      ['1.3.6.1.9.1.4', 1],
      ['1.3.6.1.9.10.4', 2],
      ['1.3.6.1.9.2.4', 3],
    ]);
    expect(rows).toEqual(new Map([['4', new Map<string, SnmpValue>([['1.3.6.1.9.1', 1], ['1.3.6.1.9.10', 2]])]]));
  });
});

describe('discover command: credentials', () => {
  it('builds a v2c config', () => {
    expect(snmpConfigFromArgs({ community: 'public' })).toEqual({ version: '2c', community: 'public' });
  });

  it('builds a v3 authPriv config with the default protocols', () => {
    expect(snmpConfigFromArgs({ 'v3-user': 'u', 'auth-key': 'authkey123', 'priv-key': 'privkey123' })).toEqual({
      version: '3',
      user: 'u',
      authKey: 'authkey123',
      privKey: 'privkey123',
      authProtocol: 'sha',
      privProtocol: 'aes',
    });
  });

  it.each([
    [{}, /give --community/],
    [{ community: 'c', 'v3-user': 'u' }, /not both/],
    [{ 'v3-user': 'u', 'auth-key': 'short', 'priv-key': 'privkey123' }, /--auth-key: .*8 characters/],
    [{ 'v3-user': 'u', 'auth-key': 'authkey123', 'priv-key': 'privkey123', 'auth-protocol': 'sha999' }, /--auth-protocol/],
  ] as const)('rejects %o', (values, message) => {
    expect(() => snmpConfigFromArgs(values)).toThrow(UsageError);
    expect(() => snmpConfigFromArgs(values)).toThrow(message);
  });
});

describe('discover command: text rendering', () => {
  const cls = (over: Partial<QosClass>): QosClass => ({
    vendor: 'cisco',
    ifIndex: 5,
    ifName: 'Gi0/0/1',
    direction: 'output',
    policyName: 'PARENT',
    className: 'x',
    path: 'PARENT/x',
    statsIndex: '1.1',
    leaf: true,
    ...over,
  });
  const d: DeviceDiscovery = {
    target: '127.0.0.1:161',
    atMs: 0,
    sysDescr: 'Test router\nsecond line',
    interfaces: [
      { ifIndex: 5, ifName: 'Gi0/0/1', ifHighSpeedMbps: 1000, hasHcCounters: true, ifAlias: 'uplink' },
      { ifIndex: 9, ifHighSpeedMbps: 100, hasHcCounters: false },
    ],
    classes: [
      cls({ className: 'class-default', path: 'PARENT/class-default', leaf: false, statsIndex: '1.2' }),
      cls({ className: 'VIDEO', path: 'PARENT/class-default/CHILD/VIDEO', statsIndex: '1.4', configuredBandwidth: { value: 30, unit: 'percent', priority: true } }),
      cls({ ifIndex: 0, className: 'class-default', path: 'cpp/class-default', policyName: 'cpp', direction: 'input', statsIndex: '9.1', ifName: undefined }),
    ],
    qosVendors: ['cisco'],
    notes: ['something to know'],
    requests: 3,
    varbinds: 100,
  };

  it('prints interfaces, then policies as an indented hierarchy, then notes', () => {
    const text = renderDiscovery(d);
    expect(text).toContain('device 127.0.0.1:161: Test router\n');
    expect(text).toMatch(/\n +5 {2}Gi0\/0\/1 +1 Gbps +yes {2}uplink\n/);
    expect(text).toMatch(/\n +9 {2}\(no ifName\) +100 Mbps +no\n/);
    expect(text).toContain('\n  Gi0/0/1 (ifIndex 5)  output  PARENT\n    class-default');
    expect(text).toContain('\n      policy CHILD\n        VIDEO');
    expect(text).toMatch(/VIDEO +priority 30% {2}stats 1\.4\n/);
    expect(text).toContain('\n  control plane (ifIndex 0)  input  cpp\n');
    expect(text).toContain('notes:\n  - something to know\n');
  });

  it('shows a service class where a mapping gives one', () => {
    const text = renderDiscovery(d, (c) => (c.className === 'VIDEO' ? 'video' : undefined));
    expect(text).toMatch(/VIDEO +priority 30% {2}→ video {2}stats 1\.4\n/);
  });

  it('says so when there are no classes', () => {
    expect(renderDiscovery({ ...d, classes: [], qosVendors: [], notes: [] })).toContain('service policies: none');
  });
});
