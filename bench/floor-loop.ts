// The national run's floor loop, in a process of its own (bench/floor.ts starts it and reads its
// CPU from /proc): every router, once per interval at the collector's offset for it, gets the one
// GETBULK a poll sends at its minimum — a GETNEXT of sysUpTime (non-repeater) and the IF-MIB poll
// columns with max-repetitions its interfaces' rows + 1 (the collector's walkRepetitions, so one
// answer holds every column to its end) — and the answer is only matched to its request.
// Mode `raw`: v2c over bare UDP sockets (the collector's socket count and host lookup); the v3
// routers through net-snmp sessions, as the collector reads them. Mode `net-snmp`: every router
// through a net-snmp session (which decodes every varbind: its cost, for comparison).
// Before the loop, one untimed GETBULK per router learns its rows. Prints `{"event":"ready"}`
// after one interval of the loop, and `{"event":"stats",…}` on SIGTERM, then exits.
import { createSocket, type Socket } from 'node:dgram';
import snmp from 'net-snmp';
import { loadConfig } from '../config/load.ts';
import type { RouterConfig } from '../config/schema.ts';
import { walkRepetitions } from '../collector/poller.ts';
import { nextDueMs } from '../collector/scheduler.ts';
import { encodeOid, encodeRequest, readResponseHead, requestVarbind, Tag } from '../collector/snmp/ber.ts';
import { POLL_COLUMNS, SNMPV2_MIB } from '../collector/snmp/if-mib.ts';
import { openSession, parseHostPort, type NetSnmpOpenSession } from '../collector/snmp/session.ts';
import { lookupLiteral } from '../collector/snmp/v2c.ts';
import { rowsOfColumn, scheduleSteps, type FloorLoopOptions, type FloorLoopStats } from './floor.ts';

const opts = JSON.parse(process.argv[2] ?? '{}') as FloorLoopOptions;
if (opts.mode !== 'raw' && opts.mode !== 'net-snmp') throw new Error(`floor loop: mode must be raw or net-snmp, got ${JSON.stringify(opts.mode)}`);

/** A GETNEXT of `X` answers scalar `X.0` (as the collector's walk asks for sysUpTime). */
const sysUpTimeNext = SNMPV2_MIB.sysUpTime.slice(0, SNMPV2_MIB.sysUpTime.lastIndexOf('.'));
const requestOids = [sysUpTimeNext, ...POLL_COLUMNS];
const requestVarbinds = requestOids.map((oid) => requestVarbind(encodeOid(oid)));
/** The receive buffer the collector's transport asks for (its default). */
const recvBufferBytes = 1 << 20;
/** Untimed learning requests in flight at once. */
const learnConcurrency = 96;

interface Target {
  router: RouterConfig;
  host: string;
  port: number;
  maxRepetitions: number;
  /** net-snmp session (v3 in raw mode; every router in net-snmp mode). */
  session: NetSnmpOpenSession | undefined;
  /** v2c in raw mode: the request's community, encoded once. */
  community: Buffer | undefined;
  /** The request id waiting for its answer (0: none). */
  pendingId: number;
}

const routers = loadConfig(opts.configDir, { env: {} }).topology.routers;
const timing = { timeoutMs: opts.timeoutMs, retries: 0 };
const targets: Target[] = routers.map((router) => {
  const hp = parseHostPort(router.address);
  if (!hp) throw new Error(`floor loop: router ${router.id} has no host:port address: "${router.address}"`);
  return { router, host: hp.host, port: hp.port, maxRepetitions: walkRepetitions(undefined), session: undefined, community: undefined, pendingId: 0 };
});

const counts = { sent: 0, answered: 0, unanswered: 0, unmatched: 0, repetitions: 0 };
let counting = false;
/** Routers that did not answer the learning request. */
let learnFailed = 0;

function bulk(session: NetSnmpOpenSession, maxRepetitions: number): Promise<unknown[] | undefined> {
  return new Promise((resolve) => {
    try {
      session.session.getBulk(requestOids, 1, maxRepetitions, (error, varbinds) => resolve(error ? undefined : (varbinds as unknown[])));
    } catch {
      resolve(undefined);
    }
  });
}

/**
 * Learns a router's rows with one untimed GETBULK (25 repetitions, as the collector's first poll
 * asks; 64 when that filled them). A router that does not answer keeps 25 and is counted.
 */
