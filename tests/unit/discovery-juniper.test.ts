// The Juniper CoS join from hand-written column rows (OIDs from JUNIPER-COS-MIB).
import { describe, expect, it } from 'vitest';
import { JUNIPER_COLUMNS, joinJuniperCos } from '../../collector/discovery/juniper-cos.ts';
import { counterOids } from '../../collector/discovery/model.ts';
import { rowsFromVarbinds } from '../../collector/discovery/rows.ts';
import type { SnmpValue } from '../../collector/snmp/index.ts';

const J = JUNIPER_COLUMNS;
type Line = readonly [string, SnmpValue];

/** jnxCosFcName index: length, then the bytes (OCTET STRING, not IMPLIED). */
const fcIndex = (name: string) => [name.length, ...Buffer.from(name)].join('.');
const fc = (name: string, queue: number): Line => [`${J.fcQueueNr}.${fcIndex(name)}`, queue];
const q = (ifIndex: number, queue: number): Line => [`${J.qstatTxedBytes}.${ifIndex}.${queue}`, 1000n];

const join = (lines: Line[], names = new Map([[501, 'ge-0/0/0']])) => joinJuniperCos(rowsFromVarbinds(Object.values(J), lines), names);

describe('joinJuniperCos', () => {
  it('makes one output class per queue, named by its forwarding classes', () => {
    const { classes, notes } = join([fc('best-effort', 0), fc('video', 1), fc('network-control', 3), fc('mgmt', 3), q(501, 0), q(501, 1), q(501, 3), q(501, 5)]);
    expect(notes).toEqual([]);
    expect(classes.map((c) => [c.ifName, c.direction, c.className, c.path, c.statsIndex, c.queueNumber, c.leaf])).toEqual([
      ['ge-0/0/0', 'output', 'best-effort', 'output-queues/best-effort', '501.0', 0, true],
      ['ge-0/0/0', 'output', 'mgmt+network-control', 'output-queues/mgmt+network-control', '501.3', 3, true],
      ['ge-0/0/0', 'output', 'queue-5', 'output-queues/queue-5', '501.5', 5, true],
      ['ge-0/0/0', 'output', 'video', 'output-queues/video', '501.1', 1, true],
    ]);
    expect(classes.every((c) => c.vendor === 'juniper' && c.policyName === 'output-queues' && c.configuredBandwidth === undefined)).toBe(true);
  });

  it('decodes a forwarding-class index without the length prefix (IMPLIED form)', () => {
    const implied: Line = [`${J.fcQueueNr}.${[...Buffer.from('voice')].join('.')}`, 2];
    expect(join([implied, q(501, 2)]).classes[0]?.className).toBe('voice');
  });

  it('leaves ifName undefined for a queue of an unknown ifIndex', () => {
    const { classes } = join([q(999, 0)]);
    expect(classes[0]?.ifIndex).toBe(999);
    expect(classes[0]).not.toHaveProperty('ifName');
  });

  it('notes malformed indexes and keeps going', () => {
    const { classes, notes } = join([[`${J.fcQueueNr}.3.300.1.2`, 1], [`${J.qstatTxedBytes}.501`, 1n], q(501, 0)]);
    expect(classes).toHaveLength(1);
    expect(notes).toHaveLength(2);
  });

  it('gives no classes for forwarding classes without queue statistics', () => {
    expect(join([fc('best-effort', 0)])).toEqual({ classes: [], notes: [] });
    expect(join([])).toEqual({ classes: [], notes: [] });
  });

  it('points counterOids at queued, transmitted and dropped bytes of the queue', () => {
    const cls = join([q(501, 2)]).classes[0];
    expect(cls && counterOids(cls)).toEqual({
      prePolicyBytes: '1.3.6.1.4.1.2636.3.15.4.1.5.501.2',
      postPolicyBytes: '1.3.6.1.4.1.2636.3.15.4.1.9.501.2',
      dropBytes: '1.3.6.1.4.1.2636.3.15.4.1.55.501.2',
    });
  });
});
