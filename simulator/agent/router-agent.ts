// One simulated router's SNMP personality: security (v2c community or a v3 USM user),
// and GET / GETNEXT / GETBULK over its MIB, all evaluated at one instant per request so a
// response is a consistent snapshot (sysUpTime and counters read at the same time).
// Socket-free: `handle(request)` returns the response bytes, or undefined to stay silent.
// Responses are encoded by a ResponseWriter (one per process, shared by every agent): GETBULK
// rows step from one instance to the next without a search (MibTree.nextAt).
import { BerError, encodeOid, tlv, Tag } from './ber.ts';
import {
  ErrorStatus,
  PduType,
  SnmpVersion,
  V3Flags,
  decodeMessage,
  decodePdu,
  decodeScopedPdu,
  encodePdu,
  encodeScopedPdu,
  encodeV3Message,
  encodeVarbind,
  type RequestPdu,
  type V3Message,
} from './message.ts';
import { ResponseWriter } from './response-writer.ts';
import { computeMac, decryptScopedPdu, encryptScopedPdu, verifyMac, type UsmUser } from './usm.ts';
import type { Oid } from '../mib/oid.ts';
import type { SnmpValue } from '../mib/value.ts';

/** One instance of a MIB read at one instant, its OID already BER-encoded. */
export interface MibInstance {
  oid: Oid;
  oidTlv: Buffer;
  value: SnmpValue;
  /** Where it sits in the MIB, for `nextAt`; absent when the MIB has no positions. */
  position?: number;
}

/** What an agent serves: exact lookups and lexicographic successors at a given instant. */
export interface MibTree {
  get(oid: Oid, atMs: number): SnmpValue | 'noSuchObject' | 'noSuchInstance';
  /** The first instance strictly after `oid`. */
  next(oid: Oid, atMs: number): MibInstance | undefined;
  /** The instance after the one at `position` (from next or nextAt in this request): no search. */
  nextAt?(position: number, atMs: number): MibInstance | undefined;
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
  /** Encodes responses; share one between the agents of a process (default: one of its own). */
  writer?: ResponseWriter;
}

/** A response PDU's status once its varbinds are in the writer; undefined: no answer. */
type PduOutcome = { errorStatus: number; errorIndex: number } | undefined;

export class RouterAgent {
  readonly counters: AgentCounters = { requests: 0, responses: 0, dropped: 0, badCommunity: 0, reports: 0, ignored: 0 };
  readonly #security: AgentSecurity;
  readonly #mib: MibTree;
  readonly #clock: AgentClock;
  readonly #usmCounts = new Map<UsmErrorKind, number>();
  readonly #writer: ResponseWriter;
  /** The v2c community as bytes, compared with each request's. */
  readonly #community: Buffer | undefined;
  #salt: bigint;

  constructor(opts: RouterAgentOptions) {
    this.#security = opts.security;
    this.#mib = opts.mib;
    this.#clock = opts.clock;
    this.#writer = opts.writer ?? new ResponseWriter();
    this.#community = opts.security.version === '2c' ? Buffer.from(opts.security.community) : undefined;
    this.#salt = BigInt((opts.saltSeed ?? 0) >>> 0) << 32n;
  }

