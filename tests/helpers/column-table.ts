// A walk's table (collector/snmp/read.ts ColumnTable) filled from varbinds as readTable fills it:
// each value goes to its column (the longest column OID it falls under), in the order given.
import { ColumnTable, type SnmpValue, type WalkPage } from '../../collector/snmp/index.ts';

/** `varbinds` (instance OID, value) into a new table of `columnOids`, each row carried by `page`. */
export function tableOf(columnOids: readonly string[], varbinds: ReadonlyArray<readonly [string, SnmpValue]>, page: WalkPage): ColumnTable {
  const table = new ColumnTable(columnOids);
  for (const [oid, value] of varbinds) {
    const col = table.columns
      .filter((c) => oid.startsWith(`${c.oid}.`))
      .sort((a, b) => b.oid.length - a.oid.length)[0];
    if (!col) throw new Error(`tableOf: ${oid} is under none of the table's columns`);
    col.index[col.count] = oid.slice(col.oid.length + 1);
    col.values[col.count] = value;
    col.pages[col.count] = page;
    col.count++;
  }
  return table;
}
