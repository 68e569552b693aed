// The SNMP layer: sessions, column walks and scalar reads, value decoding, typed errors.
export { SnmpError, toSnmpError, type SnmpErrorKind } from './errors.ts';
export { counter64ToBigint, decodeValue, asCounter, asNumber, asText, type SnmpValue } from './values.ts';
export {
  parseHostPort,
  openSession,
  v3User,
  authProtocolOf,
  privProtocolOf,
  type HostPort,
  type SessionTiming,
  type OpenSession,
} from './session.ts';
export { readColumns, get, compareOids, type Rows, type ColumnRead, type ReadColumnsOptions, type GetResult } from './read.ts';
