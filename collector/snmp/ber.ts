// The BER of SNMPv2c messages (RFC 3416, RFC 1157 framing), for the collector's own v2c client
// (collector/snmp/v2c.ts): requests are built from OIDs encoded once, and answers are read in
// place, varbind by varbind, without building an OID string or an object per varbind (the
// cost net-snmp pays for every varbind of a walk). Pure.
import type { SnmpValue } from './values.ts';

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

/** The content bytes of a dotted OID (`1.3.6.1.2.1.1.3.0`); throws naming the OID when it is not one. */
export function encodeOid(oid: string): Buffer {
  // Arcs parsed in one pass over the text (this runs for every column of every walk).
  const arcs: number[] = [];
  let n = 0;
  let digits = 0;
  for (let i = 0; i <= oid.length; i++) {
    const c = i < oid.length ? oid.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || n > 0xffff_ffff) throw new BerError(`not a numeric OID: "${oid}"`);
      arcs.push(n);
      n = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else throw new BerError(`not a numeric OID: "${oid}"`);
  }
  const [first = 0, second = 0] = arcs;
  if (arcs.length < 2 || first > 2 || (first < 2 && second > 39)) throw new BerError(`not a numeric OID: "${oid}"`);
  const out: number[] = [];
  const push = (v: number): void => {
    if (v < 128) {
      out.push(v);
      return;
    }
    const start = out.length;
    out.push(v & 0x7f);
    for (let rest = Math.floor(v / 128); rest > 0; rest = Math.floor(rest / 128)) out.splice(start, 0, (rest & 0x7f) | 0x80);
  };
  push(first * 40 + second);
  for (let i = 2; i < arcs.length; i++) push(arcs[i]!);
  return Buffer.from(out);
}

/** A varbind of a request: SEQUENCE { OID, NULL }. */
export function requestVarbind(oidContent: Buffer): Buffer {
  return tlv(Tag.sequence, Buffer.concat([tlv(Tag.oid, oidContent), Buffer.from([Tag.null, 0])]));
}

/** The content of a non-negative INTEGER below 2^31. */
function integerContent(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0x7fff_ffff) throw new BerError(`integer out of range: ${n}`);
  const bytes: number[] = [];
  let v = n;
  do {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if (bytes[0]! & 0x80) bytes.unshift(0);
  return Buffer.from(bytes);
}

/**
 * A whole v2c request: `pduTag` GetRequest or GetBulkRequest; `a`/`b` are error-status and
 * error-index (0, 0) for a GET, non-repeaters and max-repetitions for a GETBULK.
 */
export function encodeRequest(pduTag: number, community: Buffer, requestId: number, a: number, b: number, varbinds: readonly Buffer[]): Buffer {
  const pdu = tlv(
    pduTag,
    Buffer.concat([
      tlv(Tag.integer, integerContent(requestId)),
      tlv(Tag.integer, integerContent(a)),
      tlv(Tag.integer, integerContent(b)),
      tlv(Tag.sequence, Buffer.concat(varbinds)),
    ]),
  );
  return tlv(Tag.sequence, Buffer.concat([Buffer.from([Tag.integer, 1, 1]), tlv(Tag.octetString, community), pdu]));
}

// ---- decoding ---------------------------------------------------------------------------------

/** Reads a TLV header at `offset`: [tag, content start, content end]; throws BerError when it does not fit in `limit`. */
export function readHeader(buf: Buffer, offset: number, limit: number): [number, number, number] {
  if (offset + 2 > limit) throw new BerError(`truncated at byte ${offset}`);
  const tag = buf[offset]!;
  let length = buf[offset + 1]!;
  let start = offset + 2;
  if (length >= 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4 || start + count > limit) throw new BerError(`bad length at byte ${offset}`);
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buf[start++]!;
  }
  const end = start + length;
  if (end > limit) throw new BerError(`value at byte ${offset} runs past its container`);
  return [tag, start, end];
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
  let offset = head.varbindsStart;
  let index = 0;
  while (offset < head.varbindsEnd) {
    const [seqTag, seqStart, seqEnd] = readHeader(buf, offset, head.varbindsEnd);
    if (seqTag !== Tag.sequence) throw new BerError(`varbind ${index} is not a SEQUENCE`);
    const [oidTag, oidStart, oidEnd] = readHeader(buf, seqStart, seqEnd);
    if (oidTag !== Tag.oid) throw new BerError(`varbind ${index} has no OID`);
    const [tag, valueStart, valueEnd] = readHeader(buf, oidEnd, seqEnd);
    view.oidStart = oidStart;
    view.oidEnd = oidEnd;
    view.tag = tag;
    view.valueStart = valueStart;
    view.valueEnd = valueEnd;
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
  if (end - start !== oid.length) return false;
  for (let i = 0; i < oid.length; i++) if (buf[start + i] !== oid[i]) return false;
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
 * → bigint; Integer, Gauge32, TimeTicks → number; OctetString, Opaque → Buffer; OID, IpAddress →
 * text); undefined for NULL, exceptions and types not read.
 */
export function readValue(buf: Buffer, vb: VarbindView): SnmpValue | undefined {
  const { tag, valueStart: s, valueEnd: e } = vb;
  switch (tag) {
    case Tag.counter64: {
      let start = s;
      while (start < e - 1 && buf[start] === 0) start++;
      const n = e - start;
      if (n <= 0) return 0n;
      if (n <= 6) return BigInt(buf.readUIntBE(start, n));
      if (n <= 8) return (BigInt(buf.readUIntBE(start, n - 4)) << 32n) | BigInt(buf.readUInt32BE(start + n - 4));
      return undefined;
    }
    case Tag.counter32:
      return e - s > 0 && e - s <= 5 ? BigInt(readUnsigned(buf, s, e)) : undefined;
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
