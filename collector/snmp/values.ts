// Decoding of varbind values: the one place where net-snmp's wire types become ours.
// Counter32/Counter64 → bigint (Counter64 arrives as an 8-byte big-endian Buffer);
// Integer, Gauge32, TimeTicks → number; OctetString → Buffer (see `asText`).
import snmp from 'net-snmp';

export type SnmpValue = bigint | number | string | Buffer;

/**
 * A Counter64 as net-snmp delivers it (a big-endian Buffer of up to 8 bytes, maybe after a
 * zero byte) → bigint, read from the bytes (no hex text: this runs for every counter).
 */
export function counter64ToBigint(raw: Buffer): bigint {
  let start = 0;
  while (start < raw.length - 1 && raw[start] === 0) start++;
  const n = raw.length - start;
  if (n === 0) return 0n;
  if (n <= 6) return BigInt(raw.readUIntBE(start, n));
  if (n <= 8) return (BigInt(raw.readUIntBE(start, n - 4)) << 32n) | BigInt(raw.readUInt32BE(start + n - 4));
  // More than 8 significant bytes is no Counter64; kept as the agent sent it.
  return BigInt('0x' + raw.toString('hex', start));
}

/**
 * Decodes one varbind value by its type; `undefined` for exceptions (noSuchObject,
 * noSuchInstance, endOfMibView) and for types we do not read.
 */
export function decodeValue(type: number | undefined, value: unknown): SnmpValue | undefined {
  switch (type) {
    case snmp.ObjectType.Counter64:
      if (Buffer.isBuffer(value)) return counter64ToBigint(value);
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
      return undefined;
    case snmp.ObjectType.Counter32:
      return typeof value === 'number' && value >= 0 ? BigInt(value) : undefined;
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

/** A counter value as bigint, or undefined if the value is not a counter. */
export function asCounter(value: SnmpValue | undefined): bigint | undefined {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return BigInt(value);
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