async function learn(t: Target): Promise<void> {
  const session = openSession(t.router.address, t.router.snmp, timing);
  try {
    for (const reps of [walkRepetitions(undefined), walkRepetitions(Number.MAX_SAFE_INTEGER)]) {
      const answer = await bulk(session, reps);
      if (answer === undefined) {
        learnFailed++;
        return;
      }
      const rows = rowsOfColumn(answer[1] as ReadonlyArray<{ oid: string }> | undefined, POLL_COLUMNS[0]!);
      t.maxRepetitions = walkRepetitions(rows);
      if (rows < reps) return;
    }
  } finally {
    session.close();
  }
}

async function learnAll(): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) await learn(targets[next++]!);
  };
  await Promise.all(Array.from({ length: learnConcurrency }, worker));
}

// ---- the loop ----------------------------------------------------------------------------------

const sockets: Socket[] = [];
/** request id → target, for the raw v2c requests. */
const pending = new Map<number, Target>();
let nextId = 0;
let turn = 0;

function openSockets(): void {
  for (let i = 0; i < Math.max(1, opts.sockets); i++) {
    const socket = createSocket({ type: 'udp4', lookup: lookupLiteral, recvBufferSize: recvBufferBytes });
    socket.on('message', (buf: Buffer) => {
      let id: number;
      try {
        id = readResponseHead(buf).requestId;
      } catch {
        return; // not an SNMPv2c answer
      }
      const t = pending.get(id);
      if (t === undefined) {
        if (counting) counts.unmatched++;
        return;
      }
      pending.delete(id);
      t.pendingId = 0;
      if (counting) counts.answered++;
    });
    socket.bind(0, '127.0.0.1');
    sockets.push(socket);
  }
}

function sendRaw(t: Target): void {
  nextId = nextId >= 0x7fff_ffff ? 1 : nextId + 1;
  const message = encodeRequest(Tag.getBulkRequest, t.community!, nextId, 1, t.maxRepetitions, requestVarbinds);
  pending.set(nextId, t);
  t.pendingId = nextId;
  turn = (turn + 1) % sockets.length;
  sockets[turn]!.send(message, t.port, t.host);
}

function sendSession(t: Target): void {
  t.pendingId = 1;
  try {
    t.session!.session.getBulk(requestOids, 1, t.maxRepetitions, (error) => {
      t.pendingId = 0;
      if (counting && !error) counts.answered++;
    });
  } catch {
    t.pendingId = 0;
  }
}

function poll(t: Target): void {
  if (t.pendingId !== 0) {
    if (counting) counts.unanswered++;
    if (t.session === undefined) pending.delete(t.pendingId);
    t.pendingId = 0;
  }
  if (counting) {
    counts.sent++;
    counts.repetitions += t.maxRepetitions;
  }
  if (t.session !== undefined) sendSession(t);
  else sendRaw(t);
}

function startLoop(): void {
  for (const [offsetMs, indices] of scheduleSteps(targets.map((t) => t.router.id), opts.intervalMs)) {
    const fire = (): void => {
      for (const i of indices) poll(targets[i]!);
      setTimeout(fire, nextDueMs(Date.now() + 1, offsetMs, opts.intervalMs) - Date.now());
    };
    setTimeout(fire, nextDueMs(Date.now(), offsetMs, opts.intervalMs) - Date.now());
  }
}

function report(event: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ event, ...extra })}\n`);
}

await learnAll();
for (const t of targets) {
  if (opts.mode === 'net-snmp' || t.router.snmp.version === '3') {
    t.session = openSession(t.router.address, t.router.snmp, timing);
  } else if (t.router.snmp.version === '2c') {
    t.community = Buffer.from(t.router.snmp.community, 'utf8');
  }
}
if (opts.mode === 'raw') openSockets();
startLoop();
await new Promise((r) => setTimeout(r, opts.intervalMs));
counting = true;
report('ready');

process.once('SIGTERM', () => {
  counting = false;
  for (const t of targets) if (t.pendingId !== 0) counts.unanswered++;
  const v3 = targets.filter((t) => t.router.snmp.version === '3').length;
  const stats: FloorLoopStats = {
    mode: opts.mode,
    routers: targets.length,
    v2cRouters: targets.length - v3,
    v3Routers: v3,
    sent: counts.sent,
    answered: counts.answered,
    unanswered: counts.unanswered,
    unmatched: counts.unmatched,
    learnFailed,
    meanMaxRepetitions: counts.sent === 0 ? 0 : Number((counts.repetitions / counts.sent).toFixed(2)),
  };
  report('stats', { stats });
  process.exit(0);
});
