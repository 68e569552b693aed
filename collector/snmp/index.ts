// The SNMP layer: sessions, column walks and scalar reads, value decoding, typed errors.
export { SnmpError, toSnmpError, type SnmpErrorKind } from './errors.ts';
export { counter64Of, decodeValue, asCounter, asNumber, asText, type Counter, type SnmpValue } from './values.ts';
export {
  parseHostPort,
  openSession,
  v3User,
  authProtocolOf,
  privProtocolOf,
  type HostPort,
  type SessionTiming,
  type OpenSession,
  type NetSnmpOpenSession,
} from './session.ts';
export { readColumns, readTable, readTableWith, walkColumns, walkRows, get, ColumnTable, TableColumn, type RowSink, compareOids, type Rows, type ColumnRead, type ColumnWalk, type ReadColumnsOptions, type GetResult, type SnmpSession, type VisitValue, type WalkPage } from './read.ts';
export { V2cTransport, V2cSession, type V2cTransportOptions } from './v2c.ts';
