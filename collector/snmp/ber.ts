// The BER of SNMPv2c messages (RFC 3416, RFC 1157 framing), for the collector's own v2c client
// (collector/snmp/v2c.ts): requests are built from OIDs encoded once, and answers are read in
// place, varbind by varbind, without building an OID string or an object per varbind (the
// cost net-snmp pays for every varbind of a walk). Pure.
import { counter64Of, type SnmpValue } from './values.ts';

export const Tag = {
  integer: 0x02,
  octetString: 0x04,
  null: 0x05,
  oid: 0x06,
  sequence: 0x30,
  ipAddress: 0x40,
  counter32: 0x41,
  gauge32: 0x42,
  timeTicks: 0x43,
  opaque: 0x44,
  counter64: 0x46,
  noSuchObject: 0x80,
  noSuchInstance: 0x81,
  endOfMibView: 0x82,
  getRequest: 0xa0,
  getNextRequest: 0xa1,
  response: 0xa2,
  getBulkRequest: 0xa5,
} as const;

/** An answer that is not a well-formed SNMPv2c message. */
export class BerError extends Error {
  override name = 'BerError';
}

/** Whether a varbind's value tag is an exception (noSuchObject, noSuchInstance, endOfMibView). */
export function isExceptionTag(tag: number): boolean {
  return tag === Tag.noSuchObject || tag === Tag.noSuchInstance || tag === Tag.endOfMibView;
}

// ---- encoding ---------------------------------------------------------------------------------

function lengthBytes(length: number): number[] {
  if (length < 0x80) return [length];
  const out: number[] = [];
  for (let n = length; n > 0; n = Math.floor(n / 256)) out.unshift(n & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV around already encoded content. */
export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(content.length)]), content]);
}

/** The arcs of dotted text, parsed in one pass (this runs for every column of every walk); throws naming it when it is not numeric. */
function arcsOf(text: string): number[] {
  const arcs: number[] = [];
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || n > 0xffff_ffff) throw new BerError(`not a numeric OID: "${text}"`);
      arcs.push(n);
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else throw new BerError(`not a numeric OID: "${text}"`);
  }
  return arcs;
}

/** Base-128 bytes of arcs as written (no first-two packing). */
function arcBytes(arcs: readonly number[]): Buffer {
  const out: number[] = [];
  for (const v of arcs) {
    if (v < 128) {
      out.push(v);
      continue;
    }
    const start = out.length;
    out.push(v & 0x7f);
    for (let rest = Math.floor(v / 128); rest > 0; rest = Math.floor(rest / 128)) out.splice(start, 0, (rest & 0x7f) | 0x80);
  }
  return Buffer.from(out);
}

/** The content bytes of a dotted OID (`1.3.6.1.2.1.1.3.0`); throws naming the OID when it is not one. */
export function encodeOid(oid: string): Buffer {
  const arcs = arcsOf(oid);
  const [first = 0, second = 0] = arcs;
  if (arcs.length < 2 || first > 2 || (first < 2 && second > 39)) throw new BerError(`not a numeric OID: "${oid}"`);
  return arcBytes([first * 40 + second, ...arcs.slice(2)]);
}

/** The bytes of dotted arcs after a column (a row index, `473480627` or `7.2.0.0.12`), as they follow the column in an OID's content. */
export function encodeArcs(text: string): Buffer {
  return arcBytes(arcsOf(text));
}

/**
 * encodeArcs into `out` from its start, without making arrays or a buffer: the length written,
 * or -1 when `text` is no dotted arcs or does not fit.
 */
export function encodeArcsInto(text: string, out: Buffer): number {
  let pos = 0;
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 46;
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
      continue;
    }
    if (c !== 46 || digits === 0 || n > 0xffff_ffff) return -1;
    let groups = 1;
    for (let v = n; v >= 128; v = Math.floor(v / 128)) groups++;
    if (pos + groups > out.length) return -1;
    for (let g = groups - 1, v = n; g >= 0; g--, v = Math.floor(v / 128)) out[pos + g] = (v & 0x7f) | (g === groups - 1 ? 0 : 0x80);
    pos += groups;
    n = 0;
    digits = 0;
  }
  return pos;
}

