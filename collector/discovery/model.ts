// One model of a device's interfaces and QoS classes for every vendor we read
// (Cisco CBQoS, Huawei CBQoS, Juniper CoS). The vendor join functions build it from SNMP
// column rows; a poller reads each class's byte counters at `counterOids(cls)` later.

export type QosVendor = 'cisco' | 'huawei' | 'juniper';

/** Direction of the service policy on the interface (as the device reports it). */
export type QosDirection = 'input' | 'output';

/** A direction as both CBQoS MIBs code it (1 input/inbound, 2 output/outbound); undefined otherwise. */
export function qosDirectionOf(code: number | undefined): QosDirection | undefined {
  if (code === 1) return 'input';
  if (code === 2) return 'output';
  return undefined;
}

/** One IF-MIB ifXTable row. */
export interface DiscoveredInterface {
  ifIndex: number;
  /** Absent when the row has no ifName (some HC-only rows on Huawei). */
  ifName?: string;
  ifAlias?: string;
  /** ifHighSpeed (Mbit/s). */
  ifHighSpeedMbps?: number;
  /** Both ifHCInOctets and ifHCOutOctets exist for this row. */
  hasHcCounters: boolean;
}

export type BandwidthUnit =
  | 'kbps'
  | 'percent'
  | 'percentRemaining'
  | 'ratioRemaining'
  | 'perThousand'
  | 'perMillion';

/** The reservation configured on the router for a class (queueing `bandwidth`/`priority`). */
export interface ConfiguredBandwidth {
  value: number;
  unit: BandwidthUnit;
  /** A priority (LLQ/EF) queue rather than a bandwidth guarantee, where the device says so. */
  priority?: boolean;
}

export interface QosClass {
  vendor: QosVendor;
  /**
   * ifIndex the policy is attached to. `0` is Cisco's control plane (cbQosIfType 5,
   * `control-plane` / `system-cpp-policy`): kept, with `ifName` undefined, because no
   * interface has ifIndex 0; a link can never map to it.
   */
  ifIndex: number;
  /** ifName of `ifIndex` when that interface exists in ifXTable. */
  ifName?: string;
  direction: QosDirection;
  /**
   * The service policy attached to the interface (the top of the hierarchy). Juniper has no
   * policy objects in JUNIPER-COS-MIB: there it is the fixed label `output-queues`.
   */
  policyName: string;
  /** The class name (Cisco class-map, Huawei classifier, Juniper forwarding class(es)). */
  className: string;
  /**
   * Every policy and class from the attached policy down to this class, joined with "/":
   * `EGRESS/class-default/EGRESS-TC/EGRESS-TC3`. Unique per interface and direction.
   */
  path: string;
  /**
   * The index suffix of this class's rows in the vendor's statistics table:
   * Cisco `policyIndex.objectsIndex`; Huawei `ifIndex.direction.vlan1.vlan2.classifierIndex`;
   * Juniper `ifIndex.queueNumber`. Undefined when the device has no statistics row for the
   * class (Huawei policies without `statistic enable`): it cannot be polled.
   */
  statsIndex?: string;
  /** False when other classes sit below this one (a parent class of a nested policy). */
  leaf: boolean;
  configuredBandwidth?: ConfiguredBandwidth;
  /** Juniper: the output queue number. */
  queueNumber?: number;
}

/** Column OIDs (without the index) of a class's byte counters; all Counter64. */
export interface QosCounterColumns {
  /** Bytes offered to the class (Cisco pre-policy, Huawei matched, Juniper queued). */
  prePolicyBytes: string;
  /** Bytes that left the class (Cisco post-policy, Huawei passed, Juniper transmitted). */
  postPolicyBytes: string;
  /** Bytes dropped in the class. */
  dropBytes: string;
}

