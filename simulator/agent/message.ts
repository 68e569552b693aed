// SNMP messages on the wire: community (v2c) and v3 (RFC 3412) framing, PDUs and varbinds.
// Decoding yields plain values; encoding builds buffers. No security logic here (usm.ts).
import {
  BerError,
  Tag,
  encodeInteger,
  encodeOctetString,
  encodeUnsigned,
  encodeOid,
  encodedNull,
  expectTlv,
  headerLength,
  readInteger,
  readOid,
  readTlv,
  sequence,
  tlv,
  type Tlv,
} from './ber.ts';
import type { SnmpValue } from '../mib/value.ts';

export const PduType = {
  get: 0xa0,
  getNext: 0xa1,
  response: 0xa2,
  set: 0xa3,
  getBulk: 0xa5,
  report: 0xa8,
} as const;

export const ErrorStatus = { noError: 0, tooBig: 1, genErr: 5, noAccess: 6, notWritable: 17 } as const;

/** msgVersion on the wire. */
export const SnmpVersion = { v1: 0, v2c: 1, v3: 3 } as const;

export interface RequestPdu {
  type: number;
  requestId: number;
  /** errorStatus, or nonRepeaters in a GetBulk. */
  nonRepeaters: number;
  /** errorIndex, or maxRepetitions in a GetBulk. */
  maxRepetitions: number;
  oids: number[][];
}

export function decodePdu(buf: Buffer, offset: number, limit: number): RequestPdu {
  const pdu = readTlv(buf, offset, limit);
  if ((pdu.tag & 0xe0) !== 0xa0) throw new BerError(`not a PDU: tag 0x${pdu.tag.toString(16)}`);
  const id = expectTlv(buf, pdu.valueStart, Tag.integer, pdu.end);
  const f1 = expectTlv(buf, id.end, Tag.integer, pdu.end);
  const f2 = expectTlv(buf, f1.end, Tag.integer, pdu.end);
  const list = expectTlv(buf, f2.end, Tag.sequence, pdu.end);
  const oids: number[][] = [];
  for (let at = list.valueStart; at < list.end; ) {
    const vb = expectTlv(buf, at, Tag.sequence, list.end);
    oids.push(readOid(buf, expectTlv(buf, vb.valueStart, Tag.oid, vb.end)));
    at = vb.end;
  }
  return {
    type: pdu.tag,
    requestId: readInteger(buf, id),
    nonRepeaters: readInteger(buf, f1),
    maxRepetitions: readInteger(buf, f2),
    oids,
  };
}

/** A varbind's value or one of the v2 exceptions. */
export type VarbindValue = SnmpValue | 'noSuchObject' | 'noSuchInstance' | 'endOfMibView' | 'null';

const max32 = 0xffff_ffffn;
const max64 = (1n << 64n) - 1n;

function encodeValue(value: VarbindValue): Buffer {
  if (typeof value === 'string') {
    switch (value) {
      case 'noSuchObject':
        return Buffer.from([Tag.noSuchObject, 0]);
      case 'noSuchInstance':
        return Buffer.from([Tag.noSuchInstance, 0]);
      case 'endOfMibView':
        return Buffer.from([Tag.endOfMibView, 0]);
      case 'null':
        return encodedNull;
    }
  }
  switch (value.type) {
    case 'integer':
      return encodeInteger(value.value);
    case 'octets':
      return encodeOctetString(value.value);
    case 'oid':
      return encodeOid(value.value);
    case 'counter32':
      return encodeUnsigned(Tag.counter32, value.value & max32); // wraps
    case 'timeTicks':
      return encodeUnsigned(Tag.timeTicks, value.value & max32); // wraps
    case 'gauge32':
      return encodeUnsigned(Tag.gauge32, value.value > max32 ? max32 : value.value); // latches
    case 'counter64':
      return encodeUnsigned(Tag.counter64, value.value & max64);
  }
}

/** A varbind from a pre-encoded OID TLV (the MIB keeps its OIDs encoded). */
export function encodeVarbind(oidTlv: Buffer, value: VarbindValue): Buffer {
  return sequence(Tag.sequence, [oidTlv, encodeValue(value)]);
}

export function encodePdu(type: number, requestId: number, errorStatus: number, errorIndex: number, varbinds: readonly Buffer[]): Buffer {
  return sequence(type, [
    encodeInteger(requestId),
    encodeInteger(errorStatus),
    encodeInteger(errorIndex),
    sequence(Tag.sequence, varbinds),
  ]);
}

// ---- community messages ------------------------------------------------------------------------

export interface CommunityMessage {
  version: 0 | 1;
  community: Buffer;
  /** Offset of the PDU in the message. */
  pduOffset: number;
  end: number;
}

export interface V3Message {
  version: 3;
  msgId: number;
  msgMaxSize: number;
  flags: number;
  securityModel: number;
  engineId: Buffer;
  engineBoots: number;
  engineTime: number;
  userName: Buffer;
  /** Where msgAuthenticationParameters lie in the message (for the MAC). */
  macOffset: number;
  macLength: number;
  privParams: Buffer;
  /** The msgData TLV: a ScopedPDU sequence, or an OCTET STRING when encrypted. */
  data: Tlv;
}

export const V3Flags = { auth: 0x01, priv: 0x02, reportable: 0x04 } as const;

