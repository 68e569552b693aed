// `npm run bench:machine`: what this machine charges a process for waking up, the price under
// every paced figure of the other benchmarks. A poller at national size exchanges a few hundred
// datagrams a second, spread over the interval: on a VM each answer that wakes an idle process
// costs far more CPU than the same datagrams handled back to back. Each probe runs in its own
// process (plain node or python3, no tsx), its CPU read from /proc over the same window:
//   idle          — node doing nothing (its own upkeep);
//   timer 10 ms   — node with one 10 ms interval timer (prom-client's default event-loop monitor);
//   node paced    — node exchanging BENCH_MACHINE_RATE datagrams a second (default 336: 3,357
//                   routers every 10 s, the national network) with an echo process, sent in
//                   PACED_STEP_MS (50 ms) steps, as the collector's scheduler sent its polls
//                   until 2026-11-28;
//   node burst    — the same datagrams, a second's worth sent at once each POLL_SLOT_MS (1 s),
//                   as the scheduler sends them now;
//   python paced  — the paced exchange as a blocking loop (python3; skipped when absent), for a
//                   runtime without an event loop.
// Prints a table (core share, µs of CPU per exchange) and one JSON line. BENCH_MACHINE_SECONDS per
// probe (default 20). Only loopback is used.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { POLL_SLOT_MS } from '../collector/scheduler.ts';

/** The paced probe's step: fine pacing, one wake-up per answer or two. */
const PACED_STEP_MS = 50;
import { cpuMsOfPid, loadAverage1m } from './support.ts';

const seconds = Number(process.env.BENCH_MACHINE_SECONDS ?? 20);
const ratePerSec = Number(process.env.BENCH_MACHINE_RATE ?? 336);
/** The size of a national poll's GETBULK request, about. */
const datagramBytes = 120;

/** An echo server on a loopback port of its own; prints the port. */
const echoScript = `
import { createSocket } from 'node:dgram';
const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
s.on('message', (m, r) => s.send(m, r.port, r.address));
s.bind(0, '127.0.0.1', () => console.log(JSON.stringify({ port: s.address().port })));
`;

/** Node probes: print {"ready":true} when their steady state begins, {"answered":n} at SIGTERM. */
function nodeProbe(kind: 'idle' | 'timer' | 'paced' | 'burst', port: number): string {
  return `
import { createSocket } from 'node:dgram';
const kind = ${JSON.stringify(kind)}, port = ${port}, rate = ${ratePerSec}, stepMs = ${PACED_STEP_MS}, burstMs = ${POLL_SLOT_MS};
let answered = 0;
const buf = Buffer.alloc(${datagramBytes}, 1);
const s = createSocket({ type: 'udp4', recvBufferSize: 1 << 20 });
s.on('message', () => answered++);
s.bind(0, '127.0.0.1');
if (kind === 'timer') setInterval(() => {}, 10);
if (kind === 'paced') {
  let owed = 0;
  setInterval(() => { owed += (rate * stepMs) / 1000; for (; owed >= 1; owed--) s.send(buf, port, '127.0.0.1'); }, stepMs);
}
if (kind === 'burst') setInterval(() => { for (let i = 0; i < (rate * burstMs) / 1000; i++) s.send(buf, port, '127.0.0.1'); }, burstMs);
if (kind === 'idle') setInterval(() => {}, 3_600_000);
setTimeout(() => { answered = 0; console.log(JSON.stringify({ ready: true })); }, 2000);
process.on('SIGTERM', () => { console.log(JSON.stringify({ answered })); process.exit(0); });
`;
}

const pythonProbe = (port: number): string => `
import json, signal, socket, sys, time
rate, port = ${ratePerSec}, ${port}
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', 0)); s.settimeout(1)
buf = b'\\x01' * ${datagramBytes}; gap = 1.0 / rate; answered = 0; counting = False
def stop(*_):
    print(json.dumps({'answered': answered}), flush=True); sys.exit(0)
signal.signal(signal.SIGTERM, stop)
start = time.monotonic(); due = start
while True:
    s.sendto(buf, ('127.0.0.1', port))
    try:
        s.recv(2048); answered += 1
    except socket.timeout:
        pass
    if not counting and time.monotonic() - start >= 2:
        counting = True; answered = 0; print(json.dumps({'ready': True}), flush=True)
    due += gap; wait = due - time.monotonic()
    if wait > 0: time.sleep(wait)
`;

