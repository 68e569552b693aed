// Encodes a response straight into one reusable buffer: varbinds are appended as they are read
// (each one's length is known before it is written), then the PDU and message headers are
// written backwards in front of them, and one copy of the finished bytes is returned. No
// intermediate buffers per varbind, value or header: the agent's hot path (a GETBULK of a
// hundred counters) allocates its answer once. One writer serves every agent of a process,
// since requests are answered one at a time.
import { Tag, lengthOfLength, oidContentLength, writeHeader, writeOidTlv } from './ber.ts';
import type { VarbindValue } from './message.ts';
import type { SnmpValue } from '../mib/value.ts';

/** Room in front of the varbinds for the headers (message, community or scoped-PDU, PDU). */
const headroom = 1_024;
const max32 = 0xffff_ffff;
const max32n = 0xffff_ffffn;
const max64n = (1n << 64n) - 1n;
const safe = BigInt(Number.MAX_SAFE_INTEGER);

/** Bytes of a minimal unsigned encoding of a non-negative integer below 2^53 (a leading 0 when its top bit is set). */
function unsignedLength(value: number): number {
  let n = 1;
  let v = value;
  while (v >= 0x100) {
    v = Math.floor(v / 0x100);
    n++;
  }
  return v >= 0x80 ? n + 1 : n;
}

/** Bytes of a minimal two's-complement INTEGER (SNMP: −2^31 … 2^32−1). */
function integerLength(value: number): number {
  if (value >= -0x80 && value <= 0x7f) return 1;
  if (value >= -0x8000 && value <= 0x7fff) return 2;
  if (value >= -0x80_0000 && value <= 0x7f_ffff) return 3;
  if (value >= -0x8000_0000 && value <= 0x7fff_ffff) return 4;
  return 5;
}

/** An unsigned value as the encoder sends it: Counter32/TimeTicks wrap, Gauge32 latches, Counter64 wraps at 2^64. */
function unsignedWire(value: Extract<SnmpValue, { type: 'counter32' | 'gauge32' | 'timeTicks' | 'counter64' }>): number | bigint {
  const v = value.value;
  if (v < 0n) throw new RangeError(`unsigned value is negative: ${v}`);
  switch (value.type) {
    case 'counter32':
    case 'timeTicks':
      return v <= max32n ? Number(v) : Number(v & max32n);
    case 'gauge32':
      return v > max32n ? max32 : Number(v);
    case 'counter64':
      return v <= safe ? Number(v) : v & max64n;
  }
}

export class ResponseWriter {
  readonly #buf: Buffer;
  /** Where the varbinds start; the headers are written backwards from here. */
  readonly #start = headroom;
  #end = headroom;
  #head = headroom;

  /** `capacity`: the most varbind bytes one response may hold. */
  constructor(capacity = 65_507) {
    this.#buf = Buffer.allocUnsafe(headroom + capacity);
  }

  /** Starts a new response (forgets the varbinds of the previous one). */
  begin(): void {
    this.#end = this.#start;
  }

  /** Bytes of varbinds written so far. */
  get varbindBytes(): number {
    return this.#end - this.#start;
  }

