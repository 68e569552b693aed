// The response writer encodes in place exactly what the plain encoders (agent/message.ts)
// build from buffers: every value type at its edges, whole messages, the size limit, and a
// layout's packed OIDs against encodeOid.
import { describe, expect, it } from 'vitest';
import { encodeOid, oidTlvLength, writeOidTlv } from '../../simulator/agent/ber.ts';
import { encodeCommunityMessage, encodePdu, encodeScopedPdu, encodeVarbind, PduType, type VarbindValue } from '../../simulator/agent/message.ts';
import { ResponseWriter } from '../../simulator/agent/response-writer.ts';
import { counter32, counter64, gauge32, integer, objectId, octets, timeTicks } from '../../simulator/mib/value.ts';

const oid = encodeOid([1, 3, 6, 1, 2, 1, 31, 1, 1, 1, 10, 2]);
const values: [string, VarbindValue][] = [
  ['integer 0', integer(0)],
  ['integer 127', integer(127)],
  ['integer 128', integer(128)],
  ['integer -1', integer(-1)],
  ['integer -129', integer(-129)],
  ['integer -2^31', integer(-0x8000_0000)],
  ['integer 2^31-1', integer(0x7fff_ffff)],
  ['integer 2^32-1 (unsigned)', integer(0xffff_ffff)],
  ['octets empty', octets('')],
  ['octets ascii', octets('Gi0/1/10')],
  ['octets utf-8', octets('Thanh Hóa — core 1')],
  ['octets 200 bytes (two-byte length)', octets('x'.repeat(200))],
  ['octets 300 bytes (three-byte length)', octets(Buffer.alloc(300, 7))],
  ['octets bytes', octets(Buffer.from([0x02, 0xab, 0xcd, 0, 1, 0xff]))],
  ['oid', objectId([1, 3, 6, 1, 4, 1, 9, 1, 1165])],
  ['oid with big arcs', objectId([1, 3, 6, 1, 4, 1, 9, 9, 166, 1, 15, 1, 1, 10, 1_048_576, 1_073_741_823])],
  ['oid 0.0', objectId([0, 0])],
  ['counter32 0', counter32(0n)],
  ['counter32 127', counter32(127n)],
  ['counter32 128 (leading zero)', counter32(128n)],
  ['counter32 2^32-1', counter32(0xffff_ffffn)],
  ['counter32 wraps at 2^32', counter32(0x1_0000_0005n)],
  ['gauge32 latches above 2^32-1', gauge32(10_000_000_000n)],
  ['gauge32 255', gauge32(255n)],
  ['timeTicks', timeTicks(123_456_789n)],
  ['timeTicks wraps', timeTicks(0x1_2345_6789n)],
  ['counter64 0', counter64(0n)],
  ['counter64 2^53-1', counter64(2n ** 53n - 1n)],
  ['counter64 2^53+1 (beyond a double)', counter64(2n ** 53n + 1n)],
  ['counter64 2^64-1', counter64(2n ** 64n - 1n)],
  ['counter64 wraps at 2^64', counter64(2n ** 64n + 9n)],
  ['noSuchObject', 'noSuchObject'],
  ['noSuchInstance', 'noSuchInstance'],
  ['endOfMibView', 'endOfMibView'],
  ['null', 'null'],
];

describe('ResponseWriter', () => {
  it.each(values)('%s: the same bytes as encodeVarbind, in a whole message', (_name, value) => {
    const writer = new ResponseWriter();
    writer.begin();
    expect(writer.varbind(oid, value, 65_000)).toBe(true);
    const expected = encodeVarbind(oid, value);
    expect(writer.varbindBytes).toBe(expected.length);
    const message = writer.finishCommunity(1, Buffer.from('lanewatch-ro'), PduType.response, 0x1234_5678, 0, 0);
    expect(message.toString('hex')).toBe(encodeCommunityMessage(1, Buffer.from('lanewatch-ro'), encodePdu(PduType.response, 0x1234_5678, 0, 0, [expected])).toString('hex'));
  });

  it('a hundred varbinds, error fields and a negative request id: the message encodeCommunityMessage builds', () => {
    const writer = new ResponseWriter();
    writer.begin();
    const parts: Buffer[] = [];
    for (let i = 0; i < 100; i++) {
      const o = encodeOid([1, 3, 6, 1, 2, 1, 2, 2, 1, 10, i + 1]);
      const value = counter64(BigInt(i) * 987_654_321_987n);
      expect(writer.varbind(o, value, 65_000)).toBe(true);
      parts.push(encodeVarbind(o, value));
    }
    const got = writer.finishCommunity(1, Buffer.from('c'), PduType.response, -5, 17, 1);
    expect(got.equals(encodeCommunityMessage(1, Buffer.from('c'), encodePdu(PduType.response, -5, 17, 1, parts)))).toBe(true);
  });

  it('a ScopedPDU for SNMPv3: the bytes encodeScopedPdu builds', () => {
    const writer = new ResponseWriter();
    writer.begin();
    writer.varbind(oid, counter64(42n), 65_000);
    const engineId = Buffer.from('800000090500112233445566', 'hex');
    const got = writer.finishScopedPdu(engineId, Buffer.alloc(0), PduType.response, 7, 0, 0);
    expect(got.equals(encodeScopedPdu(engineId, Buffer.alloc(0), encodePdu(PduType.response, 7, 0, 0, [encodeVarbind(oid, counter64(42n))])))).toBe(true);
  });

  it('refuses a varbind past maxBytes and writes nothing of it; begin() starts afresh', () => {
    const writer = new ResponseWriter();
    writer.begin();
    const one = encodeVarbind(oid, counter64(1n)).length;
    expect(writer.varbind(oid, counter64(1n), one * 2)).toBe(true);
    expect(writer.varbind(oid, counter64(1n), one * 2)).toBe(true);
    expect(writer.varbind(oid, counter64(1n), one * 2)).toBe(false);
    expect(writer.varbindBytes).toBe(one * 2);
    writer.begin();
    expect(writer.varbindBytes).toBe(0);
    // The previous answer is a copy: writing the next one does not change it.
    writer.varbind(oid, octets('first'), 1_000);
    const first = writer.finishCommunity(1, Buffer.from('c'), PduType.response, 1, 0, 0);
    const copy = Buffer.from(first);
    writer.begin();
    writer.varbind(oid, octets('second'), 1_000);
    writer.finishCommunity(1, Buffer.from('c'), PduType.response, 2, 0, 0);
    expect(first.equals(copy)).toBe(true);
  });

  it.each([
    [[1, 3]],
    [[0, 0]],
    [[2, 100, 3]],
    [[1, 3, 6, 1, 4, 1, 2011, 5, 25, 32, 1, 1, 5, 6, 3, 1, 6, 4_294_967_295]],
    [[1, 3, 6, 1, 2, 1, 1, 3, 0]],
  ])('writeOidTlv(%j) writes what encodeOid returns', (arcs) => {
    const buf = Buffer.alloc(oidTlvLength(arcs) + 4, 0xee);
    const end = writeOidTlv(buf, 2, arcs);
    expect(end - 2).toBe(oidTlvLength(arcs));
    expect(buf.subarray(2, end).equals(encodeOid(arcs))).toBe(true);
    expect(buf[end]).toBe(0xee);
  });
});
