// ColumnTable and TablePool (collector/snmp/read.ts): rows by position; a table given back to
// its pool after a poll has its values and answers dropped but keeps each row's index text, and
// is lent again for the same column list (not for another).
import { describe, expect, it } from 'vitest';
import { TablePool } from '../../collector/snmp/read.ts';
import type { WalkPage } from '../../collector/snmp/index.ts';
import { tableOf } from '../helpers/column-table.ts';

const ifName = '1.3.6.1.2.1.31.1.1.1.1';
const ifHighSpeed = '1.3.6.1.2.1.31.1.1.1.15';
const columns = [ifName, ifHighSpeed];

describe('ColumnTable', () => {
  const page: WalkPage = { atMs: 1_000, scalars: new Map() };
  const varbinds = [
    [`${ifName}.1`, Buffer.from('Gi0/0/0')],
    [`${ifName}.7`, Buffer.from('Gi0/0/1')],
    [`${ifHighSpeed}.1`, 1_000],
  ] as const;

  it('holds each column’s rows by position', () => {
    const [names, speeds] = tableOf(columns, varbinds, page).columns;
    expect(names?.count).toBe(2);
    expect(names?.get('7', 1)).toEqual(Buffer.from('Gi0/0/1'));
    expect(speeds?.get('1', 0)).toBe(1_000);
    expect(speeds?.get('7', 1)).toBeUndefined();
  });

  it('given back to its pool: values and answers dropped, index texts kept, lent again for the same columns only', () => {
    const pool = new TablePool();
    const table = tableOf(columns, varbinds, page);
    pool.give(table);
    for (const col of table.columns) {
      expect(col.count).toBe(0);
      expect(col.values.every((v) => v === undefined)).toBe(true);
      expect(col.pages.every((p) => p === undefined)).toBe(true);
      expect(col.get('1', 0)).toBeUndefined();
    }
    expect(table.columns[0]?.index).toEqual(['1', '7']);
    expect(pool.acquire([ifName])).not.toBe(table);
    expect(pool.acquire(columns)).toBe(table);
    expect(pool.acquire(columns)).not.toBe(table);
  });
});
