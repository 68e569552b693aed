// The subset of ASN.1 BER that SNMP uses (RFC 3416 / RFC 3412): definite lengths only.
// Reading is offset-based so USM can find the authentication parameters inside a message.

import { BerError, readHeader, Tag, tlv } from '../../collector/snmp/ber.ts';

// The tags, the error a malformed message raises (the agent drops it and counts it, never
// answers it) and the TLV reader and builder are the collector's own.
export { BerError, Tag, tlv };

/** One TLV: `start` is the offset of its tag, `valueStart`/`end` delimit its content. */
export interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

export function readTlv(buf: Buffer, offset: number, limit: number = buf.length): Tlv {
  const [tag, valueStart, end] = readHeader(buf, offset, limit);
  return { tag, start: offset, valueStart, end };
}

export function expectTlv(buf: Buffer, offset: number, tag: number, limit?: number): Tlv {
  const found = readTlv(buf, offset, limit);
  if (found.tag !== tag) {
    throw new BerError(`expected tag 0x${tag.toString(16)} at ${offset}, got 0x${found.tag.toString(16)}`);
  }
  return found;
}

/** A signed INTEGER that fits a JS number (SNMP integers are 32-bit). */
export function readInteger(buf: Buffer, tlv: Tlv): number {
  const length = tlv.end - tlv.valueStart;
  if (length < 1 || length > 5) throw new BerError(`bad INTEGER length ${length} at ${tlv.start}`);
  let value = 0;
  for (let i = tlv.valueStart; i < tlv.end; i++) value = value * 256 + buf[i]!;
  if ((buf[tlv.valueStart]! & 0x80) !== 0) value -= 2 ** (8 * length);
  return value;
}

export function readOid(buf: Buffer, tlv: Tlv): number[] {
  if (tlv.end === tlv.valueStart) throw new BerError(`empty OID at ${tlv.start}`);
  const arcs: number[] = [];
  let value = 0;
  let first = true;
  for (let i = tlv.valueStart; i < tlv.end; i++) {
    const byte = buf[i]!;
    value = value * 128 + (byte & 0x7f);
    if (value > 0xffffffff + 80) throw new BerError(`OID arc too large at ${tlv.start}`);
    if ((byte & 0x80) === 0) {
      if (first) {
        const top = value < 40 ? 0 : value < 80 ? 1 : 2;
        arcs.push(top, value - top * 40);
        first = false;
      } else {
        arcs.push(value);
      }
      value = 0;
    }
  }
  if ((buf[tlv.end - 1]! & 0x80) !== 0) throw new BerError(`unterminated OID at ${tlv.start}`);
  return arcs;
}

// ---- encoding ------------------------------------------------------------------------------

/** Number of bytes a TLV header takes for a value of `length` bytes. */
export function headerLength(length: number): number {
  return 1 + lengthOfLength(length);
}

export function sequence(tag: number, parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = Buffer.allocUnsafe(headerLength(length) + length);
  let at = writeHeader(out, 0, tag, length);
  for (const p of parts) at += p.copy(out, at);
  return out;
}

export function encodeInteger(value: number): Buffer {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new RangeError(`INTEGER out of range: ${value}`);
  }
  const bytes: number[] = [];
  let v = value;
  // Two's complement, minimal: emit bytes until the sign is carried by the top byte.
  for (;;) {
    const byte = ((v % 256) + 256) % 256;
    bytes.unshift(byte);
    v = Math.floor(v / 256);
    if ((v === 0 && (byte & 0x80) === 0) || (v === -1 && (byte & 0x80) !== 0)) break;
  }
  return tlv(Tag.integer, Buffer.from(bytes));
}

/** Counter32, Gauge32, TimeTicks (tag given) or Counter64: unsigned, minimal. */
export function encodeUnsigned(tag: number, value: bigint): Buffer {
  if (value < 0n) throw new RangeError(`unsigned value is negative: ${value}`);
  const bytes: number[] = [];
  let v = value;
  do {
    bytes.unshift(Number(v & 0xffn));
    v >>= 8n;
  } while (v > 0n);
  if ((bytes[0]! & 0x80) !== 0) bytes.unshift(0);
  return tlv(tag, Buffer.from(bytes));
}

export function encodeOctetString(value: Buffer | string): Buffer {
  return tlv(Tag.octetString, typeof value === 'string' ? Buffer.from(value, 'utf8') : value);
}

export function encodeOid(arcs: readonly number[]): Buffer {
  if (arcs.length < 2) throw new RangeError('an OID needs at least two arcs');
  const out: number[] = [];
  const push = (arc: number): void => {
    const chunk: number[] = [arc & 0x7f];
    let v = Math.floor(arc / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...chunk);
  };
  push(arcs[0]! * 40 + arcs[1]!);
  for (let i = 2; i < arcs.length; i++) push(arcs[i]!);
  return tlv(Tag.oid, Buffer.from(out));
}

export const encodedNull: Buffer = Buffer.from([Tag.null, 0]);

// ---- writing in place (no intermediate buffers) -------------------------------------------

/** Bytes a definite length takes (the length octets only). */
export function lengthOfLength(length: number): number {
  return length < 0x80 ? 1 : length < 0x100 ? 2 : length < 0x1_0000 ? 3 : 4;
}

/** Writes tag and definite length at `at`; returns where the content starts. */
export function writeHeader(buf: Buffer, at: number, tag: number, length: number): number {
  buf[at++] = tag;
  if (length < 0x80) buf[at++] = length;
  else if (length < 0x100) {
    buf[at++] = 0x81;
    buf[at++] = length;
  } else if (length < 0x1_0000) {
    buf[at++] = 0x82;
    buf[at++] = length >> 8;
    buf[at++] = length & 0xff;
  } else {
    buf[at++] = 0x83;
    buf[at++] = (length >> 16) & 0xff;
    buf[at++] = (length >> 8) & 0xff;
    buf[at++] = length & 0xff;
  }
  return at;
}

function arcLength(arc: number): number {
  let n = 1;
  for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) n++;
  return n;
}

function writeArc(buf: Buffer, at: number, arc: number): number {
  const n = arcLength(arc);
  let v = arc;
  for (let i = n - 1; i >= 0; i--) {
    buf[at + i] = (v % 128) | (i === n - 1 ? 0 : 0x80);
    v = Math.floor(v / 128);
  }
  return at + n;
}

/** Bytes of an OID's content (as encodeOid writes it). */
export function oidContentLength(arcs: ArrayLike<number>): number {
  let n = arcLength(arcs[0]! * 40 + arcs[1]!);
  for (let i = 2; i < arcs.length; i++) n += arcLength(arcs[i]!);
  return n;
}

/** Bytes of an OID's whole TLV. */
export function oidTlvLength(arcs: ArrayLike<number>): number {
  const n = oidContentLength(arcs);
  return 1 + lengthOfLength(n) + n;
}

/** Writes an OID's TLV at `at` (the bytes encodeOid returns); returns its end. */
export function writeOidTlv(buf: Buffer, at: number, arcs: ArrayLike<number>): number {
  if (arcs.length < 2) throw new RangeError('an OID needs at least two arcs');
  let p = writeHeader(buf, at, Tag.oid, oidContentLength(arcs));
  p = writeArc(buf, p, arcs[0]! * 40 + arcs[1]!);
  for (let i = 2; i < arcs.length; i++) p = writeArc(buf, p, arcs[i]!);
  return p;
}
