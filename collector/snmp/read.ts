// Reads over a session: `readColumns` walks only the given table columns with GETBULK,
// `get` fetches scalars. Results are grouped by row index and stamped with the time the
// last response arrived. Failures reject with an SnmpError (kind + cause); callbacks never
// throw.
import snmp from 'net-snmp';
import { toSnmpError, SnmpError } from './errors.ts';
import { decodeValue, type SnmpValue } from './values.ts';

/** Row index (the OID suffix after the column, e.g. "3" or "1.2") → column OID → value. */
export type Rows = Map<string, Map<string, SnmpValue>>;

export interface ColumnRead {
  rows: Rows;
  /** Values of the requested scalars (instance OID → value); absent when the agent lacks one. */
  scalars: Map<string, SnmpValue>;
  /** When the last response arrived (epoch ms). */
  atMs: number;
  /** How many requests were sent (pages). */
  requests: number;
  /** How many varbinds came back in all (including past-the-end ones). */
  varbinds: number;
}

export interface ReadColumnsOptions {
  /** Rows asked for per column and request (GETBULK max-repetitions). */
  maxRepetitions?: number;
  /**
   * Scalar instance OIDs ending in `.0` (e.g. sysUpTime.0) fetched as non-repeaters in the
   * first request, so they arrive in the same response as the first rows.
   */
  scalars?: string[];
  /** Safety stop against agents that never end a column. */
  maxRequests?: number;
  /** Clock (epoch ms); defaults to Date.now. */
  now?: () => number;
}

interface RawVarbind {
  oid: string;
  type?: number;
  value?: unknown;
}

/** Compares dotted OIDs numerically, arc by arc. */
export function compareOids(a: string, b: string): number {
  const pa = a.split('.');
  const pb = b.split('.');
  const n = Math.min(pa.length, pb.length);
  for (let i = 0; i < n; i++) {
    const d = Number(pa[i]) - Number(pb[i]);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return pa.length === pb.length ? 0 : pa.length < pb.length ? -1 : 1;
}

function isException(vb: RawVarbind): boolean {
  return (
    vb.type === snmp.ObjectType.NoSuchObject ||
    vb.type === snmp.ObjectType.NoSuchInstance ||
    vb.type === snmp.ObjectType.EndOfMibView
  );
}

function asVarbind(x: unknown): RawVarbind | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return undefined;
  const oid = (x as { oid?: unknown }).oid;
  if (typeof oid !== 'string') return undefined;
  const type = (x as { type?: unknown }).type;
  return { oid, type: typeof type === 'number' ? type : undefined, value: (x as { value?: unknown }).value };
}

function getBulk(
  session: snmp.Session,
  target: string,
  oids: string[],
  nonRepeaters: number,
  maxRepetitions: number,
): Promise<unknown[]> {
  return new Promise((resolve, reject) => {
    let settled = false;
    try {
      session.getBulk(oids, nonRepeaters, maxRepetitions, (error, varbinds) => {
        if (settled) return;
        settled = true;
        if (error) reject(toSnmpError(error, target));
        else resolve(Array.isArray(varbinds) ? varbinds : []);
      });
    } catch (err) {
      // net-snmp throws synchronously for a closed socket or a PDU it cannot encode.
      if (!settled) {
        settled = true;
        reject(toSnmpError(err, target));
      }
    }
  });
}

/**
 * Walks the given columns (e.g. `1.3.6.1.2.1.31.1.1.1.6`) with GETBULK, paging with
 * maxRepetitions, continuing only the columns that have not ended. A column ends at the
 * first OID outside it, at endOfMibView, at an exception value, or at an OID that does not
 * increase (a broken agent); a column the agent lacks yields no rows.
 */
