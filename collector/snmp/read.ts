// Reads over a session: `readColumns` walks only the given table columns with GETBULK and
// groups the values by row index, `walkColumns` hands each value to a visitor instead, `get`
// fetches instances. The requested scalars (sysUpTime.0, or any instance of an object indexed by
// one sub-identifier: getNextRequestOidFor) go out as non-repeaters in EVERY request of a walk
// (`firstScalars`: in the first only), and each row is stamped with the answer that carried it (its receive time
// and its scalars): a row's counters and its clock come from one answer, whatever retries or
// delays fell between the pages. `readTableWith` walks a table and other columns in
// the same requests (one datagram for two walks). Two
// transports, one behaviour: the collector's own SNMPv2c client (collector/snmp/v2c.ts: answers
// read in place, no OID string per varbind) and net-snmp (SNMPv3). Failures reject with an
// SnmpError (kind + cause); callbacks never throw.
import snmp from 'net-snmp';
import { arcsEqualText, arcsText, compareOidContent, encodeArcsInto, encodeOid, forEachVarbind, isExceptionTag, oidEquals, oidHasPrefix, readValue, requestVarbind } from './ber.ts';
import { toSnmpError, SnmpError } from './errors.ts';
import { V2cSession, type V2cTransport } from './v2c.ts';
import { decodeValue, type SnmpValue } from './values.ts';

/** A session of either transport. */
export type SnmpSession = snmp.Session | V2cSession;

/** Row index (the OID suffix after the column, e.g. "3" or "1.2") → column OID → value. */
export type Rows = Map<string, Map<string, SnmpValue>>;

/** One answer of a walk: when it arrived and the requested scalars it carried. */
export interface WalkPage {
  /** When the answer arrived (epoch ms). */
  atMs: number;
  /** The requested scalars in this answer (instance OID → value); absent when the agent lacks one. */
  scalars: Map<string, SnmpValue>;
}

export interface ColumnRead {
  rows: Rows;
  /** Values of the requested scalars in the FIRST answer (instance OID → value); absent when the agent lacks one. */
  scalars: Map<string, SnmpValue>;
  /** When the first answer (the one `scalars` come from) arrived (epoch ms). */
  scalarsAtMs: number;
  /** When the last response arrived (epoch ms). */
  atMs: number;
  /** How many requests were sent (pages). */
  requests: number;
  /** How many varbinds came back in all (including past-the-end ones). */
  varbinds: number;
  /** The most rows any one column had: max-repetitions of one more read every column in one request. */
  maxRowsPerColumn: number;
}

/** A walk's outcome but its values (each handed to the visitor as it arrived). */
export type ColumnWalk = Omit<ColumnRead, 'rows'>;

/**
 * Gets each value of a walk: its column (as asked), its row index (the OID after the column),
 * the value and the answer that carried it.
 */
export type VisitValue = (column: string, index: string, value: SnmpValue, page: WalkPage) => void;

