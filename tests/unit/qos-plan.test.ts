// The QoS plan builder: discovery result + links + rules → groups of counters per link,
// direction and service class. Discoveries are written here by hand, as the vendor joins
// would give them.
import { describe, expect, it } from 'vitest';
import { buildQosPlan, compactRow, directionOf, isSubinterfaceOf, reservedBpsOf, sideOf, type ClassGroup, type QosPlan } from '../../collector/qos/plan.ts';
import { ciscoClass as cisco, discoveredInterface as iface, discoveryOf as discovery, planLink as link, testClassifier as classifier } from '../helpers/qos-fixture.ts';

const groupOf = (plan: QosPlan, linkId: string, dir: string, cls: string): ClassGroup | undefined =>
  plan.groups.find((g) => g.link === linkId && g.dir === dir && g.serviceClass === cls);
const summary = (plan: QosPlan): string[] =>
  plan.groups.map((g) => `${g.link} ${g.dir} ${g.serviceClass}: ${g.members.map((m) => (m.kind === 'counters' ? m.oids.postPolicyBytes : `${m.ifName}/${m.side}`)).join(' + ')}`).sort();

const C = '1.3.6.1.4.1.9.9.166.1.15.1.1';

describe('directions', () => {
  it.each([
    ['output', 'out', 'down', 'out'],
    ['input', 'out', 'up', 'in'],
    ['output', 'in', 'up', 'out'],
    ['input', 'in', 'down', 'in'],
  ] as const)('%s policy on a downIs=%s link carries %s, counted in the %s octets', (policy, downIs, dir, side) => {
    expect(directionOf(policy, downIs)).toBe(dir);
    expect(sideOf(dir, downIs)).toBe(side);
  });
});

describe('helpers', () => {
  it.each([
    ['Gi0/1.300', 'Gi0/1', true],
    ['Gi0/1.3', 'Gi0/1', true],
    ['Gi0/10.300', 'Gi0/1', false],
    ['Gi0/1', 'Gi0/1', false],
    ['Gi0/1.x', 'Gi0/1', false],
  ] as const)('%s sub-interface of %s: %s', (name, parent, expected) => {
    expect(isSubinterfaceOf(name, parent)).toBe(expected);
  });
  it.each([
    [{ value: 5000, unit: 'kbps' as const }, 100e6, 5e6],
    [{ value: 20, unit: 'percent' as const }, 100e6, 20e6],
    [{ value: 20, unit: 'percent' as const }, undefined, undefined],
    [{ value: 50, unit: 'percentRemaining' as const }, 100e6, undefined],
    [{ value: 0, unit: 'kbps' as const }, 100e6, undefined],
    [undefined, 100e6, undefined],
  ])('reservation %o of %s bps → %s', (bw, capacityBps, expected) => {
    expect(reservedBpsOf(bw ? { configuredBandwidth: bw } : {}, capacityBps)).toBe(expected);
  });
});

describe('compactRow', () => {
  it.each([
    ['7', 7],
    ['473480627', 473480627],
    ['4294967295', 4294967295],
    ['07', '07'],
    ['1.2', '1.2'],
    ['', ''],
    ['99999999999999999999', '99999999999999999999'],
  ] as const)('%s → %s', (row, expected) => {
    expect(compactRow(row)).toBe(expected);
  });
});