/** Whether the OID content at [start, end) (from an arc boundary) is the dotted arcs `text` (arcsText's), without making text. */
export function arcsEqualText(buf: Buffer, start: number, end: number, text: string): boolean {
  let t = 0;
  const length = text.length;
  let n = 0;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    n = n * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (t > 0) {
      if (text.charCodeAt(t) !== 46) return false;
      t++;
    }
    // The arc's digits, most significant first.
    let digits = 1;
    for (let v = n; v >= 10; v = Math.floor(v / 10)) digits++;
    if (t + digits > length) return false;
    for (let d = digits - 1, v = n; d >= 0; d--, v = Math.floor(v / 10)) if (text.charCodeAt(t + d) !== 48 + (v % 10)) return false;
    t += digits;
    n = 0;
  }
  return t === length;
}

/** A varbind of a request: SEQUENCE { OID, NULL }, written into one buffer (a walk's cursor makes one per page and column). */
export function requestVarbind(oidContent: Buffer): Buffer {
  const oidLength = 1 + lengthSize(oidContent.length) + oidContent.length;
  const seqLength = oidLength + 2;
  const out = Buffer.allocUnsafe(1 + lengthSize(seqLength) + seqLength);
  out[0] = Tag.sequence;
  let pos = writeLength(out, 1, seqLength);
  out[pos++] = Tag.oid;
  pos = writeLength(out, pos, oidContent.length);
  out.set(oidContent, pos); // TypedArray set: no call into C++ per small copy, as Buffer.copy makes
  pos += oidContent.length;
  out[pos++] = Tag.null;
  out[pos] = 0;
  return out;
}

/** Bytes of a BER length. */
function lengthSize(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : length < 0x100_0000 ? 4 : 5;
}

/** Writes a BER length at `pos`; returns the position after it. */
function writeLength(out: Buffer, pos: number, length: number): number {
  const size = lengthSize(length);
  if (size === 1) {
    out[pos] = length;
    return pos + 1;
  }
  out[pos] = 0x80 | (size - 1);
  for (let i = size - 1; i >= 1; i--) out[pos + i] = Math.floor(length / 256 ** (size - 1 - i)) & 0xff;
  return pos + size;
}

/** Content bytes of a non-negative INTEGER below 2^31 (a leading zero where the high bit is set). */
function integerSize(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fff_ffff) throw new BerError(`integer out of range: ${n}`);
  return n < 0x80 ? 1 : n < 0x8000 ? 2 : n < 0x80_0000 ? 3 : 4;
}

/** Writes an INTEGER TLV of `size` content bytes at `pos`; returns the position after it. */
function writeInteger(out: Buffer, pos: number, n: number, size: number): number {
  out[pos] = Tag.integer;
  out[pos + 1] = size;
  for (let i = size - 1, v = n; i >= 0; i--, v = Math.floor(v / 256)) out[pos + 2 + i] = v & 0xff;
  return pos + 2 + size;
}

/**
 * A whole v2c request: `pduTag` GetRequest or GetBulkRequest; `a`/`b` are error-status and
 * error-index (0, 0) for a GET, non-repeaters and max-repetitions for a GETBULK. Written into
 * one buffer of the exact size.
 */
export function encodeRequest(pduTag: number, community: Buffer, requestId: number, a: number, b: number, varbinds: readonly Buffer[]): Buffer {
  const idSize = integerSize(requestId);
  const aSize = integerSize(a);
  const bSize = integerSize(b);
  let listLength = 0;
  for (const vb of varbinds) listLength += vb.length;
  const pduLength = 6 + idSize + aSize + bSize + 1 + lengthSize(listLength) + listLength;
  const messageLength = 3 + 1 + lengthSize(community.length) + community.length + 1 + lengthSize(pduLength) + pduLength;
  const out = Buffer.allocUnsafe(1 + lengthSize(messageLength) + messageLength);
  out[0] = Tag.sequence;
  let pos = writeLength(out, 1, messageLength);
  pos = writeInteger(out, pos, 1, 1);
  out[pos++] = Tag.octetString;
  pos = writeLength(out, pos, community.length);
  out.set(community, pos);
  pos += community.length;
  out[pos++] = pduTag;
  pos = writeLength(out, pos, pduLength);
  pos = writeInteger(out, pos, requestId, idSize);
  pos = writeInteger(out, pos, a, aSize);
  pos = writeInteger(out, pos, b, bSize);
  out[pos++] = Tag.sequence;
  pos = writeLength(out, pos, listLength);
  // TypedArray set, not Buffer.copy: a request has dozens of small varbinds, each a call into C++ with copy.
  for (const vb of varbinds) {
    out.set(vb, pos);
    pos += vb.length;
  }
  return out;
}

// ---- decoding ---------------------------------------------------------------------------------

