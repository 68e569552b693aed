// Small pure helpers over the SNMP layer's `Rows` (index → column OID → value): a name column
// by index, split numeric indexes, decode string indexes. Shared by the vendor joins.
import type { Rows, SnmpValue } from '../snmp/index.ts';

/** The text of one column by its rows' single numeric index (a name table: index → name). */
export function textByNumericIndex(rows: Rows, column: string): Map<number, string> {
  const out = new Map<number, string>();
  for (const [index, row] of rows) {
    const text = textOf(row.get(column));
    const key = numericArcs(index, 1)?.[0];
    if (text !== undefined && key !== undefined) out.set(key, text);
  }
  return out;
}

/** Whether any row has a value in any of the columns. */
export function hasAnyColumn(rows: Rows, columns: readonly string[]): boolean {
  for (const row of rows.values()) {
    for (const column of columns) if (row.has(column)) return true;
  }
  return false;
}

/** An index of unsigned integer arcs ("3.2.0.0.7") → numbers; undefined when malformed. */
export function numericArcs(index: string, count?: number): number[] | undefined {
  const parts = index.split('.');
  if (count !== undefined && parts.length !== count) return undefined;
  const arcs: number[] = [];
  for (const part of parts) {
    if (!/^\d+$/.test(part)) return undefined;
    arcs.push(Number(part));
  }
  return arcs;
}

/**
 * Decodes a string index component: `len.b1.b2…` (a non-IMPLIED OCTET STRING index), or the
 * bare bytes when the length prefix does not match (an IMPLIED index). Undefined when the arcs
 * are not bytes.
 */
export function stringIndex(index: string): string | undefined {
  const arcs = numericArcs(index);
  if (!arcs || arcs.length === 0 || arcs.some((a) => a > 255)) return undefined;
  const [length, ...rest] = arcs;
  const bytes = length === rest.length ? rest : arcs;
  return Buffer.from(bytes).toString('utf8');
}

/** Text of an OctetString value; undefined for other types. */
export function textOf(value: SnmpValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}

/** A numeric value (Integer, Gauge, TimeTicks, or a counter that fits a double exactly). */
export function numberOf(value: SnmpValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= 0n) return Number(value);
  return undefined;
}

/**
 * Builds `Rows` from full instance OIDs, as the SNMP layer's `readColumns` would return them
 * for these columns. For tests and for data read some other way; unknown OIDs are ignored.
 */
export function rowsFromVarbinds(columns: readonly string[], varbinds: Iterable<readonly [string, SnmpValue]>): Rows {
  const rows: Rows = new Map();
  // Longest column first, so a column that is a prefix of another never steals its OIDs.
  const sorted = [...columns].sort((a, b) => b.length - a.length);
  for (const [oid, value] of varbinds) {
    const column = sorted.find((c) => oid.startsWith(c + '.'));
    if (column === undefined) continue;
    const index = oid.slice(column.length + 1);
    let row = rows.get(index);
    if (!row) {
      row = new Map();
      rows.set(index, row);
    }
    row.set(column, value);
  }
  return rows;
}
