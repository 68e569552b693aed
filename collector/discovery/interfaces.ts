// IF-MIB ifXTable rows → DiscoveredInterface. Every ifIndex that has any of the columns we
// read is an interface; ifName is optional (Huawei NE8000 has HC rows without a name).
import type { Rows } from '../snmp/index.ts';
import type { DiscoveredInterface } from './model.ts';
import { DISCOVERY_COLUMNS, IF_MIB } from '../snmp/if-mib.ts';
import { numberOf, numericArcs, textOf } from './rows.ts';

/** The ifXTable columns discovery reads, by name (from the one IF-MIB table). */
export const IF_COLUMNS = {
  ifName: IF_MIB.ifName,
  ifHCInOctets: IF_MIB.ifHCInOctets,
  ifHCOutOctets: IF_MIB.ifHCOutOctets,
  ifHighSpeed: IF_MIB.ifHighSpeed,
  ifAlias: IF_MIB.ifAlias,
  ifCounterDiscontinuityTime: IF_MIB.ifCounterDiscontinuityTime,
} as const;

/** The ifXTable columns discovery reads. */
export const INTERFACE_COLUMNS: readonly string[] = DISCOVERY_COLUMNS;

export function joinInterfaces(rows: Rows): DiscoveredInterface[] {
  const out: DiscoveredInterface[] = [];
  for (const [index, row] of rows) {
    if (!INTERFACE_COLUMNS.some((c) => row.has(c))) continue;
    const arcs = numericArcs(index, 1);
    const ifIndex = arcs?.[0];
    if (ifIndex === undefined) continue;
    const iface: DiscoveredInterface = {
      ifIndex,
      hasHcCounters: row.has(IF_COLUMNS.ifHCInOctets) && row.has(IF_COLUMNS.ifHCOutOctets),
    };
    const ifName = textOf(row.get(IF_COLUMNS.ifName));
    if (ifName !== undefined) iface.ifName = ifName;
    const ifAlias = textOf(row.get(IF_COLUMNS.ifAlias));
    if (ifAlias !== undefined && ifAlias !== '') iface.ifAlias = ifAlias;
    const speed = numberOf(row.get(IF_COLUMNS.ifHighSpeed));
    if (speed !== undefined) iface.ifHighSpeedMbps = speed;
    out.push(iface);
  }
  return out.sort((a, b) => a.ifIndex - b.ifIndex);
}

/** ifIndex → ifName, for the QoS joins. */
export function ifNamesOf(interfaces: readonly DiscoveredInterface[]): Map<number, string> {
  const names = new Map<number, string>();
  for (const i of interfaces) if (i.ifName !== undefined) names.set(i.ifIndex, i.ifName);
  return names;
}
