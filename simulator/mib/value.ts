// The values an agent can put in a varbind. Counters are bigint; the agent applies the
// width (Counter32 wraps at 2^32, Gauge32 caps at 2^32-1) when it encodes them.
import type { Oid } from './oid.ts';

export type SnmpValue =
  | { type: 'integer'; value: number }
  | { type: 'octets'; value: Buffer | string }
  | { type: 'oid'; value: Oid }
  | { type: 'counter32'; value: bigint }
  | { type: 'gauge32'; value: bigint }
  | { type: 'timeTicks'; value: bigint }
  | { type: 'counter64'; value: bigint };

export const integer = (value: number): SnmpValue => ({ type: 'integer', value });
export const octets = (value: Buffer | string): SnmpValue => ({ type: 'octets', value });
export const objectId = (value: Oid): SnmpValue => ({ type: 'oid', value });
export const counter32 = (value: bigint): SnmpValue => ({ type: 'counter32', value });
export const gauge32 = (value: bigint): SnmpValue => ({ type: 'gauge32', value });
export const timeTicks = (value: bigint): SnmpValue => ({ type: 'timeTicks', value });
export const counter64 = (value: bigint): SnmpValue => ({ type: 'counter64', value });