/** Where each vendor keeps the byte counters of a class (checked against the MIB text). */
const QOS_COUNTER_COLUMNS: Readonly<Record<QosVendor, QosCounterColumns>> = {
  // CISCO-CLASS-BASED-QOS-MIB cbQosCMStatsTable: PrePolicyByte64 .6, PostPolicyByte64 .10, DropByte64 .17.
  cisco: {
    prePolicyBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.6',
    postPolicyBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.10',
    dropBytes: '1.3.6.1.4.1.9.9.166.1.15.1.1.17',
  },
  // HUAWEI-CBQOS-MIB hwCBQoSClassifierStatisticsTable: MatchedBytes .6, MatchedPassBytes .8, MatchedDropBytes .10.
  huawei: {
    prePolicyBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.6',
    postPolicyBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.8',
    dropBytes: '1.3.6.1.4.1.2011.5.25.32.1.1.5.6.3.1.10',
  },
  // JUNIPER-COS-MIB jnxCosQstatTable: QedBytes .5, TxedBytes .9, TotalDropBytes .55.
  juniper: {
    prePolicyBytes: '1.3.6.1.4.1.2636.3.15.4.1.5',
    postPolicyBytes: '1.3.6.1.4.1.2636.3.15.4.1.9',
    dropBytes: '1.3.6.1.4.1.2636.3.15.4.1.55',
  },
};

/** The instance OIDs of one class's byte counters; undefined when it has no statistics row. */
export function counterOids(cls: Pick<QosClass, 'vendor' | 'statsIndex'>): QosCounterColumns | undefined {
  if (cls.statsIndex === undefined) return undefined;
  const columns = QOS_COUNTER_COLUMNS[cls.vendor];
  return {
    prePolicyBytes: `${columns.prePolicyBytes}.${cls.statsIndex}`,
    postPolicyBytes: `${columns.postPolicyBytes}.${cls.statsIndex}`,
    dropBytes: `${columns.dropBytes}.${cls.statsIndex}`,
  };
}

/**
 * Where a poll walks for one class's byte counters: each counter column followed by the class's
 * statistics index without its last arc (Cisco's policyIndex, Huawei's
 * ifIndex.direction.vlan1.vlan2, Juniper's ifIndex), and the class's row under them (the last
 * arc). A GETBULK of the three columns under one prefix reads the rows of that one policy (or
 * interface) and no other.
 */
export interface QosCounterWalk {
  columns: QosCounterColumns;
  /** The class's row index under `columns`. */
  row: string;
}

/** The walk of one class's counters; undefined when it has no statistics row. */
export function counterWalk(cls: Pick<QosClass, 'vendor' | 'statsIndex'>): QosCounterWalk | undefined {
  if (cls.statsIndex === undefined) return undefined;
  const columns = QOS_COUNTER_COLUMNS[cls.vendor];
  const cut = cls.statsIndex.lastIndexOf('.');
  const prefix = cut < 0 ? '' : `.${cls.statsIndex.slice(0, cut)}`;
  // Flat strings (join): a plan keeps them for its life.
  return {
    columns: {
      prePolicyBytes: [columns.prePolicyBytes, prefix].join(''),
      postPolicyBytes: [columns.postPolicyBytes, prefix].join(''),
      dropBytes: [columns.dropBytes, prefix].join(''),
    },
    row: cls.statsIndex.slice(cut + 1),
  };
}

/** The statistics index whose counters a walk reads (counterWalk's inverse). */
export function statsIndexOfWalk(vendor: QosVendor, walk: QosCounterWalk): string {
  const prefix = walk.columns.postPolicyBytes.slice(QOS_COUNTER_COLUMNS[vendor].postPolicyBytes.length + 1);
  return prefix === '' ? walk.row : [prefix, walk.row].join('.');
}

export interface DeviceDiscovery {
  /** host:port as given. */
  target: string;
  /** When the last answer arrived (epoch ms). */
  atMs: number;
  sysDescr?: string;
  sysObjectId?: string;
  /** Sorted by ifIndex. */
  interfaces: DiscoveredInterface[];
  /** Sorted by ifIndex, direction, path. Empty when the device reports no QoS (not an error). */
  classes: QosClass[];
  /** Vendors whose QoS tables had rows. */
  qosVendors: QosVendor[];
  /** Things a human should know (partial tables, classes without statistics, …). */
  notes: string[];
  /** SNMP requests and varbinds the discovery cost. */
  requests: number;
  varbinds: number;
}

/** The result of a vendor join: classes plus notes on what could not be joined. */
export interface QosJoin {
  classes: QosClass[];
  notes: string[];
}

const DIRECTION_ORDER: Record<QosDirection, number> = { input: 0, output: 1 };

/** The order discovery reports classes in: ifIndex, direction, path. */
export function compareClasses(a: QosClass, b: QosClass): number {
  return (
    a.ifIndex - b.ifIndex ||
    DIRECTION_ORDER[a.direction] - DIRECTION_ORDER[b.direction] ||
    (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)
  );
}
