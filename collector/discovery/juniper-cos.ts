// JUNIPER-COS-MIB (jnxCos, 1.3.6.1.4.1.2636.3.15) column rows → QoS classes.
//   jnxCosFcTable    .2.1  index jnxCosFcName (OCTET STRING: length, bytes); .2 jnxCosFcQueueNr
//   jnxCosQstatTable .4.1  index (ifIndex, queueNr); output queue statistics, Counter64
//                           .5 QedBytes, .9 TxedBytes, .55 TotalDropBytes
// A class is one output queue of one interface; its name is the forwarding class(es) mapped
// to that queue (sorted, joined with "+"), or `queue-N` when none is. JUNIPER-COS-MIB has no
// policy objects and no scheduler rates, so policyName is the label `output-queues` and there
// is no configured bandwidth. Pure and total.
import type { Rows } from '../snmp/index.ts';
import type { QosClass, QosJoin } from './model.ts';
import { compareClasses } from './model.ts';
import { numberOf, numericArcs, stringIndex } from './rows.ts';

const JNX_COS = '1.3.6.1.4.1.2636.3.15';

export const JUNIPER_COLUMNS = {
  fcQueueNr: `${JNX_COS}.2.1.2`,
  qstatTxedBytes: `${JNX_COS}.4.1.9`,
} as const;

export const JUNIPER_ANCHOR_COLUMNS: readonly string[] = [JUNIPER_COLUMNS.qstatTxedBytes];

export const JUNIPER_POLICY_LABEL = 'output-queues';

export function joinJuniperCos(rows: Rows, ifNames: ReadonlyMap<number, string>): QosJoin {
  const notes: string[] = [];
  const fcByQueue = new Map<number, string[]>();
  const queues: Array<{ index: string; ifIndex: number; queue: number }> = [];

  for (const [index, row] of rows) {
    const queueNr = numberOf(row.get(JUNIPER_COLUMNS.fcQueueNr));
    if (queueNr !== undefined) {
      const name = stringIndex(index);
      if (name === undefined) notes.push(`juniper forwarding class index ${index} is not a string: skipped`);
      else fcByQueue.set(queueNr, [...(fcByQueue.get(queueNr) ?? []), name]);
    }
    if (row.has(JUNIPER_COLUMNS.qstatTxedBytes)) {
      const arcs = numericArcs(index, 2);
      if (arcs && arcs[0] !== undefined && arcs[1] !== undefined) queues.push({ index, ifIndex: arcs[0], queue: arcs[1] });
      else notes.push(`juniper queue statistics index ${index} is malformed: skipped`);
    }
  }

  const classes = queues.map(({ index, ifIndex, queue }): QosClass => {
    const fcs = [...(fcByQueue.get(queue) ?? [])].sort();
    const className = fcs.length > 0 ? fcs.join('+') : `queue-${queue}`;
    const cls: QosClass = {
      vendor: 'juniper',
      ifIndex,
      direction: 'output',
      policyName: JUNIPER_POLICY_LABEL,
      className,
      path: `${JUNIPER_POLICY_LABEL}/${className}`,
      statsIndex: index,
      leaf: true,
      queueNumber: queue,
    };
    const ifName = ifNames.get(ifIndex);
    if (ifName !== undefined) cls.ifName = ifName;
    return cls;
  });
  return { classes: classes.sort(compareClasses), notes };
}
