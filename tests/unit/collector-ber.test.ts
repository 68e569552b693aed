// The v2c client's BER (collector/snmp/ber.ts): OIDs encoded as RFC 2578/X.690 say, requests
// laid out as RFC 3416 says, answers read in place, arcs compared as numbers, malformed
// answers refused. Expected bytes are written out by hand.
import { describe, expect, it } from 'vitest';
import {
  BerError,
  Tag,
  arcsEqualText,
  arcsText,
  compareOidContent,
  encodeArcs,
  encodeArcsInto,
  encodeOid,
  encodeRequest,
  forEachVarbind,
  oidEquals,
  oidHasPrefix,
  readResponseHead,
  readValue,
  requestVarbind,
  tlv,
  type VarbindView,
} from '../../collector/snmp/ber.ts';
import { compareOids } from '../../collector/snmp/read.ts';
import { counter64Of } from '../../collector/snmp/values.ts';

const hex = (b: Buffer) => b.toString('hex');

describe('OIDs', () => {
  it.each([
    ['1.3.6.1.2.1.1.3.0', '2b06010201010300'],
    // 166 → 81 26; 719614 → ab f5 7e; 473480627 → 81 e1 e2 fb 33 (base 128, high bit on all but the last).
    ['1.3.6.1.4.1.9.9.166.1.15.1.1.10.719614.473480627', '2b0601040109098126010f01010aabf57e81e1e2fb33'],
    ['0.0', '00'],
    ['2.999.3', '883703'],
    ['1.3.6.1.2.1.31.1.1.1.6.4294967295', '2b060102011f010101068fffffff7f'],
  ])('%s encodes as %s and reads back', (oid, bytes) => {
    const content = encodeOid(oid);
    expect(hex(content)).toBe(bytes);
    expect(arcsText(content, 0, content.length, true)).toBe(oid);
  });

  it.each(['', '1', 'a.b', '1.3.x', '3.1', '1.40', '1.3.4294967296', '1..3'])('"%s" is no OID', (oid) => {
    expect(() => encodeOid(oid)).toThrow(BerError);
  });

  it('a column prefix, and the row after it', () => {
    const column = encodeOid('1.3.6.1.2.1.31.1.1.1.6');
    const instance = encodeOid('1.3.6.1.2.1.31.1.1.1.6.200.7');
    const other = encodeOid('1.3.6.1.2.1.31.1.1.1.10.1');
    expect(oidHasPrefix(instance, 0, instance.length, column)).toBe(true);
    expect(oidHasPrefix(column, 0, column.length, column)).toBe(false);
    expect(oidHasPrefix(other, 0, other.length, column)).toBe(false);
    expect(arcsText(instance, column.length, instance.length)).toBe('200.7');
    expect(oidEquals(instance, 0, instance.length, encodeOid('1.3.6.1.2.1.31.1.1.1.6.200.7'))).toBe(true);
    expect(oidEquals(instance, 0, instance.length, column)).toBe(false);
  });

  // BER bytes do not sort as arcs: 257 is 82 01, 32767 is 81 ff 7f.
  it.each([
    ['1.3.6.257', '1.3.6.32767'],
    ['1.3.6.127', '1.3.6.128'],
    ['1.3.6.1', '1.3.6.1.0'],
    ['1.3.6.2', '1.3.6.10.1'],
    ['1.3.6.1.2', '1.3.6.1.2'],
    ['1.3.6.4294967295', '1.3.6.5'],
  ])('%s against %s compares as numbers do', (a, b) => {
    const x = encodeOid(a);
    const y = encodeOid(b);
    const sign = (n: number) => Math.sign(n);
    expect(sign(compareOidContent(x, 0, x.length, y, 0, y.length))).toBe(sign(compareOids(a, b)));
    expect(sign(compareOidContent(y, 0, y.length, x, 0, x.length))).toBe(sign(compareOids(b, a)));
  });
});