  /**
   * Appends a varbind: an encoded OID TLV and a value. Returns false, writing nothing, when the
   * varbinds would then exceed `maxBytes` (the caller answers tooBig or stops the bulk).
   */
  varbind(oidTlv: Uint8Array, value: VarbindValue, maxBytes: number): boolean {
    const valueBytes = valueLength(value);
    const content = oidTlv.length + valueBytes;
    const total = 1 + lengthOfLength(content) + content;
    if (this.#end - this.#start + total > maxBytes || this.#end + total > this.#buf.length) return false;
    let at = writeHeader(this.#buf, this.#end, Tag.sequence, content);
    this.#buf.set(oidTlv, at); // TypedArray.set: no per-call checks of Buffer.copy
    at += oidTlv.length;
    this.#end = writeValue(this.#buf, at, value, valueBytes);
    return true;
  }

  /** The finished PDU in a community message (v1/v2c): a fresh buffer. */
  finishCommunity(version: 0 | 1, community: Buffer, pduType: number, requestId: number, errorStatus: number, errorIndex: number): Buffer {
    this.#head = this.#start;
    const pduLength = this.#prependPdu(pduType, requestId, errorStatus, errorIndex);
    const communityLength = this.#prependBytes(Tag.octetString, community);
    const versionLength = this.#prependInteger(version);
    this.#prependHeader(Tag.sequence, pduLength + communityLength + versionLength);
    return this.#copy();
  }

  /** The finished PDU in a ScopedPDU (v3, before encryption): a fresh buffer. */
  finishScopedPdu(contextEngineId: Buffer, contextName: Buffer, pduType: number, requestId: number, errorStatus: number, errorIndex: number): Buffer {
    this.#head = this.#start;
    const pduLength = this.#prependPdu(pduType, requestId, errorStatus, errorIndex);
    const nameLength = this.#prependBytes(Tag.octetString, contextName);
    const engineLength = this.#prependBytes(Tag.octetString, contextEngineId);
    this.#prependHeader(Tag.sequence, pduLength + nameLength + engineLength);
    return this.#copy();
  }

  #copy(): Buffer {
    const out = Buffer.allocUnsafe(this.#end - this.#head);
    this.#buf.copy(out, 0, this.#head, this.#end);
    return out;
  }

  /** Puts a header for `length` bytes of content in front of #head; returns the header's size. */
  #prependHeader(tag: number, length: number): number {
    const size = 1 + lengthOfLength(length);
    this.#head -= size;
    writeHeader(this.#buf, this.#head, tag, length);
    return size;
  }

  #prependBytes(tag: number, bytes: Buffer): number {
    this.#head -= bytes.length;
    bytes.copy(this.#buf, this.#head);
    return bytes.length + this.#prependHeader(tag, bytes.length);
  }

  #prependInteger(value: number): number {
    const length = integerLength(value);
    this.#head -= length;
    writeInteger(this.#buf, this.#head, value, length);
    return length + this.#prependHeader(Tag.integer, length);
  }

  /** The varbind list and the PDU fields in front of the varbinds; returns the PDU's whole size. */
  #prependPdu(pduType: number, requestId: number, errorStatus: number, errorIndex: number): number {
    const varbinds = this.#end - this.#start;
    const list = varbinds + this.#prependHeader(Tag.sequence, varbinds);
    const fields = this.#prependInteger(errorIndex) + this.#prependInteger(errorStatus) + this.#prependInteger(requestId);
    return list + fields + this.#prependHeader(pduType, list + fields);
  }
}

function valueLength(value: VarbindValue): number {
  if (typeof value === 'string') return 2;
  switch (value.type) {
    case 'integer':
      return 2 + integerLength(value.value);
    case 'octets': {
      const n = typeof value.value === 'string' ? Buffer.byteLength(value.value, 'utf8') : value.value.length;
      return 1 + lengthOfLength(n) + n;
    }
    case 'oid': {
      const n = oidContentLength(value.value);
      return 1 + lengthOfLength(n) + n;
    }
    default: {
      const wire = unsignedWire(value);
      return 2 + (typeof wire === 'number' ? unsignedLength(wire) : bigUnsignedLength(wire));
    }
  }
}

const exceptionTags = { noSuchObject: Tag.noSuchObject, noSuchInstance: Tag.noSuchInstance, endOfMibView: Tag.endOfMibView, null: Tag.null } as const;
const unsignedTags = { counter32: Tag.counter32, gauge32: Tag.gauge32, timeTicks: Tag.timeTicks, counter64: Tag.counter64 } as const;

/** Writes a value TLV of `size` bytes (from valueLength) at `at`; returns the end. */
function writeValue(buf: Buffer, at: number, value: VarbindValue, size: number): number {
  if (typeof value === 'string') {
    buf[at] = exceptionTags[value];
    buf[at + 1] = 0;
    return at + 2;
  }
  const end = at + size;
  switch (value.type) {
    case 'integer': {
      const length = size - 2;
      buf[at] = Tag.integer;
      buf[at + 1] = length;
      writeInteger(buf, at + 2, value.value, length);
      return end;
    }
    case 'octets': {
      const v = value.value;
      const content = typeof v === 'string' ? Buffer.byteLength(v, 'utf8') : v.length;
      let p = writeHeader(buf, at, Tag.octetString, content);
      if (typeof v === 'string') p += buf.write(v, p, 'utf8');
      else p += v.copy(buf, p);
      return p;
    }
    case 'oid':
      return writeOidTlv(buf, at, value.value);
    default: {
      const wire = unsignedWire(value);
      const length = size - 2;
      buf[at] = unsignedTags[value.type];
      buf[at + 1] = length;
      if (typeof wire === 'number') {
        let v = wire;
        for (let i = end - 1; i >= at + 2; i--) {
          buf[i] = v % 0x100;
          v = Math.floor(v / 0x100);
        }
      } else {
        let v = wire;
        for (let i = end - 1; i >= at + 2; i--) {
          buf[i] = Number(v & 0xffn);
          v >>= 8n;
        }
      }
      return end;
    }
  }
}

/** Two's complement, big-endian, in `length` bytes. */
function writeInteger(buf: Buffer, at: number, value: number, length: number): void {
  if (!Number.isInteger(value) || value < -0x8000_0000 || value > max32) throw new RangeError(`INTEGER out of range: ${value}`);
  let v = value < 0 ? value + 2 ** (8 * length) : value;
  for (let i = at + length - 1; i >= at; i--) {
    buf[i] = v % 0x100;
    v = Math.floor(v / 0x100);
  }
}

function bigUnsignedLength(value: bigint): number {
  let n = 1;
  let v = value;
  while (v >= 0x100n) {
    v >>= 8n;
    n++;
  }
  return v >= 0x80n ? n + 1 : n;
}
