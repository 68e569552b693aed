// The IF-MIB columns and SNMPv2-MIB scalars Lanewatch reads, written once: the poller, the
// discovery and the benchmarks import them from here (RFC 2863 IF-MIB, RFC 3418 SNMPv2-MIB).
// Column OIDs name a table column without an index (`…31.1.1.1.6`, rows `…31.1.1.1.6.<ifIndex>`);
// scalar OIDs name the instance (`….0`).

/** ifTable (IF-MIB 1.3.6.1.2.1.2.2), for `session.table()`. */
export const IF_TABLE = '1.3.6.1.2.1.2.2';
/** ifXTable (IF-MIB 1.3.6.1.2.1.31.1.1), for `session.table()`. */
export const IF_X_TABLE = '1.3.6.1.2.1.31.1.1';

const IF_ENTRY = `${IF_TABLE}.1`;
const IF_X_ENTRY = `${IF_X_TABLE}.1`;

/** IF-MIB columns by name. */
export const IF_MIB = {
  /** ifTable .8: 1 up, 2 down, … */
  ifOperStatus: `${IF_ENTRY}.8`,
  /** ifTable .10: Counter32, the fallback where ifHCInOctets is missing. */
  ifInOctets: `${IF_ENTRY}.10`,
  /** ifTable .14: Counter32. */
  ifInErrors: `${IF_ENTRY}.14`,
  /** ifTable .16: Counter32, the fallback where ifHCOutOctets is missing. */
  ifOutOctets: `${IF_ENTRY}.16`,
  /** ifTable .20: Counter32. */
  ifOutErrors: `${IF_ENTRY}.20`,
  /** ifXTable .1: DisplayString. */
  ifName: `${IF_X_ENTRY}.1`,
  /** ifXTable .6: Counter64. */
  ifHCInOctets: `${IF_X_ENTRY}.6`,
  /** ifXTable .10: Counter64. */
  ifHCOutOctets: `${IF_X_ENTRY}.10`,
  /** ifXTable .15: Gauge32, Mbit/s. */
  ifHighSpeed: `${IF_X_ENTRY}.15`,
  /** ifXTable .18: DisplayString set by the operator. */
  ifAlias: `${IF_X_ENTRY}.18`,
  /** ifXTable .19: TimeTicks (sysUpTime at the last counter discontinuity). */
  ifCounterDiscontinuityTime: `${IF_X_ENTRY}.19`,
} as const;

/** SNMPv2-MIB system group scalars (instances). */
export const SNMPV2_MIB = {
  sysDescr: '1.3.6.1.2.1.1.1.0',
  sysObjectID: '1.3.6.1.2.1.1.2.0',
  /** TimeTicks (centiseconds) since the agent's (re)start. */
  sysUpTime: '1.3.6.1.2.1.1.3.0',
} as const;

/** The columns a poll walks for every interface (64-bit octets, speed, state, errors). */
export const POLL_COLUMNS: readonly string[] = [
  IF_MIB.ifName,
  IF_MIB.ifHCInOctets,
  IF_MIB.ifHCOutOctets,
  IF_MIB.ifHighSpeed,
  IF_MIB.ifCounterDiscontinuityTime,
  IF_MIB.ifOperStatus,
  IF_MIB.ifInErrors,
  IF_MIB.ifOutErrors,
];

/** Added to a poll while some link interface lacks the 64-bit octet columns. */
export const POLL_FALLBACK_COLUMNS: readonly string[] = [IF_MIB.ifInOctets, IF_MIB.ifOutOctets];

/** The ifXTable columns discovery reads (names, aliases, speeds, whether 64-bit counters exist). */
export const DISCOVERY_COLUMNS: readonly string[] = [
  IF_MIB.ifName,
  IF_MIB.ifHCInOctets,
  IF_MIB.ifHCOutOctets,
  IF_MIB.ifHighSpeed,
  IF_MIB.ifAlias,
  IF_MIB.ifCounterDiscontinuityTime,
];