describe('row indexes (the arcs after a column)', () => {
  const indexes = ['0', '127', '128', '16384', '473480627', '4294967295', '7.2.0.0.12', '719614.473480627'];
  it.each(indexes)('%s: encoded without first-arc packing, read back as text, equal only to itself', (index) => {
    const bytes = encodeArcs(index);
    expect(arcsText(bytes, 0, bytes.length)).toBe(index);
    const scratch = Buffer.alloc(32);
    expect(scratch.subarray(0, encodeArcsInto(index, scratch)).equals(bytes)).toBe(true);
    expect(encodeArcsInto(index, Buffer.alloc(bytes.length - 1))).toBe(-1);
    for (const other of [...indexes, '', `${index}.1`, `0${index}`, `${index}0`, index.slice(0, -1)]) {
      expect(arcsEqualText(bytes, 0, bytes.length, other)).toBe(other === index);
    }
  });

  it.each(['', '1..2', '1.', 'a', '4294967296'])('%j is no row index', (text) => {
    expect(encodeArcsInto(text, Buffer.alloc(32))).toBe(-1);
  });

  it('a long request (varbinds past 255 bytes, a 4-byte request-id) has long-form lengths that say its size', () => {
    const varbinds = Array.from({ length: 40 }, (_, i) => requestVarbind(encodeOid(`1.3.6.1.4.1.9.9.166.1.15.1.1.10.${i * 1000}`)));
    const message = encodeRequest(Tag.getBulkRequest, Buffer.from('public'), 0x7fff_fff0, 1, 64, varbinds);
    const [tag, start, end] = [message[0], 4, message.length];
    expect(tag).toBe(Tag.sequence);
    expect(message[1]).toBe(0x82);
    expect(message.readUInt16BE(2)).toBe(end - start);
    expect(hex(message)).toContain('02047ffffff0020101020140');
    expect(message.subarray(message.length - varbinds.at(-1)!.length).equals(varbinds.at(-1)!)).toBe(true);
  });
});

describe('requests', () => {
  it('a GETBULK laid out as RFC 3416 says', () => {
    const message = encodeRequest(Tag.getBulkRequest, Buffer.from('public'), 0x1234, 1, 25, [requestVarbind(encodeOid('1.3.6.1.2.1.1.3'))]);
    expect(hex(message)).toBe(
      '30' + '26' + '020101' + '0406' + Buffer.from('public').toString('hex') +
        'a5' + '19' + '02021234' + '020101' + '020119' + '30' + '0d' + '30' + '0b' + '0607' + '2b060102010103' + '0500',
    );
  });

  it('a request-id with its high bit set gets a leading zero (INTEGER is signed)', () => {
    const message = encodeRequest(Tag.getRequest, Buffer.from('c'), 0x80, 0, 0, []);
    expect(hex(message)).toContain('a00c020200800201000201003000');
  });

  it('long content gets a long-form length', () => {
    const content = Buffer.alloc(300, 1);
    expect(hex(tlv(Tag.octetString, content).subarray(0, 4))).toBe('0482012c');
  });
});

/** A Response message from varbinds given as [oid, tag, content]. */
function response(requestId: number, varbinds: Array<[string, number, Buffer]>, errorStatus = 0, errorIndex = 0): Buffer {
  const list = varbinds.map(([oid, tag, content]) => tlv(Tag.sequence, Buffer.concat([tlv(Tag.oid, encodeOid(oid)), tlv(tag, content)])));
  const int = (n: number) => tlv(Tag.integer, Buffer.from([n]));
  const pdu = tlv(Tag.response, Buffer.concat([int(requestId), int(errorStatus), int(errorIndex), tlv(Tag.sequence, Buffer.concat(list))]));
  return tlv(Tag.sequence, Buffer.concat([int(1), tlv(Tag.octetString, Buffer.from('public')), pdu]));
}