interface ProbeResult {
  name: string;
  coreShare: number;
  /** Answers received in the window (0 for probes that exchange nothing). */
  answered: number;
  /** CPU per answer, µs (undefined without answers). */
  cpuUsPerExchange: number | undefined;
}

/** Reads a child's JSON lines; `next(key)` waits for the first line carrying `key`. */
function jsonLines(child: ChildProcess): (key: string, timeoutMs: number) => Promise<Record<string, unknown>> {
  const seen: Record<string, unknown>[] = [];
  let wake: (() => void) | undefined;
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      seen.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      return;
    }
    wake?.();
  });
  child.once('exit', () => wake?.());
  return async (key, timeoutMs) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = seen.find((l) => key in l);
      if (found) return found;
      if (child.exitCode !== null || Date.now() > deadline) throw new Error(`probe process did not report "${key}" (exit ${child.exitCode})`);
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 500);
      });
    }
  };
}

async function runProbe(name: string, command: string, args: string[]): Promise<ProbeResult> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const next = jsonLines(child);
  try {
    await next('ready', 30_000);
    const pid = child.pid ?? 0;
    const cpu0 = cpuMsOfPid(pid) ?? 0;
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, seconds * 1_000));
    const cpuMs = (cpuMsOfPid(pid) ?? 0) - cpu0;
    const wallMs = Date.now() - t0;
    child.kill('SIGTERM');
    const answered = Number((await next('answered', 10_000)).answered ?? 0);
    return { name, coreShare: cpuMs / wallMs, answered, cpuUsPerExchange: answered > 0 ? (cpuMs * 1_000) / answered : undefined };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

async function main(): Promise<void> {
  const load0 = loadAverage1m();
  console.log(`machine benchmark: ${seconds} s per probe, ${ratePerSec} datagram exchanges a second; load average ${load0.toFixed(2)}\n`);
  const echo = spawn(process.execPath, ['--input-type=module', '-e', echoScript], { stdio: ['ignore', 'pipe', 'inherit'] });
  const results: ProbeResult[] = [];
  try {
    const port = Number((await jsonLines(echo)('port', 10_000)).port);
    const node = (kind: 'idle' | 'timer' | 'paced' | 'burst'): [string, string[]] => [process.execPath, ['--input-type=module', '-e', nodeProbe(kind, port)]];
    results.push(await runProbe('node, idle', ...node('idle')));
    results.push(await runProbe('node, a 10 ms timer', ...node('timer')));
    results.push(await runProbe(`node, paced exchange (${PACED_STEP_MS} ms steps)`, ...node('paced')));
    results.push(await runProbe('node, the same datagrams in one burst a second', ...node('burst')));
    const python = spawnSync('python3', ['--version']).status === 0;
    if (python) results.push(await runProbe('python3, paced exchange (blocking loop)', 'python3', ['-c', pythonProbe(port)]));
  } finally {
    echo.kill('SIGTERM');
  }
  const fmt = (n: number | undefined, digits: number): string => (n === undefined ? '–' : n.toFixed(digits));
  console.log('| probe | share of a core | CPU µs per exchange | answers |');
  console.log('|---|---:|---:|---:|');
  for (const r of results) console.log(`| ${r.name} | ${fmt(r.coreShare, 4)} | ${fmt(r.cpuUsPerExchange, 0)} | ${r.answered.toLocaleString('en')} |`);
  const by = (prefix: string): ProbeResult | undefined => results.find((r) => r.name.startsWith(prefix));
  const paced = by('node, paced');
  const burst = by('node, the same');
  console.log(
    JSON.stringify({
      seconds,
      ratePerSec,
      idleCoreShare: by('node, idle')?.coreShare,
      timer10msCoreShare: by('node, a 10 ms')?.coreShare,
      nodePacedCoreShare: paced?.coreShare,
      nodePacedCpuUsPerExchange: paced?.cpuUsPerExchange,
      nodeBurstCoreShare: burst?.coreShare,
      nodeBurstCpuUsPerExchange: burst?.cpuUsPerExchange,
      pythonPacedCoreShare: by('python3')?.coreShare,
      pythonPacedCpuUsPerExchange: by('python3')?.cpuUsPerExchange,
      loadAverage1mAtStart: load0,
      loadAverage1mAtEnd: loadAverage1m(),
      measuredAt: new Date().toISOString(),
    }),
  );
}

await main();