describe('buildQosPlan', () => {
  it('cisco: output → down, input → up; classes per service class; reservations from the router config', () => {
    const d = discovery(
      [iface(1, 'Gi0'), iface(2, 'Gi0/1', 'to site A'), iface(3, 'Gi0/2', 'to site B')],
      [
        cisco(2, 'output', 'WAN-OUT/DOCEX', '10.11', { configuredBandwidth: { value: 20, unit: 'percent' } }),
        cisco(2, 'output', 'WAN-OUT/VIDEO', '10.12', { configuredBandwidth: { value: 5000, unit: 'kbps' } }),
        cisco(2, 'output', 'WAN-OUT/class-default', '10.13'),
        cisco(2, 'input', 'WAN-IN/DOCEX', '20.21'),
        cisco(2, 'input', 'WAN-IN/class-default', '20.23'),
        // Gi0 is not a configured link: its classes are not part of the plan.
        cisco(1, 'output', 'MGMT-OUT/class-default', '30.31'),
      ],
    );
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('a', 'Gi0/1', { capacityBps: 50e6 })], classifier });
    expect(summary(plan)).toEqual([
      `a down docex: ${C}.10.10.11`,
      `a down internet: ${C}.10.10.13`,
      `a down video: ${C}.10.10.12`,
      `a up docex: ${C}.10.20.21`,
      `a up internet: ${C}.10.20.23`,
    ]);
    expect(groupOf(plan, 'a', 'down', 'docex')?.reservedBps).toBe(10e6); // 20 % of the configured 50 Mbps
    expect(groupOf(plan, 'a', 'down', 'video')?.reservedBps).toBe(5e6);
    expect(groupOf(plan, 'a', 'down', 'internet')?.reservedBps).toBeUndefined();
    expect(groupOf(plan, 'a', 'down', 'internet')).not.toHaveProperty('reservedBps');
    const docex = plan.counterMembers.find((m) => m.oids.postPolicyBytes.endsWith('.10.11'));
    expect(docex?.oids).toEqual({ prePolicyBytes: `${C}.6.10.11`, postPolicyBytes: `${C}.10.10.11`, dropBytes: `${C}.17.10.11` });
    expect(plan.counterMembers).toHaveLength(5);
    expect(plan.mappings).toHaveLength(5);
    expect(plan.mappings.every((m) => m.device === 'r1' && m.link === 'a' && m.source === 'cisco' && m.rule !== undefined)).toBe(true);
    expect(plan.linkIfIndexes).toEqual(new Map([['Gi0/1', 2]]));
    // No sub-interfaces on the link: nothing kept for it (read as none).
    expect(plan.subinterfaces.size).toBe(0);
  });

  it('a link whose router is the downstream end (downIs in): output → up', () => {
    const d = discovery([iface(5, 'Te0/0')], [cisco(5, 'output', 'P/VIDEO', '1.2'), cisco(5, 'input', 'Q/VIDEO', '3.4')]);
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('b', 'Te0/0', { downIs: 'in' })], classifier });
    expect(summary(plan)).toEqual([`b down video: ${C}.10.3.4`, `b up video: ${C}.10.1.2`]);
    // Reservations in percent use ifHighSpeed when the link has no capacityBps.
    const pct = discovery([iface(5, 'Te0/0', undefined, 1000)], [cisco(5, 'output', 'P/VIDEO', '1.2', { configuredBandwidth: { value: 30, unit: 'percent' } })]);
    expect(buildQosPlan({ device: 'r1', discovery: pct, links: [link('b', 'Te0/0')], classifier }).groups[0]?.reservedBps).toBe(300e6);
  });

  it('nested policies: only leaf classes count; several classes of one service class are summed', () => {
    const d = discovery(
      [iface(7, 'Gi0/0/0/19')],
      [
        cisco(7, 'output', 'EGRESS/class-default', '9.1', { leaf: false }),
        cisco(7, 'output', 'EGRESS/class-default/CHILD/VIDEO-HI', '9.2', { configuredBandwidth: { value: 1000, unit: 'kbps' } }),
        cisco(7, 'output', 'EGRESS/class-default/CHILD/VIDEO-LO', '9.3', { configuredBandwidth: { value: 500, unit: 'kbps' } }),
        cisco(7, 'output', 'EGRESS/class-default/CHILD/class-default', '9.4'),
      ],
    );
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('n', 'Gi0/0/0/19')], classifier });
    expect(summary(plan)).toEqual([`n down internet: ${C}.10.9.4`, `n down video: ${C}.10.9.2 + ${C}.10.9.3`]);
    expect(groupOf(plan, 'n', 'down', 'video')?.reservedBps).toBe(1.5e6);
    expect(plan.mappings.map((m) => m.path)).not.toContain('EGRESS/class-default');
  });

  it('huawei: classifier statistics by ifIndex.direction.vlan.vlan.classifier', () => {
    const H = '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1';
    const d = discovery(
      [iface(8, 'GigabitEthernet0/3/0')],
      [
        { vendor: 'huawei', ifIndex: 8, direction: 'output', policyName: 'WAN', className: 'docex', path: 'WAN/docex', leaf: true, statsIndex: '8.2.0.0.1' },
        { vendor: 'huawei', ifIndex: 8, direction: 'input', policyName: 'WAN-IN', className: 'be', path: 'WAN-IN/be', leaf: true, statsIndex: '8.1.0.0.3' },
        // A policy without `statistic enable`: listed, not measured.
        { vendor: 'huawei', ifIndex: 8, direction: 'output', policyName: 'WAN', className: 'video', path: 'WAN/video', leaf: true },
      ],
    );
    const plan = buildQosPlan({ device: 'hw', discovery: d, links: [link('h', 'GigabitEthernet0/3/0')], classifier });
    expect(summary(plan)).toEqual([`h down docex: ${H}.8.8.2.0.0.1`, `h up internet: ${H}.8.8.1.0.0.3`]);
    expect(plan.counterMembers[0]?.oids.dropBytes).toBe(`${H}.10.8.2.0.0.1`);
    expect(plan.mappings.map((m) => `${m.className}→${m.serviceClass}`)).toEqual(['docex→docex', 'be→internet', 'video→video']);
    expect(plan.notes).toEqual(['GigabitEthernet0/3/0 output WAN/video: no statistics row, not measured']);
  });

  it('juniper: output queues → down only', () => {
    const J = '1.3.6.1.4.1.2636.3.15.4.1';
    const d = discovery(
      [iface(516, 'ge-0/0/1')],
      [
        { vendor: 'juniper', ifIndex: 516, direction: 'output', policyName: 'output-queues', className: 'best-effort', path: 'output-queues/best-effort', leaf: true, statsIndex: '516.0', queueNumber: 0 },
        { vendor: 'juniper', ifIndex: 516, direction: 'output', policyName: 'output-queues', className: 'network-control', path: 'output-queues/network-control', leaf: true, statsIndex: '516.3', queueNumber: 3 },
      ],
    );
    const plan = buildQosPlan({ device: 'mx', discovery: d, links: [link('j', 'ge-0/0/1')], classifier });
    expect(summary(plan)).toEqual([`j down internet: ${J}.9.516.0`, `j down other: ${J}.9.516.3`]);
    expect(plan.counterMembers.map((m) => m.oids.prePolicyBytes)).toEqual([`${J}.5.516.0`, `${J}.5.516.3`]);
  });

  it('sub-interfaces: classified by ifAlias, both directions from their octets; none of another link', () => {
    const d = discovery(
      [
        iface(2, 'Gi0/1', 'link'),
        iface(10, 'Gi0/1.100', 'DOCEX [t2-a]'),
        iface(11, 'Gi0/1.200', 'VIDEO [t2-a]'),
        iface(12, 'Gi0/1.300', 'INTERNET [t2-a]'),
        iface(13, 'Gi0/1.400', 'OTHER [t2-a]'),
        iface(14, 'Gi0/10.100', 'DOCEX [t2-z]'),
      ],
      [],
    );
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('a', 'Gi0/1')], classifier });
    expect(summary(plan)).toEqual([
      'a down docex: Gi0/1.100/out',
      'a down internet: Gi0/1.300/out',
      'a down other: Gi0/1.400/out',
      'a down video: Gi0/1.200/out',
      'a up docex: Gi0/1.100/in',
      'a up internet: Gi0/1.300/in',
      'a up other: Gi0/1.400/in',
      'a up video: Gi0/1.200/in',
    ]);
    expect(plan.subinterfaces.get('Gi0/1')).toEqual(['Gi0/1.100', 'Gi0/1.200', 'Gi0/1.300', 'Gi0/1.400']);
    expect(plan.counterMembers).toEqual([]);
    // "OTHER" matches no rule: it counts as other and is listed as unmatched (no rule).
    const unmatched = plan.mappings.filter((m) => m.rule === undefined);
    expect(unmatched.map((m) => [m.className, m.dir, m.serviceClass, m.source])).toEqual([
      ['Gi0/1.400', 'down', 'other', 'subinterface'],
      ['Gi0/1.400', 'up', 'other', 'subinterface'],
    ]);
  });

  it('sub-interfaces fill only the directions the link interface has no QoS classes for', () => {
    const d = discovery([iface(2, 'Gi0/1'), iface(10, 'Gi0/1.200', 'VIDEO')], [cisco(2, 'output', 'WAN-OUT/VIDEO', '1.1')]);
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('a', 'Gi0/1')], classifier });
    expect(summary(plan)).toEqual([`a down video: ${C}.10.1.1`, 'a up video: Gi0/1.200/in']);
  });

  it('unmatched class-maps land in other, without a rule; the link interface missing means no plan for it', () => {
    const d = discovery([iface(2, 'Gi0/1')], [cisco(2, 'output', 'WAN-OUT/MGMT', '1.1'), cisco(2, 'output', 'WAN-OUT/SCAVENGER', '1.2')]);
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('a', 'Gi0/1'), link('ghost', 'Gi9/9')], classifier });
    expect(summary(plan)).toEqual([`a down other: ${C}.10.1.1 + ${C}.10.1.2`]);
    expect(plan.mappings.map((m) => [m.className, m.serviceClass, m.rule])).toEqual([
      ['MGMT', 'other', 3],
      ['SCAVENGER', 'other', undefined],
    ]);
    expect(plan.linkIfIndexes.has('Gi9/9')).toBe(false);
  });

  it('mappings read whole, as JSON gives them (a class with its policy and reservation; a sub-interface without), each read new objects; members keys', () => {
    const d = discovery(
      [iface(2, 'Gi0/1'), iface(3, 'Gi0/2'), iface(10, 'Gi0/2.300', 'VIDEO')],
      [cisco(2, 'output', 'WAN-OUT/DOCEX', '10.11', { configuredBandwidth: { value: 5000, unit: 'kbps' } }), cisco(2, 'output', 'WAN-OUT/SCAVENGER', '10.12')],
    );
    const plan = buildQosPlan({ device: 'r1', discovery: d, links: [link('a', 'Gi0/1'), link('b', 'Gi0/2')], classifier });
    const json = JSON.parse(JSON.stringify(plan.mappings)) as unknown;
    expect(json).toEqual([
      { device: 'r1', link: 'a', ifName: 'Gi0/1', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'DOCEX', path: 'WAN-OUT/DOCEX', serviceClass: 'docex', rule: 0, reservedBps: 5e6 },
      { device: 'r1', link: 'a', ifName: 'Gi0/1', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'SCAVENGER', path: 'WAN-OUT/SCAVENGER', serviceClass: 'other' },
      { device: 'r1', link: 'b', ifName: 'Gi0/2.300', dir: 'down', source: 'subinterface', className: 'Gi0/2.300', path: 'Gi0/2.300', serviceClass: 'video', rule: 5 },
      { device: 'r1', link: 'b', ifName: 'Gi0/2.300', dir: 'up', source: 'subinterface', className: 'Gi0/2.300', path: 'Gi0/2.300', serviceClass: 'video', rule: 5 },
    ]);
    expect(plan.mappings[0]).not.toBe(plan.mappings[0]);
    expect(plan.counterMembers.map((m) => m.key)).toEqual(['a|down|WAN-OUT/DOCEX|cisco:10.11', 'a|down|WAN-OUT/SCAVENGER|cisco:10.12']);
    expect(plan.groups.flatMap((g) => g.members).filter((m) => m.kind === 'interface').map((m) => m.key)).toEqual(['b|down|Gi0/2.300', 'b|up|Gi0/2.300']);
  });

  it('a device without QoS or sub-interfaces: an empty plan', () => {
    const plan = buildQosPlan({ device: 'r1', discovery: discovery([iface(1, 'lo')], []), links: [link('lo', 'lo')], classifier });
    expect(plan.groups).toEqual([]);
    expect(plan.mappings).toEqual([]);
    expect(plan.atMs).toBe(1_000);
  });
});
