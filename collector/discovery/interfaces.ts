// IF-MIB ifXTable rows → DiscoveredInterface. Every ifIndex that has any of the columns we
// read is an interface; ifName is optional (Huawei NE8000 has HC rows without a name).
import type { Rows } from '../snmp/index.ts';
import type { DiscoveredInterface } from './model.ts';
import { numberOf, numericArcs, textOf } from './rows.ts';

const IFX = '1.3.6.1.2.1.31.1.1.1';
export const IF_COLUMNS = {
  ifName: `${IFX}.1`,
  ifHCInOctets: `${IFX}.6`,
  ifHCOutOctets: `${IFX}.10`,
  ifHighSpeed: `${IFX}.15`,
  ifAlias: `${IFX}.18`,
  ifCounterDiscontinuityTime: `${IFX}.19`,
} as const;

/** The ifXTable columns discovery reads. */
export const INTERFACE_COLUMNS: readonly string[] = Object.values(IF_COLUMNS);

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