  /** Answers one datagram; undefined means no answer (malformed, wrong community, …). */
  handle(request: Buffer): Buffer | undefined {
    this.counters.requests++;
    if (this.#mib.responding && !this.#mib.responding()) {
      this.counters.ignored++;
      return undefined;
    }
    try {
      const message = decodeMessage(request);
      const response =
        message.version === SnmpVersion.v3 && 'msgId' in message
          ? this.#handleV3(request, message)
          : message.version === SnmpVersion.v2c && 'community' in message
            ? this.#handleCommunity(request, message.community, message.pduOffset, message.end)
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

  #handleCommunity(buf: Buffer, community: Buffer, pduOffset: number, end: number): Buffer | undefined {
    if (this.#community === undefined || !community.equals(this.#community)) {
      this.counters.badCommunity++;
      return undefined;
    }
    const pdu = decodePdu(buf, pduOffset, end);
    const outcome = this.#respond(pdu, maxUdpPayload - framingReserve - community.length);
    return outcome ? this.#writer.finishCommunity(1, community, PduType.response, pdu.requestId, outcome.errorStatus, outcome.errorIndex) : undefined;
  }

  #handleV3(buf: Buffer, msg: V3Message): Buffer | undefined {
    if (this.#security.version !== '3' || msg.securityModel !== 3) return undefined;
    const { user, engineId } = this.#security;
    const engineBoots = this.#engineBoots();
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
      return reportable ? this.#report(msg, UsmError.unknownEngineIds, plainRequestId(), false) : undefined;
    }
    if (!msg.userName.equals(Buffer.from(user.name))) {
      return reportable ? this.#report(msg, UsmError.unknownUserNames, plainRequestId(), false) : undefined;
    }
    if (!wantsAuth || !wantsPriv) {
      // The simulated users are authPriv users, like the routers of the network.
      return reportable ? this.#report(msg, UsmError.unsupportedSecLevels, plainRequestId(), false) : undefined;
    }
    if (!verifyMac(user, buf, msg.macOffset, msg.macLength)) {
      return reportable ? this.#report(msg, UsmError.wrongDigests, 0x7fffffff, false) : undefined;
    }
    const engineTime = this.#clock.engineTimeSeconds();
    if (msg.engineBoots !== engineBoots || Math.abs(msg.engineTime - engineTime) > timeWindowSeconds) {
      return reportable ? this.#report(msg, UsmError.notInTimeWindows, 0x7fffffff, true) : undefined;
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
      return reportable ? this.#report(msg, UsmError.decryptionErrors, 0x7fffffff, false) : undefined;
    }
    const maxBytes = Math.min(maxUdpPayload, msg.msgMaxSize > 0 ? msg.msgMaxSize : maxUdpPayload) - framingReserve;
    const outcome = this.#respond(pdu, maxBytes);
    if (!outcome) return undefined;
    const scoped = this.#writer.finishScopedPdu(engineId, contextName, PduType.response, pdu.requestId, outcome.errorStatus, outcome.errorIndex);
    return this.#sendV3(msg, scoped, V3Flags.auth | V3Flags.priv, engineTime);
  }