export interface ReadColumnsOptions {
  /** Rows asked for per column and request (GETBULK max-repetitions). */
  maxRepetitions?: number;
  /**
   * Instance OIDs of one sub-identifier index fetched as non-repeaters in every request, so each
   * answer carries them with its rows: a scalar's `X.0` (sysUpTime.0), or row `X.p` of a table
   * indexed by one integer (a GETNEXT of `X.(p-1)` answers `X.p` when it exists: see
   * getNextRequestOidFor). Keep the same list from walk to walk: it is checked and encoded once.
   */
  scalars?: readonly string[];
  /**
   * Instance OIDs like `scalars` asked in the FIRST request only, after them: values that the
   * walk's result needs once (ColumnWalk.scalars), not each row (a row's clock is its own
   * answer's sysUpTime.0: that stays in `scalars`). Checked and encoded once per list too.
   */
  firstScalars?: readonly string[];
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

/**
 * Compares dotted OIDs numerically, arc by arc, without splitting them (it runs for every
 * varbind of a walk). A shorter OID that is a prefix of the other sorts first. `from`: both
 * share their first `from` characters, ending with a dot (a column prefix), which are skipped.
 */
export function compareOids(a: string, b: string, from = 0): number {
  const la = a.length;
  const lb = b.length;
  let i = from;
  let j = from;
  while (i < la && j < lb) {
    let na = 0;
    let nb = 0;
    let c = a.charCodeAt(i);
    while (c !== 46 && i < la) {
      na = na * 10 + (c - 48);
      c = a.charCodeAt(++i);
    }
    c = b.charCodeAt(j);
    while (c !== 46 && j < lb) {
      nb = nb * 10 + (c - 48);
      c = b.charCodeAt(++j);
    }
    if (na !== nb) return na < nb ? -1 : 1;
    i++;
    j++;
  }
  const aEnded = i >= la;
  const bEnded = j >= lb;
  return aEnded === bEnded ? 0 : aEnded ? -1 : 1;
}

function isException(type: number | undefined): boolean {
  return type === snmp.ObjectType.NoSuchObject || type === snmp.ObjectType.NoSuchInstance || type === snmp.ObjectType.EndOfMibView;
}

/** A varbind as net-snmp hands it over (checked, not copied: this runs for every varbind). */
function isVarbind(x: unknown): x is RawVarbind {
  return typeof x === 'object' && x !== null && typeof (x as { oid?: unknown }).oid === 'string';
}

function typeOf(vb: RawVarbind): number | undefined {
  return typeof vb.type === 'number' ? vb.type : undefined;
}

/** Highest value of an OID sub-identifier (RFC 2578: 0..2^32-1). */
const MAX_SUBIDENTIFIER = 4_294_967_295;

/**
 * The OID whose GETNEXT answers instance `instanceOid` when the agent has it: for `X.0`, `X`;
 * for `X.p` (p ≥ 1), `X.(p-1)`. Only for an object indexed by ONE sub-identifier (a scalar, or a
 * table indexed by one integer): under a longer index another row (`X.(p-1).…`) would come
 * first. Throws for what cannot be asked so: no parent of at least two arcs, or a last arc that
 * is not a sub-identifier in canonical decimal. Pure.
 */
export function getNextRequestOidFor(instanceOid: string): string {
  const dot = instanceOid.lastIndexOf('.');
  const parent = instanceOid.slice(0, Math.max(dot, 0));
  const last = instanceOid.slice(dot + 1);
  if (dot < 0 || !/^\d+(\.\d+)+$/.test(parent)) {
    throw new Error(`instance OID ${JSON.stringify(instanceOid)}: not an object OID (two arcs or more) followed by one index sub-identifier`);
  }
  if (!/^(0|[1-9]\d*)$/.test(last) || Number(last) > MAX_SUBIDENTIFIER) {
    throw new Error(`instance OID ${JSON.stringify(instanceOid)}: last arc ${JSON.stringify(last)} is not a sub-identifier (0..${MAX_SUBIDENTIFIER} in decimal)`);
  }
  const index = Number(last);
  return index === 0 ? parent : `${parent}.${index - 1}`;
}

/** A walk's scalars as requested: their GETNEXT OIDs (net-snmp) and, encoded, their content and request varbinds (v2c). */
interface ScalarRequests {
  /** The instance OIDs they were made from (a copy: a list changed in place is made again). */
  oids: readonly string[];
  nextOids: readonly string[];
  contents: readonly Buffer[];
  nextVarbinds: readonly Buffer[];
}

/** Scalar lists checked and encoded, by the list (one per poller or plan: nothing made per walk). */
const scalarRequestsByList = new WeakMap<readonly string[], ScalarRequests>();

/** The requests of `scalarOids` (throws, naming the OID, for one that getNextRequestOidFor refuses or that cannot be encoded). */
function scalarRequestsOf(scalarOids: readonly string[]): ScalarRequests {
  const known = scalarRequestsByList.get(scalarOids);
  if (known && sameOids(known.oids, scalarOids)) return known;
  const nextOids = scalarOids.map(getNextRequestOidFor);
  const encode = (oid: string): Buffer => {
    try {
      return encodeOid(oid);
    } catch (err) {
      throw new Error(`scalar OID ${JSON.stringify(oid)}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
  };
  const made: ScalarRequests = { oids: [...scalarOids], nextOids, contents: scalarOids.map(encode), nextVarbinds: nextOids.map((oid) => requestVarbind(encode(oid))) };
  scalarRequestsByList.set(scalarOids, made);
  return made;
}

/** No scalars (one list for every walk without). */
const noScalars: readonly string[] = [];

function checkScalars(opts: ReadColumnsOptions): void {
  scalarRequestsOf(opts.scalars ?? noScalars);
  scalarRequestsOf(opts.firstScalars ?? noScalars);
}

function getBulk(session: snmp.Session, target: string, oids: string[], nonRepeaters: number, maxRepetitions: number): Promise<unknown[]> {
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
 * maxRepetitions, continuing only the columns that have not ended, and groups the values by
 * row index. A column ends at the first OID outside it, at endOfMibView, at an exception
 * value, or at an OID that does not increase (a broken agent); a column the agent lacks
 * yields no rows.
 */
export async function readColumns(session: SnmpSession, target: string, columnOids: readonly string[], opts: ReadColumnsOptions = {}): Promise<ColumnRead> {
  const rows: Rows = new Map();
  const walked = await walkColumns(session, target, columnOids, opts, (column, index, value) => {
    let row = rows.get(index);
    if (!row) {
      row = new Map();
      rows.set(index, row);
    }
    row.set(column, value);
  });
  return { ...walked, rows };
}

/** The walk of `readColumns`, handing each value to `visit` instead of grouping rows. */
export function walkColumns(
  session: SnmpSession,
  target: string,
  columnOids: readonly string[],
  opts: ReadColumnsOptions,
  visit: VisitValue,
): Promise<ColumnWalk> {
  checkScalars(opts);
  if (session instanceof V2cSession) {
    return walkV2c(session, columnOids, opts, (col, buf, start, end, value, page) => visit(columnOids[col]!, arcsText(buf, start, end), value, page));
  }
  return walkNetSnmp(session, target, columnOids, opts, (col, index, value, page) => visit(columnOids[col]!, index, value, page));
}

/**
 * Gets each value of a walk with its row index in place: the column's position among the walk's
 * columns, the row index as OID content (`buf[start, end)`, what follows the column; arcsText
 * makes it text), the value and the answer that carried it.
 */
export type RowSink = (column: number, buf: Buffer, start: number, end: number, value: SnmpValue, page: WalkPage) => void;

/**
 * The walk of `readColumns`, handing each value to `sink` with its row index in place: over v2c
 * nothing is built per varbind but its value (net-snmp's OIDs, SNMPv3, are encoded for it).
 */
export function walkRows(session: SnmpSession, target: string, columnOids: readonly string[], opts: ReadColumnsOptions, sink: RowSink): Promise<ColumnWalk> {
  checkScalars(opts);
  if (session instanceof V2cSession) return walkV2c(session, columnOids, opts, sink);
  return walkNetSnmp(session, target, columnOids, opts, netSnmpSinkOf(sink));
}

/** A RowSink fed by a net-snmp walk: each row index (text) encoded for it. */
function netSnmpSinkOf(sink: RowSink): NetSnmpSink {
  const scratch = Buffer.allocUnsafe(128);
  return (col, index, value, page) => {
    const length = encodeArcsInto(index, scratch);
    // Not numeric arcs (or longer than any row index): no row of ours.
    if (length >= 0) sink(col, scratch, 0, length, value, page);
  };
}

/**
 * One column of a ColumnTable: the rows of its last walk, by position. A row that comes back at
 * the same position (every poll, on a steady device) keeps its index text: no text is made for it.
 */
export class TableColumn {
  readonly oid: string;
  /** Rows read by the last walk (positions past it are stale). */
  count = 0;
  /** Row index text (the OID after the column) by position. */
  readonly index: string[] = [];
  /** Value by position (undefined: released, see ColumnTable.release). */
  readonly values: (SnmpValue | undefined)[] = [];
  /** The answer that carried each row, by position (undefined: released). */
  readonly pages: (WalkPage | undefined)[] = [];

  constructor(oid: string) {
    this.oid = oid;
  }

  /** The position of the row `index` in the last walk, `hint` tried first; -1 when it has none. */
  find(index: string, hint: number): number {
    if (hint >= 0 && hint < this.count && this.index[hint] === index) return hint;
    for (let p = 0; p < this.count; p++) if (this.index[p] === index) return p;
    return -1;
  }

  /** The value of row `index`, `hint` tried first. */
  get(index: string, hint: number): SnmpValue | undefined {
    const p = this.find(index, hint);
    return p < 0 ? undefined : this.values[p];
  }
}

/**
 * The columns of a walk and their rows: lent to one poll at a time by a TablePool (the rows are
 * needed only while the poll reads them; a fleet's routers share a few tables, not one each).
 */
export class ColumnTable {
  readonly columns: readonly TableColumn[];
  /** The column OIDs as walked. */
  readonly oids: readonly string[];

  constructor(columnOids: readonly string[]) {
    this.oids = columnOids;
    this.columns = columnOids.map((oid) => new TableColumn(oid));
  }

  /**
   * Drops the last walk's values and answers (rows read: none), keeping each row's index text for the next walk:
   * a poll's readings (and the datagrams its octet strings are views of) then die with the
   * poll instead of living until the next one.
   */
  release(): void {
    for (const col of this.columns) {
      // Emptied in place, not truncated: the arrays keep their room for the next walk's rows.
      col.values.fill(undefined, 0, col.count);
      col.pages.fill(undefined, 0, col.count);
      col.count = 0;
    }
  }
}

/**
 * Tables lent to polls (by column list): as many as polls ran at once, shared by every router
 * (a table kept per router held its rows' room between polls: most of the collector's memory).
 */
export class TablePool {
  readonly #spare = new Map<readonly string[], ColumnTable[]>();

  /** A table of `columnOids` (the same list each poll: tables are kept by the list), empty. */
  acquire(columnOids: readonly string[]): ColumnTable {
    return this.#spare.get(columnOids)?.pop() ?? new ColumnTable(columnOids);
  }

  /** Takes back a table after its poll: its values are released. */
  give(table: ColumnTable): void {
    table.release();
    let spare = this.#spare.get(table.oids);
    if (!spare) {
      spare = [];
      this.#spare.set(table.oids, spare);
    }
    spare.push(table);
  }
}

/** Appends a row's value and its answer to a column (a function of the module: no closure per walk). */
function putValue(col: TableColumn, value: SnmpValue, page: WalkPage): void {
  col.values[col.count] = value;
  col.pages[col.count] = page;
  col.count++;
}

/** `a` or `b` when the row index `buf[start, end)` is that text, else a new text. */
function indexText(buf: Buffer, start: number, end: number, a: string | undefined, b: string | undefined): string {
  if (a !== undefined && arcsEqualText(buf, start, end, a)) return a;
  if (b !== undefined && arcsEqualText(buf, start, end, b)) return b;
  return arcsText(buf, start, end);
}

/**
 * The walk of `readColumns` into `table` (its columns, in order): each column's rows replace
 * the last walk's. A steady device's walk builds nothing per row but its values: each row
 * index's text is the column before's at that position (one text per row, not per column), or
 * for the first column `hints` at that position (the caller's texts of its last walk's first
 * column), or the table's own at that position.
 */
export function readTable(
  session: SnmpSession,
  target: string,
  table: ColumnTable,
  opts: ReadColumnsOptions,
  hints?: readonly (string | undefined)[],
): Promise<ColumnWalk> {
  return readTableWith(session, target, table, opts, hints, noParts).then(tableWalk);
}

/** No other walks: `readTable` is `readTableWith` alone (one list for every call). */
const noParts: readonly WalkPart[] = [];

/** The table's outcome, first of a joint walk's (a function of the module: no closure per walk). */
function tableWalk(walks: ColumnWalk[]): ColumnWalk {
  return walks[0]!;
}

/**
 * `readTable` with other walks in the same requests: the table's columns first, then each
 * part's, in one GETBULK while any has columns left (max-repetitions as `opts` says, for all).
 * The table's outcome first, then each part's.
 */
export function readTableWith(
  session: SnmpSession,
  target: string,
  table: ColumnTable,
  opts: ReadColumnsOptions,
  hints: readonly (string | undefined)[] | undefined,
  parts: readonly WalkPart[],
): Promise<ColumnWalk[]> {
  const columns = table.columns;
  for (const col of columns) col.count = 0;
  checkScalars(opts);
  if (session instanceof V2cSession) return walkV2cParts(session, [{ columns: table.oids, sink: tableSink(table, hints) }, ...parts], opts);
  // net-snmp makes each index's text: the table keeps it.
  const netSnmpParts = [{ columns: table.oids, visit: netSnmpTableSink(table) }];
  for (const p of parts) netSnmpParts.push({ columns: p.columns, visit: netSnmpSinkOf(p.sink) });
  return walkNetSnmpParts(session, target, netSnmpParts, opts);
}

/** A net-snmp walk's sink into `table`: each value with the index text net-snmp made. */
function netSnmpTableSink(table: ColumnTable): NetSnmpSink {
  const columns = table.columns;
  return (c, index, value, page) => {
    const col = columns[c]!;
    col.index[col.count] = index;
    putValue(col, value, page);
  };
}

/** A v2c walk's sink into `table` (see readTable: each row index's text reused where it can be). */
function tableSink(table: ColumnTable, hints: readonly (string | undefined)[] | undefined): RowSink {
  const columns = table.columns;
  return (c, buf, start, end, value, page) => {
    const col = columns[c]!;
    const p = col.count;
    col.index[p] = c > 0 ? indexText(buf, start, end, columns[c - 1]!.index[p], hints?.[p]) : indexText(buf, start, end, hints?.[p], col.index[p]);
    putValue(col, value, page);
  };
}

/** Gets each value of a net-snmp walk: its column's position, its row index, the value, its answer. */
type NetSnmpSink = (column: number, index: string, value: SnmpValue, page: WalkPage) => void;

/** What a walk keeps from answer to answer: its requests and the first answer's scalars (each part counts its own varbinds and rows). */
class WalkTally {
  readonly #target: string;
  readonly #maxRequests: number;
  requests = 0;
  atMs: number;
  #scalars: Map<string, SnmpValue> | undefined;
  #scalarsAtMs = 0;

  constructor(target: string, opts: ReadColumnsOptions) {
    this.#target = target;
    this.#maxRequests = opts.maxRequests ?? 10_000;
    this.atMs = (opts.now ?? Date.now)();
  }

  /** Before a request: throws when the agent never ends a column. */
  check(): void {
    if (this.requests >= this.#maxRequests) {
      throw new SnmpError('response', this.#target, `gave up after ${this.requests} requests: the agent never ended a column`);
    }
  }

  /** An answer arrived at `atMs`: its page, whose scalars are the walk's when it is the first. */
  page(atMs: number): WalkPage {
    this.requests++;
    this.atMs = atMs;
    const page: WalkPage = { atMs, scalars: new Map() };
    if (!this.#scalars) {
      this.#scalars = page.scalars;
      this.#scalarsAtMs = atMs;
    }
    return page;
  }

  /** After an answer: throws when columns were asked and none moved or ended. */
  progressed(progressed: boolean, columns: number): void {
    if (!progressed && columns > 0) throw new SnmpError('response', this.#target, 'the agent returned no rows for any requested column');
  }

  /** The first answer's scalars and when they came (the walk's start when none came). */
  result(): Pick<ColumnWalk, 'scalars' | 'scalarsAtMs'> {
    const scalars = this.#scalars;
    return { scalars: scalars ?? new Map(), scalarsAtMs: scalars ? this.#scalarsAtMs : this.atMs };
  }
}

async function walkNetSnmp(session: snmp.Session, target: string, columnOids: readonly string[], opts: ReadColumnsOptions, visit: NetSnmpSink): Promise<ColumnWalk> {
  const [walk] = await walkNetSnmpParts(session, target, [{ columns: columnOids, visit }], opts);
  return walk!;
}

/** walkV2cParts over net-snmp (SNMPv3): several parts' columns in the same requests, each part's outcome its own. */
async function walkNetSnmpParts(
  session: snmp.Session,
  target: string,
  parts: readonly { columns: readonly string[]; visit: NetSnmpSink }[],
  opts: ReadColumnsOptions,
): Promise<ColumnWalk[]> {
  const now = opts.now ?? Date.now;
  const maxRepetitions = opts.maxRepetitions ?? 25;
  const tally = new WalkTally(target, opts);
  const scalarOids = opts.scalars ?? noScalars;
  const firstOids = opts.firstScalars ?? noScalars;
  const tallies: PartTally[] = parts.map(() => ({ requests: 0, varbinds: 0, maxRowsPerColumn: 0, atMs: tally.atMs }));
  // Per active column: its part, its OID, its prefix and the cursor (last OID seen).
  let active = parts.flatMap((p, part) => p.columns.map((column, position) => ({ part, column, position, prefix: column + '.', cursor: column, rows: 0 })));
  // A GETNEXT of each answers its instance when the agent has it.
  const scalarRequest = scalarRequestsOf(scalarOids).nextOids;
  const firstRequest = scalarRequestsOf(firstOids).nextOids;
  const asked = new Uint8Array(parts.length);

  while (active.length > 0 || (tally.requests === 0 && scalarOids.length + firstOids.length > 0)) {
    tally.check();
    const first = tally.requests === 0;
    const nonRepeaters = first ? scalarOids.length + firstOids.length : scalarOids.length;
    const request = first ? [...scalarRequest, ...firstRequest, ...active.map((a) => a.cursor)] : [...scalarRequest, ...active.map((a) => a.cursor)];
    asked.fill(0);
    asked[0] = 1;
    for (const col of active) asked[col.part] = 1;
    const response = await getBulk(session, target, request, nonRepeaters, maxRepetitions);
    const page = tally.page(now());
    for (let p = 0; p < parts.length; p++) {
      if (asked[p] === 0) continue;
      tallies[p]!.requests++;
      tallies[p]!.atMs = page.atMs;
    }

    for (let i = 0; i < nonRepeaters; i++) {
      const vb = response[i];
      const wanted = i < scalarOids.length ? scalarOids[i] : firstOids[i - scalarOids.length];
      if (!isVarbind(vb) || wanted === undefined) continue;
      tallies[0]!.varbinds++;
      const type = typeOf(vb);
      if (vb.oid !== wanted || isException(type)) continue;
      const value = decodeValue(type, vb.value);
      if (value !== undefined) page.scalars.set(wanted, value);
    }

    const next: typeof active = [];
    let progressed = false;
    for (let j = 0; j < active.length; j++) {
      const col = active[j]!;
      const partTally = tallies[col.part]!;
      const visit = parts[col.part]!.visit;
      const list = response[nonRepeaters + j];
      const items: readonly unknown[] = Array.isArray(list) ? list : [];
      const prefix = col.prefix;
      partTally.varbinds += items.length;
      // A column with nothing in this response (the agent trimmed a too-big answer) stays
      // active and is asked again from the same cursor.
      let ended = false;
      let cursor = col.cursor;
      for (let k = 0; k < items.length; k++) {
        const vb = items[k];
        if (!isVarbind(vb)) {
          ended = true;
          break;
        }
        const type = typeOf(vb);
        const oid = vb.oid;
        // Rows come in increasing order; an OID that does not increase ends the column (a broken agent).
        if (isException(type) || !oid.startsWith(prefix) || (cursor !== col.column && compareOids(oid, cursor, prefix.length) <= 0)) {
          ended = true;
          break;
        }
        cursor = oid;
        col.rows++;
        const value = decodeValue(type, vb.value);
        if (value !== undefined) visit(col.position, oid.slice(prefix.length), value, page);
      }
      if (ended || cursor !== col.cursor) progressed = true;
      if (col.rows > partTally.maxRowsPerColumn) partTally.maxRowsPerColumn = col.rows;
      if (!ended) {
        col.cursor = cursor;
        next.push(col);
      }
    }
    tally.progressed(progressed, active.length);
    active = next;
  }
  const { scalars, scalarsAtMs } = tally.result();
  return tallies.map((t) => ({ scalars, scalarsAtMs, atMs: t.atMs, requests: t.requests, varbinds: t.varbinds, maxRowsPerColumn: t.maxRowsPerColumn }));
}

interface V2cColumn {
  /** The walk part it belongs to, and its position among that part's columns. */
  part: number;
  position: number;
  /** The column OID's content bytes. */
  prefix: Buffer;
  /** The request varbind asking for what follows the cursor. */
  cursorVarbind: Buffer;
  /** The cursor's OID content (undefined: the column itself, nothing read yet). */
  cursor: Buffer | undefined;
  rows: number;
  /** In the answer being read: ended, and where its last OID is. */
  ended: boolean;
  lastStart: number;
  lastEnd: number;
}

/** A walk's columns encoded: each column's OID content and its first request varbind. */
interface EncodedColumns {
  /** The column OIDs they were encoded from (a copy: a list changed in place is encoded again). */
  oids: readonly string[];
  prefixes: Buffer[];
  varbinds: Buffer[];
}

/**
 * Column lists encoded, by the list: a table's columns and a QoS plan's walks are the same list
 * at every poll, so their OIDs are encoded once per list (weakly held: they go with the list),
 * not looked up in a cache by each OID's text at every walk.
 */
const encodedColumns = new WeakMap<readonly string[], EncodedColumns>();

/** Whether `known` was encoded from the OIDs `columnOids` holds now. */
function sameOids(known: readonly string[], columnOids: readonly string[]): boolean {
  if (known.length !== columnOids.length) return false;
  for (let i = 0; i < known.length; i++) if (known[i] !== columnOids[i]) return false;
  return true;
}

/**
 * The encoded columns of `columnOids` (throws BerError for a bad OID). A list met for the first
 * time (a discovery's walk builds its own) takes each OID from the transport's cache by its text.
 */
function encodedColumnsOf(columnOids: readonly string[], transport: V2cTransport): EncodedColumns {
  const known = encodedColumns.get(columnOids);
  if (known && sameOids(known.oids, columnOids)) return known;
  const encoded: EncodedColumns = { oids: [...columnOids], prefixes: columnOids.map((oid) => transport.oidOf(oid)), varbinds: columnOids.map((oid) => transport.varbindOf(oid)) };
  encodedColumns.set(columnOids, encoded);
  return encoded;
}

/** One of the walks that share the requests of a v2c walk: its columns and where their values go. */
interface WalkPart {
  columns: readonly string[];
  sink: RowSink;
}

/** What one part of a shared walk counted. */
interface PartTally {
  requests: number;
  varbinds: number;
  maxRowsPerColumn: number;
  atMs: number;
}

async function walkV2c(session: V2cSession, columnOids: readonly string[], opts: ReadColumnsOptions, visit: RowSink): Promise<ColumnWalk> {
  const [walk] = await walkV2cParts(session, [{ columns: columnOids, sink: visit }], opts);
  return walk!;
}

/**
 * The v2c walk of several parts' columns in the same requests: each request asks for every
 * column of any part not yet ended (a column's varbinds past its end are its own to drop: never
 * another column's). Each part's outcome counts the answers that carried its columns (the
 * first part's, every answer: it carries the scalars) and the varbinds of its columns (the
 * first part's, the scalars' too).
 */
async function walkV2cParts(session: V2cSession, parts: readonly WalkPart[], opts: ReadColumnsOptions): Promise<ColumnWalk[]> {
  const target = session.target;
  const transport = session.transport;
  const maxRepetitions = opts.maxRepetitions ?? 25;
  const tally = new WalkTally(target, opts);
  const scalarOids = opts.scalars ?? noScalars;
  const firstOids = opts.firstScalars ?? noScalars;
  const tallies: PartTally[] = parts.map(() => ({ requests: 0, varbinds: 0, maxRowsPerColumn: 0, atMs: tally.atMs }));
  const sinks = parts.map((p) => p.sink);
  let active: V2cColumn[] = [];
  let scalarContents: readonly Buffer[];
  let scalarRequests: readonly Buffer[];
  let firstContents: readonly Buffer[];
  let firstRequests: readonly Buffer[];
  try {
    // A GETNEXT of each answers its instance when the agent has it.
    ({ contents: scalarContents, nextVarbinds: scalarRequests } = scalarRequestsOf(scalarOids));
    ({ contents: firstContents, nextVarbinds: firstRequests } = scalarRequestsOf(firstOids));
    parts.forEach((p, part) => {
      const { prefixes, varbinds } = encodedColumnsOf(p.columns, transport);
      prefixes.forEach((prefix, position) =>
        active.push({ part, position, prefix, cursorVarbind: varbinds[position]!, cursor: undefined, rows: 0, ended: false, lastStart: 0, lastEnd: 0 }),
      );
    });
  } catch (err) {
    throw new SnmpError('request', target, err instanceof Error ? err.message : String(err), { cause: err });
  }
  const asked = new Uint8Array(parts.length);
  while (active.length > 0 || (tally.requests === 0 && scalarOids.length + firstOids.length > 0)) {
    tally.check();
    const first = tally.requests === 0;
    const nonRepeaters = first ? scalarOids.length + firstOids.length : scalarOids.length;
    const request: Buffer[] = first ? [...scalarRequests, ...firstRequests] : [...scalarRequests];
    asked.fill(0);
    asked[0] = 1;
    for (const col of active) {
      request.push(col.cursorVarbind);
      asked[col.part] = 1;
    }
    const answer = await session.getBulk(request, nonRepeaters, maxRepetitions);
    const page = tally.page(answer.atMs);
    for (let p = 0; p < parts.length; p++) {
      if (asked[p] === 0) continue;
      tallies[p]!.requests++;
      tallies[p]!.atMs = answer.atMs;
    }
    const buf = answer.buf;
    const count = active.length;
    for (const col of active) {
      col.ended = false;
      col.lastStart = -1;
    }
    try {
      forEachVarbind(buf, answer.head, (vb, i) => {
        if (i < nonRepeaters || count === 0) {
          tallies[0]!.varbinds++;
          if (i >= nonRepeaters) return;
          const ofFirst = i >= scalarOids.length;
          const wanted = ofFirst ? firstContents[i - scalarOids.length] : scalarContents[i];
          if (wanted === undefined || isExceptionTag(vb.tag) || !oidEquals(buf, vb.oidStart, vb.oidEnd, wanted)) return;
          const value = readValue(buf, vb);
          if (value !== undefined) page.scalars.set(ofFirst ? firstOids[i - scalarOids.length]! : scalarOids[i]!, value);
          return;
        }
        const col = active[(i - nonRepeaters) % count]!;
        tallies[col.part]!.varbinds++;
        if (col.ended) return;
        const plen = col.prefix.length;
        const increases =
          col.lastStart >= 0
            ? compareOidContent(buf, vb.oidStart + plen, vb.oidEnd, buf, col.lastStart + plen, col.lastEnd) > 0
            : col.cursor === undefined || compareOidContent(buf, vb.oidStart + plen, vb.oidEnd, col.cursor, plen, col.cursor.length) > 0;
        // Rows come in increasing order; an OID that does not increase ends the column (a broken agent).
        if (isExceptionTag(vb.tag) || !oidHasPrefix(buf, vb.oidStart, vb.oidEnd, col.prefix) || !increases) {
          col.ended = true;
          return;
        }
        col.lastStart = vb.oidStart;
        col.lastEnd = vb.oidEnd;
        col.rows++;
        const value = readValue(buf, vb);
        if (value !== undefined) sinks[col.part]!(col.position, buf, vb.oidStart + plen, vb.oidEnd, value, page);
      });
    } catch (err) {
      throw new SnmpError('response', target, `malformed answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }

    const next: V2cColumn[] = [];
    let progressed = false;
    for (const col of active) {
      const moved = col.lastStart >= 0;
      if (col.ended || moved) progressed = true;
      const partTally = tallies[col.part]!;
      if (col.rows > partTally.maxRowsPerColumn) partTally.maxRowsPerColumn = col.rows;
      if (col.ended) continue;
      // A column with nothing in this answer (the agent trimmed a too-big answer) stays
      // active and is asked again from the same cursor.
      if (moved) {
        col.cursor = Buffer.from(buf.subarray(col.lastStart, col.lastEnd));
        col.cursorVarbind = requestVarbind(col.cursor);
      }
      next.push(col);
    }
    tally.progressed(progressed, active.length);
    active = next;
  }
  const { scalars, scalarsAtMs } = tally.result();
  return tallies.map((t) => ({ scalars, scalarsAtMs, atMs: t.atMs, requests: t.requests, varbinds: t.varbinds, maxRowsPerColumn: t.maxRowsPerColumn }));
}

export interface GetResult {
  /** Instance OID → value; absent for noSuchObject/noSuchInstance. */
  values: Map<string, SnmpValue>;
  atMs: number;
}

/** GET of instance OIDs; missing objects are simply absent from `values`. */
export function get(session: SnmpSession, target: string, oids: readonly string[], now: () => number = Date.now): Promise<GetResult> {
  if (session instanceof V2cSession) return getV2c(session, oids);
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
          for (const vb of varbinds ?? []) {
            if (!isVarbind(vb)) continue;
            const type = typeOf(vb);
            if (isException(type)) continue;
            const value = decodeValue(type, vb.value);
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

async function getV2c(session: V2cSession, oids: readonly string[]): Promise<GetResult> {
  let request: Buffer[];
  try {
    request = oids.map((oid) => session.transport.varbindOf(oid));
  } catch (err) {
    throw new SnmpError('request', session.target, err instanceof Error ? err.message : String(err), { cause: err });
  }
  const answer = await session.get(request);
  const values = new Map<string, SnmpValue>();
  try {
    forEachVarbind(answer.buf, answer.head, (vb) => {
      if (isExceptionTag(vb.tag)) return;
      const value = readValue(answer.buf, vb);
      if (value !== undefined) values.set(arcsText(answer.buf, vb.oidStart, vb.oidEnd, true), value);
    });
  } catch (err) {
    throw new SnmpError('response', session.target, `malformed answer: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  return { values, atMs: answer.atMs };
}