export async function readColumns(
  session: snmp.Session,
  target: string,
  columnOids: readonly string[],
  opts: ReadColumnsOptions = {},
): Promise<ColumnRead> {
  const now = opts.now ?? Date.now;
  const maxRepetitions = opts.maxRepetitions ?? 25;
  const maxRequests = opts.maxRequests ?? 10_000;
  const rows: Rows = new Map();
  const scalars = new Map<string, SnmpValue>();
  const scalarOids = opts.scalars ?? [];
  for (const s of scalarOids) {
    if (!s.endsWith('.0')) throw new Error(`scalar OID must name instance .0: ${s}`);
  }
  // Per active column: its OID and the cursor (last OID seen).
  let active = columnOids.map((column) => ({ column, cursor: column }));
  let requests = 0;
  let varbindCount = 0;
  let atMs = now();
  let first = true;

  while (active.length > 0 || (first && scalarOids.length > 0)) {
    if (requests >= maxRequests) {
      throw new SnmpError('response', target, `gave up after ${requests} requests: the agent never ended a column`);
    }
    const nonRepeaters = first ? scalarOids.length : 0;
    // A GETNEXT of `X` returns `X.0` when the scalar exists.
    const request = [...(first ? scalarOids.map((s) => s.slice(0, -2)) : []), ...active.map((a) => a.cursor)];
    const response = await getBulk(session, target, request, nonRepeaters, maxRepetitions);
    requests++;
    atMs = now();

    for (let i = 0; i < nonRepeaters; i++) {
      const vb = asVarbind(response[i]);
      const wanted = scalarOids[i];
      if (!vb || wanted === undefined) continue;
      varbindCount++;
      if (vb.oid !== wanted || isException(vb)) continue;
      const value = decodeValue(vb.type, vb.value);
      if (value !== undefined) scalars.set(wanted, value);
    }

    const next: typeof active = [];
    let progressed = false;
    active.forEach((col, j) => {
      const list = response[nonRepeaters + j];
      const items = Array.isArray(list) ? list : [];
      const prefix = col.column + '.';
      // A column with nothing in this response (the agent trimmed a too-big answer) stays
      // active and is asked again from the same cursor.
      let ended = false;
      let cursor = col.cursor;
      for (const item of items) {
        const vb = asVarbind(item);
        if (!vb) {
          ended = true;
          break;
        }
        varbindCount++;
        if (isException(vb) || !vb.oid.startsWith(prefix) || compareOids(vb.oid, cursor) <= 0) {
          ended = true;
          break;
        }
        cursor = vb.oid;
        const index = vb.oid.slice(prefix.length);
        const value = decodeValue(vb.type, vb.value);
        if (value === undefined) continue;
        let row = rows.get(index);
        if (!row) {
          row = new Map();
          rows.set(index, row);
        }
        row.set(col.column, value);
      }
      if (ended || cursor !== col.cursor) progressed = true;
      if (!ended) next.push({ column: col.column, cursor });
    });
    if (!progressed && active.length > 0) {
      throw new SnmpError('response', target, 'the agent returned no rows for any requested column');
    }
    active = next;
    first = false;
  }
  return { rows, scalars, atMs, requests, varbinds: varbindCount };
}

export interface GetResult {
  /** Instance OID → value; absent for noSuchObject/noSuchInstance. */
  values: Map<string, SnmpValue>;
  atMs: number;
}

/** GET of scalar instance OIDs; missing objects are simply absent from `values`. */
export function get(
  session: snmp.Session,
  target: string,
  oids: readonly string[],
  now: () => number = Date.now,
): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const done = (fn: () => void) => {
      if (settled) return;
      settled = true;
      fn();
    };
    try {
      session.get([...oids], (error, varbinds) => {
        done(() => {
          if (error) {
            reject(toSnmpError(error, target));
            return;
          }
          const values = new Map<string, SnmpValue>();
          for (const item of varbinds ?? []) {
            const vb = asVarbind(item);
            if (!vb || isException(vb)) continue;
            const value = decodeValue(vb.type, vb.value);
            if (value !== undefined) values.set(vb.oid, value);
          }
          resolve({ values, atMs: now() });
        });
      });
    } catch (err) {
      done(() => reject(toSnmpError(err, target)));
    }
  });
}