  /** Wraps a ScopedPDU in a v3 message: encrypts when `flags` has priv, signs when it has auth. */
  #sendV3(msg: V3Message, scopedPdu: Buffer, flags: number, engineTime: number): Buffer {
    if (this.#security.version !== '3') throw new Error('not a v3 agent');
    const { user, engineId } = this.#security;
    const engineBoots = this.#engineBoots();
    let data = scopedPdu;
    let privParams = Buffer.alloc(0);
    if ((flags & V3Flags.priv) !== 0) {
      privParams = Buffer.alloc(8);
      this.#salt = (this.#salt + 1n) & 0xffff_ffff_ffff_ffffn;
      privParams.writeBigUInt64BE(this.#salt);
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
  #engineBoots(): number {
    const base = this.#security.version === '3' ? this.#security.engineBoots : 0;
    return Math.min(0x7fffffff, base + (this.#mib.bootCount?.() ?? 0));
  }

  #report(msg: V3Message, kind: UsmErrorKind, requestId: number, authenticated: boolean): Buffer {
    if (this.#security.version !== '3') throw new Error('not a v3 agent');
    this.counters.reports++;
    const count = (this.#usmCounts.get(kind) ?? 0) + 1;
    this.#usmCounts.set(kind, count);
    const varbind = encodeVarbind(encodeOid(usmStats(kind)), { type: 'counter32', value: BigInt(count) });
    const pdu = encodePdu(PduType.report, requestId, 0, 0, [varbind]);
    const scoped = encodeScopedPdu(this.#security.engineId, Buffer.alloc(0), pdu);
    return this.#sendV3(msg, scoped, authenticated ? V3Flags.auth : 0, this.#clock.engineTimeSeconds());
  }

  /**
   * Writes the response varbinds of a request PDU into the writer and returns the response's
   * status; undefined for PDUs an agent does not answer. Every value is read at one instant.
   */
  #respond(pdu: RequestPdu, maxBytes: number): PduOutcome {
    const atMs = this.#clock.simulatedNowMs();
    const writer = this.#writer;
    const mib = this.#mib;
    writer.begin();
    const tooBig = (): PduOutcome => {
      writer.begin();
      return { errorStatus: ErrorStatus.tooBig, errorIndex: 0 };
    };
    const ok: PduOutcome = { errorStatus: ErrorStatus.noError, errorIndex: 0 };

    switch (pdu.type) {
      case PduType.get:
        for (const oid of pdu.oids) if (!writer.varbind(encodeOid(oid), mib.get(oid, atMs), maxBytes)) return tooBig();
        return ok;
      case PduType.getNext:
        for (const oid of pdu.oids) {
          const next = mib.next(oid, atMs);
          const written = next ? writer.varbind(next.oidTlv, next.value, maxBytes) : writer.varbind(encodeOid(oid), 'endOfMibView', maxBytes);
          if (!written) return tooBig();
        }
        return ok;
      case PduType.getBulk: {
        const nonRepeaters = Math.min(Math.max(pdu.nonRepeaters, 0), pdu.oids.length);
        const maxRepetitions = Math.max(pdu.maxRepetitions, 0);
        for (let i = 0; i < nonRepeaters; i++) {
          const oid = pdu.oids[i]!;
          const next = mib.next(oid, atMs);
          const written = next ? writer.varbind(next.oidTlv, next.value, maxBytes) : writer.varbind(encodeOid(oid), 'endOfMibView', maxBytes);
          if (!written) return tooBig();
        }
        const columns = pdu.oids.length - nonRepeaters;
        // Each column's cursor: the last instance returned (its position steps to the next one),
        // or, before the first row and past the end, the OID asked.
        const cursors: (MibInstance | undefined)[] = new Array(columns).fill(undefined);
        const ended: boolean[] = new Array(columns).fill(false);
        let endedCount = 0;
        let varbinds = nonRepeaters;
        // Row by row; stops when every column is past the end, the response is full, or the cap.
        outer: for (let r = 0; r < maxRepetitions && columns > 0; r++) {
          for (let c = 0; c < columns; c++) {
            if (varbinds >= maxBulkVarbinds) break outer;
            const cursor = cursors[c];
            let next: MibInstance | undefined;
            if (ended[c]) next = undefined;
            else if (cursor?.position !== undefined && mib.nextAt) next = mib.nextAt(cursor.position, atMs);
            else next = mib.next(cursor ? cursor.oid : pdu.oids[nonRepeaters + c]!, atMs);
            if (next) {
              if (!writer.varbind(next.oidTlv, next.value, maxBytes)) break outer;
              cursors[c] = next;
            } else {
              const at = cursor ? cursor.oid : pdu.oids[nonRepeaters + c]!;
              if (!writer.varbind(cursor ? cursor.oidTlv : encodeOid(at), 'endOfMibView', maxBytes)) break outer;
              if (!ended[c]) {
                ended[c] = true;
                endedCount++;
              }
            }
            varbinds++;
          }
          if (endedCount === columns) break;
        }
        return ok;
      }
      case PduType.set: {
        // A read-only view: nothing is writable.
        for (const oid of pdu.oids) if (!writer.varbind(encodeOid(oid), 'null', maxBytes)) return tooBig();
        return { errorStatus: ErrorStatus.notWritable, errorIndex: 1 };
      }
      default:
        return undefined;
    }
  }
}
