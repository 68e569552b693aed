// Decoding of varbind values: the one place where net-snmp's wire types become ours.
// Counter32/Counter64 → Counter (a number while exact, below 2^53; a bigint above; Counter64
// arrives as an 8-byte big-endian Buffer); Integer, Gauge32, TimeTicks → number; OctetString →
// Buffer (see `asText`).
import snmp from 'net-snmp';

export type SnmpValue = bigint | number | string | Buffer;

/**
 * A counter's value: a number while it is exact (below 2^53: every Counter32, and a Counter64
 * of all but the busiest links after years up), a bigint above. No bigint is made for the
 * counters of a poll, and a delta between two numbers is exact.
 */
export type Counter = number | bigint;

const maxExactBig = BigInt(Number.MAX_SAFE_INTEGER);
/** 2^32, to join a Counter64's halves. */
const HALF = 2 ** 32;
/** A high half below this keeps the whole below 2^53. */
const exactHighLimit = 2 ** 21;

/** A Counter64's big-endian bytes at [start, end): a number while exact, else a bigint. */
export function counter64Of(buf: Buffer, start: number, end: number): Counter {
  let s = start;
  while (s < end - 1 && buf[s] === 0) s++;
  const n = end - s;
  if (n <= 0) return 0;
  if (n <= 6) {
    let value = 0;
    for (let i = s; i < end; i++) value = value * 256 + buf[i]!;
    return value;
  }
  if (n <= 8) {
    const high = buf.readUIntBE(s, n - 4);
    const low = buf.readUInt32BE(s + n - 4);
    return high < exactHighLimit ? high * HALF + low : (BigInt(high) << 32n) | BigInt(low);
  }
  // More than 8 significant bytes is no Counter64; kept as the agent sent it.
  return BigInt('0x' + buf.toString('hex', s, end));
}

/**
 * Decodes one varbind value by its type; `undefined` for exceptions (noSuchObject,
 * noSuchInstance, endOfMibView) and for types we do not read.
 */
export function decodeValue(type: number | undefined, value: unknown): SnmpValue | undefined {
  switch (type) {
    case snmp.ObjectType.Counter64:
      if (Buffer.isBuffer(value)) return counter64Of(value, 0, value.length);
      return asCounter(typeof value === 'bigint' || typeof value === 'number' ? value : undefined);
    case snmp.ObjectType.Counter32:
      return typeof value === 'number' && value >= 0 ? value : undefined;
    case snmp.ObjectType.Integer:
    case snmp.ObjectType.Gauge32:
    case snmp.ObjectType.TimeTicks:
      return typeof value === 'number' ? value : undefined;
    case snmp.ObjectType.OctetString:
    case snmp.ObjectType.Opaque:
      if (Buffer.isBuffer(value)) return value;
      return typeof value === 'string' ? value : undefined;
    case snmp.ObjectType.OID:
    case snmp.ObjectType.IpAddress:
      return typeof value === 'string' ? value : undefined;
    default:
      return undefined;
  }
}

/** A counter value (a number while exact, else a bigint), or undefined if the value is not a counter. */
export function asCounter(value: SnmpValue | undefined): Counter | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value === 'bigint') return value < 0n ? undefined : value <= maxExactBig ? Number(value) : value;
  return undefined;
}

/** An integer/gauge/timeticks value as number, or undefined. */
export function asNumber(value: SnmpValue | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint' && value <= BigInt(Number.MAX_SAFE_INTEGER)) return Number(value);
  return undefined;
}

/** An OctetString as text (UTF-8), or undefined. */
export function asText(value: SnmpValue | undefined): string | undefined {
  if (typeof value === 'string') return value;
  if (Buffer.isBuffer(value)) return value.toString('utf8');
  return undefined;
}
