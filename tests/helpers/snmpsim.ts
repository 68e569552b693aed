// Starts Debian's snmpsimd (0.4.5) serving .snmprec recordings on a free loopback UDP port.
// The data dir holds symlinks to the given files, so the community of each recording is its
// file name without `.snmprec`. As root, snmpsimd must drop privileges (nobody/nogroup) and
// needs a cache dir that user can write. Never `--v2c-arch` (its GETBULK spins forever).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { stopChild } from './child-process.ts';
import { freeUdpPort } from './ports.ts';
import { waitFor } from './wait.ts';

export interface SnmpsimHandle {
  host: string;
  port: number;
  /** `127.0.0.1:port`, the address form of the config and the SNMP layer. */
  address: string;
  /** The community that serves a recording: its file name without `.snmprec`. */
  community(file: string): string;
  /** Stops snmpsimd by its PID (SIGTERM, then SIGKILL) and removes the temp dir. */
  stop(): Promise<void>;
  log(): string;
}

export function communityOf(file: string): string {
  return basename(file).replace(/\.snmprec$/, '');
}

function idOf(name: string, flag: '-u' | '-g'): number | undefined {
  const out = spawnSync('id', [flag, name], { encoding: 'utf8' });
  const id = Number(out.stdout.trim());
  return out.status === 0 && Number.isInteger(id) ? id : undefined;
}

/** One GET of sysUpTime/sysDescr through Net-SNMP's snmpget: true when the agent answers. */
function answers(address: string, community: string): boolean {
  const out = spawnSync('snmpget', ['-v2c', '-c', community, '-t', '0.3', '-r', '0', '-On', address, '1.3.6.1.2.1.1.1.0'], {
    encoding: 'utf8',
  });
  // Any response (even "No Such Object") proves the agent is up; a timeout exits non-zero with "Timeout".
  return out.status === 0 || (!/Timeout/i.test(out.stderr) && out.stdout.length > 0);
}

export async function startSnmpsim(files: readonly string[], opts: { startTimeoutMs?: number } = {}): Promise<SnmpsimHandle> {
  if (files.length === 0) throw new Error('startSnmpsim needs at least one recording');
  // A dangling symlink would only show up later as a community that never answers.
  for (const file of files) if (!existsSync(file)) throw new Error(`recording not found: ${resolve(file)}`);
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-snmpsim-'));
  const dataDir = join(dir, 'data');
  const cacheDir = join(dir, 'cache');
  mkdirSync(dataDir);
  mkdirSync(cacheDir);
  for (const file of files) symlinkSync(resolve(file), join(dataDir, basename(file)));

  const args = [`--data-dir=${dataDir}`, `--cache-dir=${cacheDir}`, '--logging-method=null'];
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const uid = idOf('nobody', '-u');
    const gid = idOf('nobody', '-g');
    if (uid === undefined || gid === undefined) throw new Error('running as root, but user "nobody" does not exist');
    chownSync(cacheDir, uid, gid);
    // nobody must reach the data and cache dirs through the temp dir.
    chmodSync(dir, 0o755);
    chmodSync(dataDir, 0o755);
    args.push('--process-user=nobody', '--process-group=nogroup');
  }

  const port = await freeUdpPort();
  const host = '127.0.0.1';
  const address = `${host}:${port}`;
  args.push(`--agent-udpv4-endpoint=${address}`);
  const logPath = join(dir, 'snmpsimd.log');
  const out = openSync(logPath, 'a');
  let child: ChildProcess | undefined = spawn('snmpsimd', args, { stdio: ['ignore', out, out] });
  closeSync(out);
  let exitCode: number | null | undefined;
  child.once('exit', (code) => {
    exitCode = code;
  });
  const log = (): string => {
    try {
      return readFileSync(logPath, 'utf8');
    } catch {
      return '';
    }
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (proc && exitCode === undefined && proc.pid !== undefined) await stopChild(proc, { killAfterMs: 5_000 });
    rmSync(dir, { recursive: true, force: true });
  };

  const probe = communityOf(files[0] ?? '');
  try {
    await waitFor(`snmpsimd to answer on ${address}`, () => answers(address, probe), {
      timeoutMs: opts.startTimeoutMs ?? 60_000,
      intervalMs: 250,
      failIf: () => (exitCode === undefined ? undefined : `snmpsimd exited (${String(exitCode)})`),
      context: () => log().slice(-3000),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { host, port, address, community: communityOf, stop, log };
}

export interface SharedSnmpsim {
  /** For `beforeAll`: starts snmpsimd; a failure is left for `get()` to report. */
  start(): Promise<void>;
  /** For each test: the running snmpsimd, or the error that kept it from starting. */
  get(): Promise<SnmpsimHandle>;
  /** For `afterAll`. */
  stop(): Promise<void>;
}

/**
 * One snmpsimd for a whole test file. Started in `beforeAll` but awaited by each test, so that
 * when it cannot start (a recording is missing) every test that needs it fails with that error:
 * a failed `beforeAll` would instead report those tests as skipped.
 */
export function sharedSnmpsim(files: () => readonly string[], opts: { startTimeoutMs?: number } = {}): SharedSnmpsim {
  let started: Promise<SnmpsimHandle> | undefined;
  const get = (): Promise<SnmpsimHandle> => (started ??= Promise.resolve().then(() => startSnmpsim(files(), opts)));
  return {
    get,
    start: async () => {
      await get().catch(() => undefined);
    },
    stop: async () => {
      const sim = await started?.catch(() => undefined);
      await sim?.stop();
    },
  };
}
