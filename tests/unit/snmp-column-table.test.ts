// ColumnTable (collector/snmp/read.ts): rows by position, and release() after a poll drops the
// values and answers but keeps each row's index text for the next walk.
import { describe, expect, it } from 'vitest';
import { ColumnTable, type Rows, type WalkPage } from '../../collector/snmp/index.ts';

const ifName = '1.3.6.1.2.1.31.1.1.1.1';
const ifHighSpeed = '1.3.6.1.2.1.31.1.1.1.15';

describe('ColumnTable', () => {
  const page: WalkPage = { atMs: 1_000, scalars: new Map() };
  const rows: Rows = new Map([
    ['1', new Map<string, Buffer | number>([[ifName, Buffer.from('Gi0/0/0')], [ifHighSpeed, 1_000]])],
    ['7', new Map<string, Buffer | number>([[ifName, Buffer.from('Gi0/0/1')]])],
  ]);

  it('holds each column’s rows by position', () => {
    const table = ColumnTable.ofRows([ifName, ifHighSpeed], rows, undefined, page);
    const [names, speeds] = table.columns;
    expect(names?.count).toBe(2);
    expect(names?.get('7', 1)).toEqual(Buffer.from('Gi0/0/1'));
    expect(speeds?.get('1', 0)).toBe(1_000);
    expect(speeds?.get('7', 1)).toBeUndefined();
  });

  it('release() drops the values and answers, keeps the index texts', () => {
    const table = ColumnTable.ofRows([ifName, ifHighSpeed], rows, undefined, page);
    table.release();
    for (const col of table.columns) {
      expect(col.count).toBe(0);
      expect(col.values.every((v) => v === undefined)).toBe(true);
      expect(col.pages.every((p) => p === undefined)).toBe(true);
      expect(col.get('1', 0)).toBeUndefined();
    }
    expect(table.columns[0]?.index).toEqual(['1', '7']);
  });
});
