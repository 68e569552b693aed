// Discovery of one device: its ifXTable interfaces and its QoS classes (Cisco CBQoS, Huawei
// CBQoS, Juniper CoS), reading only the columns the joins need, in two walks:
//   1. the IF-MIB columns plus one small "anchor" column per vendor (and sysDescr/sysObjectID);
//   2. the remaining columns of each vendor whose anchor had rows.
// A device without QoS tables (or with partial ones, like the CT5760's policy-map names only)
// yields no classes and no error. SNMP faults (timeout, auth) reject with an SnmpError.
import type { Logger } from 'pino';
import type { SnmpConfig } from '../../config/schema.ts';
import { openSession, readColumns, type OpenSession, type Rows, type SessionTiming, type V2cTransport } from '../snmp/index.ts';
import { CISCO_ANCHOR_COLUMNS, CISCO_COLUMNS, joinCiscoCbqos } from './cisco-cbqos.ts';
import { HUAWEI_ANCHOR_COLUMNS, HUAWEI_COLUMNS, joinHuaweiCbqos } from './huawei-cbqos.ts';
import { ifNamesOf, INTERFACE_COLUMNS, joinInterfaces } from './interfaces.ts';
import { JUNIPER_ANCHOR_COLUMNS, JUNIPER_COLUMNS, joinJuniperCos } from './juniper-cos.ts';
import { compareClasses, type DeviceDiscovery, type QosClass, type QosVendor } from './model.ts';
import { hasAnyColumn, textOf } from './rows.ts';
import { SNMPV2_MIB } from '../snmp/if-mib.ts';

const SYS_DESCR = SNMPV2_MIB.sysDescr;
const SYS_OBJECT_ID = SNMPV2_MIB.sysObjectID;

/** Either an open session (the caller closes it) or an address and credentials (we do). */
export type DiscoveryTarget =
  | Pick<OpenSession, 'session' | 'target'>
  | { address: string; snmp: SnmpConfig };

export interface DiscoverOptions {
  /** Used when discovery opens its own session. Default 2 s, 1 retry. */
  timing?: SessionTiming;
  /** GETBULK max-repetitions. Default 20. */
  maxRepetitions?: number;
  log?: Logger;
  now?: () => number;
  /** The collector's v2c client to open a session over (else net-snmp's). */
  transport?: V2cTransport;
}

interface VendorTables {
  vendor: QosVendor;
  anchors: readonly string[];
  /** The vendor's other columns, read when an anchor had rows. */
  details: readonly string[];
  join: (rows: Rows, ifNames: ReadonlyMap<number, string>) => { classes: QosClass[]; notes: string[] };
}

function vendorTables(
  vendor: QosVendor,
  columns: Readonly<Record<string, string>>,
  anchors: readonly string[],
  join: VendorTables['join'],
): VendorTables {
  return { vendor, anchors, details: Object.values(columns).filter((c) => !anchors.includes(c)), join };
}

const VENDORS: readonly VendorTables[] = [
  vendorTables('cisco', CISCO_COLUMNS, CISCO_ANCHOR_COLUMNS, joinCiscoCbqos),
  vendorTables('huawei', HUAWEI_COLUMNS, HUAWEI_ANCHOR_COLUMNS, joinHuaweiCbqos),
  vendorTables('juniper', JUNIPER_COLUMNS, JUNIPER_ANCHOR_COLUMNS, joinJuniperCos),
];

/** Adds the columns of `from` into `into` (same index → same row). */
function mergeRows(into: Rows, from: Rows): void {
  for (const [index, row] of from) {
    const existing = into.get(index);
    if (!existing) into.set(index, new Map(row));
    else for (const [column, value] of row) existing.set(column, value);
  }
}

export async function discoverDevice(target: DiscoveryTarget, opts: DiscoverOptions = {}): Promise<DeviceDiscovery> {
  let owned: OpenSession | undefined;
  const { session, target: name } =
    'session' in target
      ? target
      : (owned = openSession(target.address, target.snmp, opts.timing ?? { timeoutMs: 2_000, retries: 1 }, opts.transport));
  try {
    const readOpts = { maxRepetitions: opts.maxRepetitions ?? 20, ...(opts.now ? { now: opts.now } : {}) };
    const first = await readColumns(
      session,
      name,
      [...INTERFACE_COLUMNS, ...VENDORS.flatMap((v) => v.anchors)],
      { ...readOpts, scalars: [SYS_DESCR, SYS_OBJECT_ID] },
    );
    const rows: Rows = first.rows;
    const present = VENDORS.filter((v) => hasAnyColumn(rows, v.anchors));
    let requests = first.requests;
    let varbinds = first.varbinds;
    let atMs = first.atMs;
    const details = present.flatMap((v) => v.details);
    if (details.length > 0) {
      const second = await readColumns(session, name, details, readOpts);
      mergeRows(rows, second.rows);
      requests += second.requests;
      varbinds += second.varbinds;
      atMs = second.atMs;
    }

    const interfaces = joinInterfaces(rows);
    const ifNames = ifNamesOf(interfaces);
    const classes: QosClass[] = [];
    const notes: string[] = [];
    const qosVendors: QosVendor[] = [];
    for (const v of present) {
      const joined = v.join(rows, ifNames);
      classes.push(...joined.classes);
      notes.push(...joined.notes);
      if (joined.classes.length > 0) qosVendors.push(v.vendor);
    }
    const result: DeviceDiscovery = {
      target: name,
      atMs,
      interfaces,
      classes: classes.sort(compareClasses),
      qosVendors,
      notes,
      requests,
      varbinds,
    };
    const sysDescr = textOf(first.scalars.get(SYS_DESCR));
    if (sysDescr !== undefined) result.sysDescr = sysDescr;
    const sysObjectId = first.scalars.get(SYS_OBJECT_ID);
    if (typeof sysObjectId === 'string') result.sysObjectId = sysObjectId;
    opts.log?.debug(
      { target: name, interfaces: interfaces.length, classes: classes.length, vendors: qosVendors, requests, varbinds },
      'device discovered',
    );
    return result;
  } finally {
    owned?.close();
  }
}