describe('answers', () => {
  const u = (...bytes: number[]) => Buffer.from(bytes);
  it.each([
    ['1f ff ff ff ff ff ff', 2 ** 53 - 1],
    ['00 1f ff ff ff ff ff ff', 2 ** 53 - 1],
    ['20 00 00 00 00 00 00', 2n ** 53n],
    ['01 00 00 00 00 00 00 00', 2n ** 56n],
    ['ff ff ff ff ff ff ff ff', 2n ** 64n - 1n],
    ['01 00 00 00 01', 2 ** 32 + 1],
  ])('a Counter64 of bytes %s is %s: a number while exact, a bigint from 2^53', (bytes, expected) => {
    const buf = Buffer.from(bytes.replaceAll(' ', ''), 'hex');
    expect(counter64Of(buf, 0, buf.length)).toBe(expected);
  });

  it('every value type SNMP polls, as the SNMP layer gives them', () => {
    const msg = response(7, [
      ['1.3.6.1.2.1.1.3.0', Tag.timeTicks, u(0x00, 0xff, 0xff, 0xff, 0xff)],
      ['1.3.6.1.2.1.31.1.1.1.6.1', Tag.counter64, u(0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)],
      ['1.3.6.1.2.1.31.1.1.1.6.2', Tag.counter64, u(0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00)],
      ['1.3.6.1.2.1.31.1.1.1.6.3', Tag.counter64, u(0x00)],
      ['1.3.6.1.2.1.2.2.1.14.1', Tag.counter32, u(0x00, 0x80, 0x00, 0x00, 0x00)],
      ['1.3.6.1.2.1.31.1.1.1.15.1', Tag.gauge32, u(0x27, 0x10)],
      ['1.3.6.1.2.1.2.2.1.8.1', Tag.integer, u(0x01)],
      ['1.3.6.1.2.1.2.2.1.8.2', Tag.integer, u(0xff)],
      ['1.3.6.1.2.1.31.1.1.1.1.1', Tag.octetString, Buffer.from('Gi0/0/1')],
      ['1.3.6.1.2.1.1.2.0', Tag.oid, encodeOid('1.3.6.1.4.1.9.1.2571')],
      ['1.3.6.1.2.1.4.20.1.1.1', Tag.ipAddress, u(10, 0, 0, 1)],
      ['1.3.6.1.2.1.31.1.1.1.6.9', Tag.noSuchInstance, u()],
      ['1.3.6.1.2.1.31.1.1.1.6.9', Tag.null, u()],
    ]);
    const head = readResponseHead(msg);
    expect(head).toMatchObject({ requestId: 7, errorStatus: 0, errorIndex: 0 });
    const got: string[] = [];
    const count = forEachVarbind(msg, head, (vb: VarbindView) => {
      const value = readValue(msg, vb);
      got.push(`${arcsText(msg, vb.oidStart, vb.oidEnd, true)}=${Buffer.isBuffer(value) ? value.toString() : typeof value === 'bigint' ? `${value}n` : String(value)}`);
    });
    expect(count).toBe(13);
    expect(got).toEqual([
      '1.3.6.1.2.1.1.3.0=4294967295',
      // Counters are numbers while exact (below 2^53), bigints above.
      '1.3.6.1.2.1.31.1.1.1.6.1=18446744073709551615n',
      '1.3.6.1.2.1.31.1.1.1.6.2=281474976710656',
      '1.3.6.1.2.1.31.1.1.1.6.3=0',
      '1.3.6.1.2.1.2.2.1.14.1=2147483648',
      '1.3.6.1.2.1.31.1.1.1.15.1=10000',
      '1.3.6.1.2.1.2.2.1.8.1=1',
      '1.3.6.1.2.1.2.2.1.8.2=-1',
      '1.3.6.1.2.1.31.1.1.1.1.1=Gi0/0/1',
      '1.3.6.1.2.1.1.2.0=1.3.6.1.4.1.9.1.2571',
      '1.3.6.1.2.1.4.20.1.1.1=10.0.0.1',
      '1.3.6.1.2.1.31.1.1.1.6.9=undefined',
      '1.3.6.1.2.1.31.1.1.1.6.9=undefined',
    ]);
  });

  it('an error status is read, not hidden', () => {
    expect(readResponseHead(response(9, [], 1, 0))).toMatchObject({ requestId: 9, errorStatus: 1 });
  });

  it.each([
    ['empty', Buffer.alloc(0)],
    ['not a SEQUENCE', Buffer.from('0400', 'hex')],
    ['cut short', response(1, [['1.3.6.1.2.1.1.3.0', Tag.timeTicks, Buffer.from([1])]]).subarray(0, 20)],
    ['SNMPv1', Buffer.from('300d020100040170a2060201010201', 'hex')],
    ['a GetRequest, not a Response', encodeRequest(Tag.getRequest, Buffer.from('c'), 5, 0, 0, [])],
    ['a length past the end', Buffer.from('30ff020101', 'hex')],
  ])('%s: refused with a BerError', (_name, msg) => {
    expect(() => readResponseHead(msg)).toThrow(BerError);
  });

  it('a varbind list with a broken varbind is refused', () => {
    const msg = response(3, [['1.3.6.1.2.1.1.3.0', Tag.timeTicks, Buffer.from([1])]]);
    // The varbind's SEQUENCE tag becomes an OCTET STRING.
    const broken = Buffer.from(msg);
    const head = readResponseHead(broken);
    broken[head.varbindsStart] = Tag.octetString;
    expect(() => forEachVarbind(broken, head, () => {})).toThrow(BerError);
  });
});
