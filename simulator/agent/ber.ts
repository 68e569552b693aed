// The subset of ASN.1 BER that SNMP uses (RFC 3416 / RFC 3412): definite lengths only.
// Reading is offset-based so USM can find the authentication parameters inside a message.

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
  counter64: 0x46,
  noSuchObject: 0x80,
  noSuchInstance: 0x81,
  endOfMibView: 0x82,
} as const;

/** A malformed message: the agent drops it (and counts it), never answers it. */
export class BerError extends Error {
  override name = 'BerError';
}

/** One TLV: `start` is the offset of its tag, `valueStart`/`end` delimit its content. */
export interface Tlv {
  tag: number;
  start: number;
  valueStart: number;
  end: number;
}

export function readTlv(buf: Buffer, offset: number, limit: number = buf.length): Tlv {
  if (offset + 2 > limit) throw new BerError(`truncated TLV at ${offset}`);
  const tag = buf[offset]!;
  let lengthByte = buf[offset + 1]!;
  let cursor = offset + 2;
  let length: number;
  if (lengthByte < 0x80) {
    length = lengthByte;
  } else {
    lengthByte &= 0x7f;
    if (lengthByte === 0 || lengthByte > 4) throw new BerError(`unsupported length form at ${offset}`);
    if (cursor + lengthByte > limit) throw new BerError(`truncated length at ${offset}`);
    length = 0;
    for (let i = 0; i < lengthByte; i++) length = length * 256 + buf[cursor++]!;
  }
  const end = cursor + length;
  if (end > limit) throw new BerError(`TLV at ${offset} runs past its container`);
  return { tag, start: offset, valueStart: cursor, end };
}

export function expectTlv(buf: Buffer, offset: number, tag: number, limit?: number): Tlv {
  const tlv = readTlv(buf, offset, limit);
  if (tlv.tag !== tag) {
    throw new BerError(`expected tag 0x${tag.toString(16)} at ${offset}, got 0x${tlv.tag.toString(16)}`);
  }
  return tlv;
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

function lengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  if (length < 0x10000) return Buffer.from([0x82, length >> 8, length & 0xff]);
  return Buffer.from([0x83, (length >> 16) & 0xff, (length >> 8) & 0xff, length & 0xff]);
}

/** Number of bytes a TLV header takes for a value of `length` bytes. */
export function headerLength(length: number): number {
  return length < 0x80 ? 2 : length < 0x100 ? 3 : length < 0x10000 ? 4 : 5;
}

export function tlv(tag: number, value: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), lengthBytes(value.length), value]);
}

export function sequence(tag: number, parts: readonly Buffer[]): Buffer {
  let length = 0;
  for (const p of parts) length += p.length;
  return Buffer.concat([Buffer.from([tag]), lengthBytes(length), ...parts]);
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
