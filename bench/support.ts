// What the benchmarks share: loopback addresses for simulated agents that cannot collide,
// waiting for agents, CPU and memory of a process from /proc, and CPU profiles (of one phase, and
// finding the one node wrote for a child).
import { spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Session } from 'node:inspector/promises';

/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100;

/**
 * Agent addresses for a benchmark: consecutive ports from 20,000 (below the kernel's ephemeral
 * range, 32,768–60,999, where every client socket on the machine takes its port) on a loopback
 * host picked at random for the run (127.a.b.c), 10,000 ports per host. Distinct by
 * construction, so two routers never get one port, and away from other runs and tests.
 */
export class BenchAddresses {
  readonly #a: number;
  readonly #b: number;
  static readonly firstPort = 20_000;
  static readonly portsPerHost = 10_000;

  constructor(random: () => number = Math.random) {
    this.#a = 1 + Math.floor(random() * 254);
    this.#b = 1 + Math.floor(random() * 254);
  }

  /** The i-th agent's `host:port`. */
  address(i: number): string {
    if (!Number.isInteger(i) || i < 0) throw new RangeError(`agent index must be a non-negative integer, got ${i}`);
    const host = 1 + Math.floor(i / BenchAddresses.portsPerHost);
    if (host > 254) throw new RangeError(`agent ${i} does not fit on 254 hosts of ${BenchAddresses.portsPerHost} ports`);
    return `127.${this.#a}.${this.#b}.${host}:${BenchAddresses.firstPort + (i % BenchAddresses.portsPerHost)}`;
  }
}

/** Waits until `snmpget` of sysUpTime.0 answers at `address` (the last agent the simulator binds). */
export async function waitForAgent(address: string, community: string, sim: ChildProcess, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sim.exitCode !== null) throw new Error(`the simulator exited (${sim.exitCode}) before ${address} answered`);
    const res = spawnSync('snmpget', ['-v2c', '-c', community, '-t', '0.5', '-r', '0', address, '1.3.6.1.2.1.1.3.0']);
    if (res.status === 0) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the simulated agent at ${address} did not answer within ${timeoutMs / 1_000} s`);
}

/** CPU (user + system) this process has used, in ms. */
export function cpuMsOfSelf(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1_000;
}

/** Fields of /proc/<pid>/stat after the command name (index 0 is field 3, the state). */
function statFields(pid: number | 'self'): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU (utime + stime) of a process, in ms; undefined when it has gone. */
export function cpuMsOfPid(pid: number): number | undefined {
  try {
    const f = statFields(pid);
    return ((Number(f[11]) + Number(f[12])) * 1_000) / ticksPerSecond;
  } catch {
    return undefined;
  }
}

/** CPU of this process's waited-for children (cutime + cstime), in ms. */
export function cpuMsOfChildren(): number {
  const f = statFields('self');
  return ((Number(f[13]) + Number(f[14])) * 1_000) / ticksPerSecond;
}

/** Resident set size of a process (VmRSS), in bytes; undefined when it has gone. */
export function rssBytesOfPid(pid: number): number | undefined {
  try {
    const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m?.[1] === undefined ? undefined : Number(m[1]) * 1_024;
  } catch {
    return undefined;
  }
}

/** The 1-minute load average (how busy the machine was while measuring). */
export function loadAverage1m(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

/**
 * A CPU profile (and a sampling heap profile: what allocates) of this process over one phase
 * (BENCH_PROFILE=DIR): start, then stop(base) writes base.cpuprofile and base.heapprofile.
 */
export async function startProfile(): Promise<{ stop(base: string): Promise<void> }> {
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 500 });
  await session.post('HeapProfiler.enable');
  await session.post('HeapProfiler.startSampling', { samplingInterval: 16_384, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  await session.post('Profiler.start');
  return {
    async stop(base: string): Promise<void> {
      const { profile } = await session.post('Profiler.stop');
      const heap = await session.post('HeapProfiler.stopSampling');
      writeFileSync(`${base}.cpuprofile`, JSON.stringify(profile));
      writeFileSync(`${base}.heapprofile`, JSON.stringify(heap.profile));
      session.disconnect();
    },
  };
}

/** p-quantile (0..1) of numbers by nearest rank; undefined for none. Pure. */
export function quantile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(q * sorted.length)));
  return sorted[rank - 1];
}

/**
 * The CPU profile node's --cpu-prof wrote for process `pid` in `dir` (named
 * CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile); undefined when there is none.
 */
export function cpuProfileOf(dir: string, pid: number): string | undefined {
  const name = readdirSync(dir).find((f) => /^CPU\.\d+\.\d+\.(\d+)\.\d+\.\d+\.cpuprofile$/.exec(f)?.[1] === String(pid));
  return name === undefined ? undefined : join(dir, name);
}

/**
 * Of the polls due in a window, the share that answered successfully within their interval, from
 * the collector's counters: every tick either polls or is skipped (busy, backoff), so due = polls
 * + skipped; on time = polls − failed − late (a failed poll that also ended late is taken off
 * twice: the share is a floor). Independent of the store: right while points wait in the spool.
 */
export function onTimeShareOfCounters(c: { polls: number; failed: number; late: number; skipped: number }): { share: number; due: number; onTime: number } {
  const due = c.polls + c.skipped;
  const onTime = Math.max(0, c.polls - c.failed - c.late);
  return { share: due === 0 ? 0 : onTime / due, due, onTime };
}
