// One simulated router's SNMP personality: security (v2c community or a v3 USM user),
// and GET / GETNEXT / GETBULK over its MIB, all evaluated at one instant per request so a
// response is a consistent snapshot (sysUpTime and counters read at the same time).
// Socket-free: `handle(request)` returns the response bytes, or undefined to stay silent.
import { BerError, encodeOid, tlv, Tag } from './ber.ts';
import {
  ErrorStatus,
  PduType,
  V3Flags,
  decodeMessage,
  decodePdu,
  decodeScopedPdu,
  encodeCommunityMessage,
  encodePdu,
  encodeScopedPdu,
  encodeV3Message,
  encodeVarbind,
  type RequestPdu,
  type V3Message,
  type VarbindValue,
} from './message.ts';
import { computeMac, decryptScopedPdu, encryptScopedPdu, verifyMac, type UsmUser } from './usm.ts';
import type { Oid } from '../mib/oid.ts';
import type { SnmpValue } from '../mib/value.ts';

/** What an agent serves: exact lookups and lexicographic successors at a given instant. */
export interface MibTree {
  get(oid: Oid, atMs: number): SnmpValue | 'noSuchObject' | 'noSuchInstance';
  /** The first instance strictly after `oid`, with its OID already BER-encoded. */
  next(oid: Oid, atMs: number): { oid: Oid; oidTlv: Buffer; value: SnmpValue } | undefined;
  /** false: the device has stopped answering (every request is dropped). Absent: always answers. */
  responding?(): boolean;
  /** Reboots since the agent started: snmpEngineBoots grows with them. Absent: 0. */
  bootCount?(): number;
}

export type AgentSecurity =
  | { version: '2c'; community: string }
  | { version: '3'; user: UsmUser; engineId: Buffer; engineBoots: number };

export interface AgentClock {
  /** Simulated epoch ms: the instant the MIB is read at. */
  simulatedNowMs(): number;
  /** snmpEngineTime: seconds, advancing with the wall clock (managers extrapolate it). */
  engineTimeSeconds(): number;
}

export interface AgentCounters {
  requests: number;
  responses: number;
  /** Malformed or unanswerable messages. */
  dropped: number;
  badCommunity: number;
  reports: number;
  /** Requests ignored while the device is not responding. */
  ignored: number;
}

/** Largest UDP payload over IPv4. */
const maxUdpPayload = 65_507;
/** Room left for the message framing around the varbind list. */
const framingReserve = 512;
/** RFC 3414 §3.2 step 7: the time window. */
const timeWindowSeconds = 150;
/** Bounds the work of one GETBULK whatever max-repetitions asks for. */
const maxBulkVarbinds = 4_096;
const usmStats = (n: number): number[] => [1, 3, 6, 1, 6, 3, 15, 1, 1, n, 0];
const UsmError = {
  unsupportedSecLevels: 1,
  notInTimeWindows: 2,
  unknownUserNames: 3,
  unknownEngineIds: 4,
  wrongDigests: 5,
  decryptionErrors: 6,
} as const;
type UsmErrorKind = (typeof UsmError)[keyof typeof UsmError];

export interface RouterAgentOptions {
  security: AgentSecurity;
  mib: MibTree;
  clock: AgentClock;
  /** Start of the 64-bit AES salt sequence (seeded: reproducible traces). */
  saltSeed?: number;
}

export class RouterAgent {
  readonly counters: AgentCounters = { requests: 0, responses: 0, dropped: 0, badCommunity: 0, reports: 0, ignored: 0 };
  private readonly security: AgentSecurity;
  private readonly mib: MibTree;
  private readonly clock: AgentClock;
  private readonly usmCounts = new Map<UsmErrorKind, number>();
  private salt: bigint;

  constructor(opts: RouterAgentOptions) {
    this.security = opts.security;
    this.mib = opts.mib;
    this.clock = opts.clock;
    this.salt = BigInt((opts.saltSeed ?? 0) >>> 0) << 32n;
  }

  /** Answers one datagram; undefined means no answer (malformed, wrong community, …). */
  handle(request: Buffer): Buffer | undefined {
    this.counters.requests++;
    if (this.mib.responding && !this.mib.responding()) {
      this.counters.ignored++;
      return undefined;
    }
    try {
      const message = decodeMessage(request);
      const response =
        message.version === 3 && 'msgId' in message
          ? this.handleV3(request, message)
          : message.version === 1 && 'community' in message
            ? this.handleCommunity(request, message.community, message.pduOffset, message.end)
            : undefined;
      if (response) this.counters.responses++;
      else this.counters.dropped++;
      return response;
    } catch (err) {
      if (err instanceof BerError) {
        this.counters.dropped++;
        return undefined;
      }
      throw err;
    }
  }