/** The header just read by `header`: its tag, and where its content starts and ends (no tuple per TLV). */
let hTag = 0;
let hStart = 0;
let hEnd = 0;

/** `readHeader` into hTag/hStart/hEnd, for the per-varbind loop. */
function header(buf: Buffer, offset: number, limit: number): void {
  if (offset + 2 > limit) throw new BerError(`truncated at byte ${offset}`);
  hTag = buf[offset]!;
  let length = buf[offset + 1]!;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new BerError(`bad length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start++]!;
  }
  hStart = start;
  hEnd = start + length;
  if (hEnd > limit) throw new BerError(`value at byte ${offset} runs past its container`);
}

/** Reads a TLV header at `offset`: [tag, content start, content end]; throws BerError when it does not fit in `limit`. */
export function readHeader(buf: Buffer, offset: number, limit: number): [number, number, number] {
  header(buf, offset, limit);
  return [hTag, hStart, hEnd];
}

function readInteger(buf: Buffer, start: number, end: number): number {
  if (end <= start || end - start > 6) throw new BerError(`bad INTEGER at byte ${start}`);
  return buf.readIntBE(start, end - start);
}

function readUnsigned(buf: Buffer, start: number, end: number): number {
  let n = 0;
  for (let i = start; i < end; i++) n = n * 256 + buf[i]!;
  return n;
}

/** The head of an answer: which request it answers and its error status. */
export interface ResponseHead {
  requestId: number;
  errorStatus: number;
  errorIndex: number;
  /** Where the varbind list's content starts and ends. */
  varbindsStart: number;
  varbindsEnd: number;
}

/** Reads a v2c Response message up to its varbind list; throws BerError when it is not one. */
export function readResponseHead(buf: Buffer): ResponseHead {
  const [outerTag, outerStart, outerEnd] = readHeader(buf, 0, buf.length);
  if (outerTag !== Tag.sequence) throw new BerError('not an SNMP message');
  const [versionTag, vStart, vEnd] = readHeader(buf, outerStart, outerEnd);
  if (versionTag !== Tag.integer || readInteger(buf, vStart, vEnd) !== 1) throw new BerError('not an SNMPv2c message');
  const [communityTag, , cEnd] = readHeader(buf, vEnd, outerEnd);
  if (communityTag !== Tag.octetString) throw new BerError('no community');
  const [pduTag, pduStart, pduEnd] = readHeader(buf, cEnd, outerEnd);
  if (pduTag !== Tag.response) throw new BerError(`not a Response PDU (tag 0x${pduTag.toString(16)})`);
  const [t1, s1, e1] = readHeader(buf, pduStart, pduEnd);
  const [t2, s2, e2] = readHeader(buf, e1, pduEnd);
  const [t3, s3, e3] = readHeader(buf, e2, pduEnd);
  if (t1 !== Tag.integer || t2 !== Tag.integer || t3 !== Tag.integer) throw new BerError('bad PDU header');
  const [listTag, listStart, listEnd] = readHeader(buf, e3, pduEnd);
  if (listTag !== Tag.sequence) throw new BerError('no varbind list');
  return {
    requestId: readInteger(buf, s1, e1),
    errorStatus: readInteger(buf, s2, e2),
    errorIndex: readInteger(buf, s3, e3),
    varbindsStart: listStart,
    varbindsEnd: listEnd,
  };
}

/** One varbind read in place: its OID's and its value's content, and the value's tag. */
export interface VarbindView {
  oidStart: number;
  oidEnd: number;
  tag: number;
  valueStart: number;
  valueEnd: number;
}

/**
 * Calls `visit` for each varbind of the list (with the same view object, overwritten: copy what
 * you keep). Throws BerError on a malformed list.
 */
export function forEachVarbind(buf: Buffer, head: Pick<ResponseHead, 'varbindsStart' | 'varbindsEnd'>, visit: (vb: VarbindView, index: number) => void): number {
  const view: VarbindView = { oidStart: 0, oidEnd: 0, tag: 0, valueStart: 0, valueEnd: 0 };
  const listEnd = head.varbindsEnd;
  let offset = head.varbindsStart;
  let index = 0;
  while (offset < listEnd) {
    header(buf, offset, listEnd);
    const seqTag: number = hTag;
    const seqEnd = hEnd;
    if (seqTag !== Tag.sequence) throw new BerError(`varbind ${index} is not a SEQUENCE`);
    header(buf, hStart, seqEnd);
    const oidTag: number = hTag;
    if (oidTag !== Tag.oid) throw new BerError(`varbind ${index} has no OID`);
    view.oidStart = hStart;
    view.oidEnd = hEnd;
    header(buf, hEnd, seqEnd);
    view.tag = hTag;
    view.valueStart = hStart;
    view.valueEnd = hEnd;
    visit(view, index);
    index++;
    offset = seqEnd;
  }
  return index;
}

/** Whether the OID content at [start, end) begins with `prefix` (the content of a column OID) and is longer. */
export function oidHasPrefix(buf: Buffer, start: number, end: number, prefix: Buffer): boolean {
  const n = prefix.length;
  if (end - start <= n) return false;
  for (let i = 0; i < n; i++) if (buf[start + i] !== prefix[i]) return false;
  return true;
}

/** Whether the OID content at [start, end) is exactly `oid` (content bytes). */
export function oidEquals(buf: Buffer, start: number, end: number, oid: Buffer): boolean {
  return sameBytes(oid, buf, start, end);
}

/** Whether `bytes` are `buf[start, end)`. */
export function sameBytes(bytes: Buffer, buf: Buffer, start: number, end: number): boolean {
  if (end - start !== bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[start + i] !== bytes[i]) return false;
  return true;
}

/**
 * The arcs of the OID content at [start, end) as dotted text, from an arc boundary (e.g. the
 * row index after a column prefix). Without `whole`, the first two arcs are not unpacked (the
 * caller starts after them).
 */
export function arcsText(buf: Buffer, start: number, end: number, whole = false): string {
  let text = '';
  let n = 0;
  let first = whole;
  for (let i = start; i < end; i++) {
    const byte = buf[i]!;
    n = n * 128 + (byte & 0x7f);
    if (byte & 0x80) continue;
    if (first) {
      const a = n < 40 ? 0 : n < 80 ? 1 : 2;
      text = `${a}.${n - a * 40}`;
      first = false;
    } else text = text.length === 0 ? String(n) : `${text}.${n}`;
    n = 0;
  }
  return text;
}

/**
 * Compares the arcs of two OID contents numerically from `from` on (a shared prefix before it):
 * negative, zero or positive. BER bytes do not sort as arcs do (a multi-byte arc), so arcs
 * are decoded.
 */
export function compareOidContent(a: Buffer, aStart: number, aEnd: number, b: Buffer, bStart: number, bEnd: number): number {
  let i = aStart;
  let j = bStart;
  while (i < aEnd && j < bEnd) {
    let x = 0;
    let y = 0;
    let byte: number;
    do {
      byte = a[i++]!;
      x = x * 128 + (byte & 0x7f);
    } while (byte & 0x80 && i < aEnd);
    do {
      byte = b[j++]!;
      y = y * 128 + (byte & 0x7f);
    } while (byte & 0x80 && j < bEnd);
    if (x !== y) return x < y ? -1 : 1;
  }
  const aDone = i >= aEnd;
  const bDone = j >= bEnd;
  return aDone === bDone ? 0 : aDone ? -1 : 1;
}

/**
 * A varbind's value as the SNMP layer's SnmpValue (values.ts's rules: Counter32 and Counter64
 * → Counter, a number while exact; Integer, Gauge32, TimeTicks → number; OctetString, Opaque → Buffer; OID, IpAddress →
 * text); undefined for NULL, exceptions and types not read.
 */
export function readValue(buf: Buffer, vb: VarbindView): SnmpValue | undefined {
  const { tag, valueStart: s, valueEnd: e } = vb;
  switch (tag) {
    case Tag.counter64:
      // More than 8 significant bytes is no Counter64.
      return e - s <= 8 || (e - s === 9 && buf[s] === 0) ? counter64Of(buf, s, e) : undefined;
    case Tag.counter32:
    case Tag.gauge32:
    case Tag.timeTicks:
      return e - s > 0 && e - s <= 5 ? readUnsigned(buf, s, e) : undefined;
    case Tag.integer:
      return e - s > 0 && e - s <= 6 ? buf.readIntBE(s, e - s) : undefined;
    case Tag.octetString:
    case Tag.opaque:
      return buf.subarray(s, e);
    case Tag.oid:
      return arcsText(buf, s, e, true);
    case Tag.ipAddress:
      return e - s === 4 ? `${buf[s]}.${buf[s + 1]}.${buf[s + 2]}.${buf[s + 3]}` : undefined;
    default:
      return undefined;
  }
}