/** Decodes the outer framing; throws BerError on malformed input. */
export function decodeMessage(buf: Buffer): CommunityMessage | V3Message | { version: number } {
  const msg = expectTlv(buf, 0, Tag.sequence);
  const versionTlv = expectTlv(buf, msg.valueStart, Tag.integer, msg.end);
  const version = readInteger(buf, versionTlv);
  if (version === SnmpVersion.v1 || version === SnmpVersion.v2c) {
    const community = expectTlv(buf, versionTlv.end, Tag.octetString, msg.end);
    return { version, community: buf.subarray(community.valueStart, community.end), pduOffset: community.end, end: msg.end };
  }
  if (version !== SnmpVersion.v3) return { version };
  const global = expectTlv(buf, versionTlv.end, Tag.sequence, msg.end);
  const msgIdTlv = expectTlv(buf, global.valueStart, Tag.integer, global.end);
  const maxSizeTlv = expectTlv(buf, msgIdTlv.end, Tag.integer, global.end);
  const flagsTlv = expectTlv(buf, maxSizeTlv.end, Tag.octetString, global.end);
  const modelTlv = expectTlv(buf, flagsTlv.end, Tag.integer, global.end);
  if (flagsTlv.end - flagsTlv.valueStart !== 1) throw new BerError('msgFlags must be one byte');
  const secOctets = expectTlv(buf, global.end, Tag.octetString, msg.end);
  const sec = expectTlv(buf, secOctets.valueStart, Tag.sequence, secOctets.end);
  const engineTlv = expectTlv(buf, sec.valueStart, Tag.octetString, sec.end);
  const bootsTlv = expectTlv(buf, engineTlv.end, Tag.integer, sec.end);
  const timeTlv = expectTlv(buf, bootsTlv.end, Tag.integer, sec.end);
  const userTlv = expectTlv(buf, timeTlv.end, Tag.octetString, sec.end);
  const macTlv = expectTlv(buf, userTlv.end, Tag.octetString, sec.end);
  const privTlv = expectTlv(buf, macTlv.end, Tag.octetString, sec.end);
  const data = readTlv(buf, secOctets.end, msg.end);
  return {
    version: 3,
    msgId: readInteger(buf, msgIdTlv),
    msgMaxSize: readInteger(buf, maxSizeTlv),
    flags: buf[flagsTlv.valueStart]!,
    securityModel: readInteger(buf, modelTlv),
    engineId: buf.subarray(engineTlv.valueStart, engineTlv.end),
    engineBoots: readInteger(buf, bootsTlv),
    engineTime: readInteger(buf, timeTlv),
    userName: buf.subarray(userTlv.valueStart, userTlv.end),
    macOffset: macTlv.valueStart,
    macLength: macTlv.end - macTlv.valueStart,
    privParams: buf.subarray(privTlv.valueStart, privTlv.end),
    data,
  };
}

export function encodeCommunityMessage(version: 0 | 1, community: Buffer, pdu: Buffer): Buffer {
  return sequence(Tag.sequence, [encodeInteger(version), encodeOctetString(community), pdu]);
}

/** ScopedPDU ::= SEQUENCE { contextEngineID, contextName, data }. */
export function decodeScopedPdu(buf: Buffer, offset: number, limit: number): { contextEngineId: Buffer; contextName: Buffer; pduOffset: number; end: number } {
  const scoped = expectTlv(buf, offset, Tag.sequence, limit);
  const engine = expectTlv(buf, scoped.valueStart, Tag.octetString, scoped.end);
  const name = expectTlv(buf, engine.end, Tag.octetString, scoped.end);
  return {
    contextEngineId: buf.subarray(engine.valueStart, engine.end),
    contextName: buf.subarray(name.valueStart, name.end),
    pduOffset: name.end,
    end: scoped.end,
  };
}

export function encodeScopedPdu(contextEngineId: Buffer, contextName: Buffer, pdu: Buffer): Buffer {
  return sequence(Tag.sequence, [encodeOctetString(contextEngineId), encodeOctetString(contextName), pdu]);
}

export interface V3Out {
  msgId: number;
  msgMaxSize: number;
  flags: number;
  engineId: Buffer;
  engineBoots: number;
  engineTime: number;
  userName: Buffer;
  /** 0 without authentication; the MAC is written later at `macOffset`. */
  macLength: number;
  privParams: Buffer;
  /** The msgData TLV (ScopedPDU, or OCTET STRING of the encrypted ScopedPDU). */
  data: Buffer;
}

/** Builds a v3 message with a zeroed MAC field; returns where the MAC goes. */
export function encodeV3Message(out: V3Out): { message: Buffer; macOffset: number } {
  const version = encodeInteger(3);
  const global = sequence(Tag.sequence, [
    encodeInteger(out.msgId),
    encodeInteger(out.msgMaxSize),
    encodeOctetString(Buffer.from([out.flags])),
    encodeInteger(3),
  ]);
  const before = [
    encodeOctetString(out.engineId),
    encodeInteger(out.engineBoots),
    encodeInteger(out.engineTime),
    encodeOctetString(out.userName),
  ];
  const mac = tlv(Tag.octetString, Buffer.alloc(out.macLength));
  const priv = encodeOctetString(out.privParams);
  const secSeq = sequence(Tag.sequence, [...before, mac, priv]);
  const secOctets = tlv(Tag.octetString, secSeq);
  const bodyLength = version.length + global.length + secOctets.length + out.data.length;
  const message = sequence(Tag.sequence, [version, global, secOctets, out.data]);
  let beforeLength = 0;
  for (const part of before) beforeLength += part.length;
  const secContentLength = beforeLength + mac.length + priv.length;
  const macOffset =
    headerLength(bodyLength) +
    version.length +
    global.length +
    headerLength(secSeq.length) +
    headerLength(secContentLength) +
    beforeLength +
    headerLength(out.macLength);
  return { message, macOffset };
}