  private handleCommunity(buf: Buffer, community: Buffer, pduOffset: number, end: number): Buffer | undefined {
    if (this.security.version !== '2c' || !community.equals(Buffer.from(this.security.community))) {
      this.counters.badCommunity++;
      return undefined;
    }
    const pdu = decodePdu(buf, pduOffset, end);
    const response = this.respond(pdu, maxUdpPayload - framingReserve - community.length);
    return response ? encodeCommunityMessage(1, community, response) : undefined;
  }

  private handleV3(buf: Buffer, msg: V3Message): Buffer | undefined {
    if (this.security.version !== '3' || msg.securityModel !== 3) return undefined;
    const { user, engineId } = this.security;
    const engineBoots = this.engineBoots();
    const reportable = (msg.flags & V3Flags.reportable) !== 0;
    const wantsAuth = (msg.flags & V3Flags.auth) !== 0;
    const wantsPriv = (msg.flags & V3Flags.priv) !== 0;
    const plainRequestId = (): number => {
      if (wantsPriv) return 0x7fffffff;
      const scoped = decodeScopedPdu(buf, msg.data.start, msg.data.end);
      return decodePdu(buf, scoped.pduOffset, scoped.end).requestId;
    };
    if (!msg.engineId.equals(engineId)) {
      // Discovery (RFC 3414 §4): tell the manager our engine ID, boots and time.
      return reportable ? this.report(msg, UsmError.unknownEngineIds, plainRequestId(), false) : undefined;
    }
    if (!msg.userName.equals(Buffer.from(user.name))) {
      return reportable ? this.report(msg, UsmError.unknownUserNames, plainRequestId(), false) : undefined;
    }
    if (!wantsAuth || !wantsPriv) {
      // The simulated users are authPriv users, like the routers of the network.
      return reportable ? this.report(msg, UsmError.unsupportedSecLevels, plainRequestId(), false) : undefined;
    }
    if (!verifyMac(user, buf, msg.macOffset, msg.macLength)) {
      return reportable ? this.report(msg, UsmError.wrongDigests, 0x7fffffff, false) : undefined;
    }
    const engineTime = this.clock.engineTimeSeconds();
    if (msg.engineBoots !== engineBoots || Math.abs(msg.engineTime - engineTime) > timeWindowSeconds) {
      return reportable ? this.report(msg, UsmError.notInTimeWindows, 0x7fffffff, true) : undefined;
    }
    let pdu: RequestPdu;
    let contextName: Buffer;
    try {
      if (msg.data.tag !== Tag.octetString) throw new BerError('encrypted msgData expected');
      const plain = decryptScopedPdu(user, msg.engineBoots, msg.engineTime, msg.privParams, buf.subarray(msg.data.valueStart, msg.data.end));
      const scoped = decodeScopedPdu(plain, 0, plain.length);
      pdu = decodePdu(plain, scoped.pduOffset, scoped.end);
      contextName = scoped.contextName;
    } catch {
      return reportable ? this.report(msg, UsmError.decryptionErrors, 0x7fffffff, false) : undefined;
    }
    const maxBytes = Math.min(maxUdpPayload, msg.msgMaxSize > 0 ? msg.msgMaxSize : maxUdpPayload) - framingReserve;
    const responsePdu = this.respond(pdu, maxBytes);
    if (!responsePdu) return undefined;
    return this.sendV3(msg, encodeScopedPdu(engineId, contextName, responsePdu), V3Flags.auth | V3Flags.priv, engineTime);
  }

  /** Wraps a ScopedPDU in a v3 message: encrypts when `flags` has priv, signs when it has auth. */
  private sendV3(msg: V3Message, scopedPdu: Buffer, flags: number, engineTime: number): Buffer {
    if (this.security.version !== '3') throw new Error('not a v3 agent');
    const { user, engineId } = this.security;
    const engineBoots = this.engineBoots();
    let data = scopedPdu;
    let privParams = Buffer.alloc(0);
    if ((flags & V3Flags.priv) !== 0) {
      privParams = Buffer.alloc(8);
      this.salt = (this.salt + 1n) & 0xffff_ffff_ffff_ffffn;
      privParams.writeBigUInt64BE(this.salt);
      data = tlv(Tag.octetString, encryptScopedPdu(user, engineBoots, engineTime, privParams, scopedPdu));
    }
    const authenticated = (flags & V3Flags.auth) !== 0;
    const { message, macOffset } = encodeV3Message({
      msgId: msg.msgId,
      msgMaxSize: maxUdpPayload,
      flags,
      engineId,
      engineBoots,
      engineTime,
      userName: msg.userName,
      macLength: authenticated ? user.macLength : 0,
      privParams,
      data,
    });
    if (authenticated) computeMac(user, message).copy(message, macOffset);
    return message;
  }

