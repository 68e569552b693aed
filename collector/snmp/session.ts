// SNMP sessions from the config, for `host:port` targets (IPv6 as `[::1]:161`): v2c with the
// collector's own client over a transport (collector/snmp/v2c.ts, sockets shared), else
// net-snmp's (v3 authPriv always; one UDP socket per session). Callers close sessions.
import snmp from 'net-snmp';
import type { SnmpConfig, SnmpV3Config } from '../../config/schema.ts';
import { V2cSession, type V2cTransport } from './v2c.ts';
import type { SnmpSession } from './read.ts';

export interface HostPort {
  host: string;
  port: number;
  transport: 'udp4' | 'udp6';
}

/** Parses `host:port` / `[v6]:port`; undefined when it is not one. */
export function parseHostPort(address: string): HostPort | undefined {
  const v6 = /^\[([0-9a-fA-F:.]+)\]:(\d{1,5})$/.exec(address);
  const plain = v6 ? undefined : /^([A-Za-z0-9.-]+):(\d{1,5})$/.exec(address);
  const match = v6 ?? plain;
  if (!match || match[1] === undefined || match[2] === undefined) return undefined;
  const port = Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65_535) return undefined;
  return { host: match[1], port, transport: v6 ? 'udp6' : 'udp4' };
}

export interface SessionTiming {
  /** Time to wait for one answer before resending. */
  timeoutMs: number;
  /** Resends after the first attempt. */
  retries: number;
  /** Each resend waits `backoff` times longer than the previous attempt (≥ 1). */
  backoff?: number;
}

const AUTH_PROTOCOLS: Record<SnmpV3Config['authProtocol'], snmp.AuthProtocols> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};

const PRIV_PROTOCOLS: Record<SnmpV3Config['privProtocol'], snmp.PrivProtocols> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

export function authProtocolOf(name: SnmpV3Config['authProtocol']): snmp.AuthProtocols {
  return AUTH_PROTOCOLS[name];
}

export function privProtocolOf(name: SnmpV3Config['privProtocol']): snmp.PrivProtocols {
  return PRIV_PROTOCOLS[name];
}

/** The net-snmp user of a v3 config: always authPriv. */
export function v3User(config: SnmpV3Config): snmp.User {
  return {
    name: config.user,
    level: snmp.SecurityLevel.authPriv,
    authProtocol: authProtocolOf(config.authProtocol),
    authKey: config.authKey,
    privProtocol: privProtocolOf(config.privProtocol),
    privKey: config.privKey,
  };
}

export interface OpenSession {
  session: SnmpSession;
  /** `host:port` as configured, for messages. */
  target: string;
  close(): void;
}

/** A session of net-snmp itself, for callers that use its API directly (benchmarks, tools). */
export interface NetSnmpOpenSession extends OpenSession {
  session: snmp.Session;
}

/**
 * Opens a session to `address`. With a transport, a v2c session is the collector's own client
 * sending over it (the reads in read.ts take either); without, net-snmp's session (v3 always).
 * Throws only for an address that is not host:port (a configuration fault; config validation
 * already rejects those).
 */
export function openSession(address: string, config: SnmpConfig, timing: SessionTiming): NetSnmpOpenSession;
export function openSession(address: string, config: SnmpConfig, timing: SessionTiming, transport: V2cTransport | undefined): OpenSession;
export function openSession(address: string, config: SnmpConfig, timing: SessionTiming, transport?: V2cTransport): OpenSession {
  const hp = parseHostPort(address);
  if (!hp) throw new Error(`not a host:port address: "${address}"`);
  if (config.version === '2c' && transport) {
    const session = new V2cSession({
      host: hp.host,
      port: hp.port,
      family: hp.transport === 'udp6' ? 6 : 4,
      community: config.community,
      timing,
      target: address,
      transport,
    });
    return { session, target: address, close: () => session.close() };
  }
  const common = {
    port: hp.port,
    transport: hp.transport,
    timeout: timing.timeoutMs,
    retries: timing.retries,
    backoff: timing.backoff ?? 1,
  };
  const session =
    config.version === '2c'
      ? snmp.createSession(hp.host, config.community, { ...common, version: snmp.Version2c })
      : snmp.createV3Session(hp.host, v3User(config), { ...common, version: snmp.Version3 });
  // net-snmp emits 'error' for undecodable datagrams; without a listener that would throw.
  session.on('error', () => {});
  let closed = false;
  return {
    session,
    target: address,
    close: () => {
      if (closed) return;
      closed = true;
      try {
        session.close();
      } catch {
        // already closed by the socket itself
      }
    },
  };
}