  /** snmpEngineBoots: the configured value plus the reboots the MIB has seen. */
  private engineBoots(): number {
    const base = this.security.version === '3' ? this.security.engineBoots : 0;
    return Math.min(0x7fffffff, base + (this.mib.bootCount?.() ?? 0));
  }

  private report(msg: V3Message, kind: UsmErrorKind, requestId: number, authenticated: boolean): Buffer {
    if (this.security.version !== '3') throw new Error('not a v3 agent');
    this.counters.reports++;
    const count = (this.usmCounts.get(kind) ?? 0) + 1;
    this.usmCounts.set(kind, count);
    const varbind = encodeVarbind(encodeOid(usmStats(kind)), { type: 'counter32', value: BigInt(count) });
    const pdu = encodePdu(PduType.report, requestId, 0, 0, [varbind]);
    const scoped = encodeScopedPdu(this.security.engineId, Buffer.alloc(0), pdu);
    return this.sendV3(msg, scoped, authenticated ? V3Flags.auth : 0, this.clock.engineTimeSeconds());
  }

  /** The response PDU for a request PDU; undefined for PDUs an agent does not answer. */
  private respond(pdu: RequestPdu, maxBytes: number): Buffer | undefined {
    const atMs = this.clock.simulatedNowMs();
    const varbinds: Buffer[] = [];
    let bytes = 0;
    const add = (oidTlv: Buffer, value: VarbindValue): boolean => {
      const vb = encodeVarbind(oidTlv, value);
      if (bytes + vb.length > maxBytes) return false;
      varbinds.push(vb);
      bytes += vb.length;
      return true;
    };
    const nextOf = (oid: Oid): { oid: Oid; oidTlv: Buffer; value: VarbindValue } => {
      const next = this.mib.next(oid, atMs);
      return next ?? { oid, oidTlv: encodeOid(oid), value: 'endOfMibView' };
    };
    const tooBig = (): Buffer => encodePdu(PduType.response, pdu.requestId, ErrorStatus.tooBig, 0, []);

    switch (pdu.type) {
      case PduType.get:
        for (const oid of pdu.oids) if (!add(encodeOid(oid), this.mib.get(oid, atMs))) return tooBig();
        break;
      case PduType.getNext:
        for (const oid of pdu.oids) {
          const next = nextOf(oid);
          if (!add(next.oidTlv, next.value)) return tooBig();
        }
        break;
      case PduType.getBulk: {
        const nonRepeaters = Math.min(Math.max(pdu.nonRepeaters, 0), pdu.oids.length);
        const maxRepetitions = Math.max(pdu.maxRepetitions, 0);
        for (let i = 0; i < nonRepeaters; i++) {
          const next = nextOf(pdu.oids[i]!);
          if (!add(next.oidTlv, next.value)) return tooBig();
        }
        const cursors: Oid[] = pdu.oids.slice(nonRepeaters);
        const ended = cursors.map(() => false);
        // Row by row; stops when every column is past the end, the response is full, or the cap.
        outer: for (let r = 0; r < maxRepetitions && cursors.length > 0; r++) {
          for (let c = 0; c < cursors.length; c++) {
            if (varbinds.length >= maxBulkVarbinds) break outer;
            const next = nextOf(cursors[c]!);
            if (next.value === 'endOfMibView') ended[c] = true;
            if (!add(next.oidTlv, next.value)) break outer;
            cursors[c] = next.oid;
          }
          if (ended.every(Boolean)) break;
        }
        break;
      }
      case PduType.set: {
        // A read-only view: nothing is writable.
        const echoed = pdu.oids.map((oid) => encodeVarbind(encodeOid(oid), 'null'));
        return encodePdu(PduType.response, pdu.requestId, ErrorStatus.notWritable, 1, echoed);
      }
      default:
        return undefined;
    }
    return encodePdu(PduType.response, pdu.requestId, ErrorStatus.noError, 0, varbinds);
  }
}
