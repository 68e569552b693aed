// Starts Debian's Net-SNMP agent (`/usr/sbin/snmpd`) unprivileged on a free loopback UDP
// port with a temporary config: a v2c read-only community and an SNMPv3 authPriv user
// (SHA/AES). Waits until it answers. Used by the collector's integration tests.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stopChild } from './child-process.ts';
import { freeUdpPort } from './ports.ts';
import { waitFor } from './wait.ts';

const execFileAsync = promisify(execFile);

export interface SnmpdOptions {
  community?: string;
  v3?: { user: string; authKey: string; privKey: string };
}

export interface SnmpdHandle {
  address: string;
  port: number;
  /** `127.0.0.1:PORT`, as a router address in a topology. */
  target: string;
  community: string;
  stop(): Promise<void>;
  log(): string;
}

/** Reads OIDs with Net-SNMP's own `snmpget` (v2c), numeric output, one value per OID. */
export async function snmpgetValues(target: string, community: string, oids: string[], timeoutS = 2): Promise<string[]> {
  const args = ['-v2c', '-c', community, '-On', '-Oqv', '-t', String(timeoutS), '-r', '1', target, ...oids];
  const { stdout } = await execFileAsync('snmpget', args, { env: { ...process.env, MIBS: '' } });
  const values = stdout.trim().split('\n');
  if (values.length !== oids.length) throw new Error(`snmpget returned ${values.length} values for ${oids.length} OIDs: ${stdout}`);
  return values;
}

/** Reads one OID with `snmpget` (v2c), value only. */
export async function snmpgetValue(target: string, community: string, oid: string, timeoutS = 2): Promise<string> {
  const [value] = await snmpgetValues(target, community, [oid], timeoutS);
  return value ?? '';
}

/**
 * `read()` between two snmpget reads of `oids`: `still` is what snmpget read when both reads
 * agree (the counters stood still across `read`), undefined when they moved.
 */
export async function betweenSnmpgets<T>(target: string, community: string, oids: string[], read: () => Promise<T>): Promise<{ got: T; still: string[] | undefined }> {
  const before = await snmpgetValues(target, community, oids);
  const got = await read();
  const after = await snmpgetValues(target, community, oids);
  return { got, still: before.every((value, i) => value === after[i]) ? before : undefined };
}

/** betweenSnmpgets, tried up to `attempts` times until the counters stand still across `read`. */
export async function readWhileStill<T>(target: string, community: string, oids: string[], read: () => Promise<T>, attempts = 5): Promise<{ got: T; still: string[] }> {
  for (let attempt = 0; attempt < attempts; attempt++) {
    const { got, still } = await betweenSnmpgets(target, community, oids, read);
    if (still !== undefined) return { got, still };
  }
  throw new Error(`${oids.join(', ')} moved during each of ${attempts} attempts`);
}

export async function startSnmpd(opts: SnmpdOptions = {}): Promise<SnmpdHandle> {
  const community = opts.community ?? 'public';
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-snmpd-'));
  const conf = join(dir, 'conf');
  const persist = join(dir, 'persist');
  mkdirSync(conf);
  mkdirSync(persist);
  const port = await freeUdpPort();
  const address = '127.0.0.1';
  const target = `${address}:${port}`;
  const lines = [`agentAddress udp:${target}`, `rocommunity ${community} 127.0.0.1`];
  if (opts.v3) {
    lines.push(`createUser ${opts.v3.user} SHA "${opts.v3.authKey}" AES "${opts.v3.privKey}"`, `rouser ${opts.v3.user} authpriv`);
  }
  writeFileSync(join(conf, 'snmpd.conf'), lines.join('\n') + '\n');
  const logPath = join(dir, 'snmpd.log');
  const child: ChildProcess = spawn(
    '/usr/sbin/snmpd',
    ['-f', '-I', '-smux', '-p', join(dir, 'snmpd.pid'), '-Lf', logPath],
    {
      stdio: 'ignore',
      env: { ...process.env, MIBS: '', SNMPCONFPATH: `${conf}:${persist}`, SNMP_PERSISTENT_DIR: persist },
    },
  );
  const log = () => (existsSync(logPath) ? readFileSync(logPath, 'utf8') : '');

  const stop = async (): Promise<void> => {
    await stopChild(child, { killAfterMs: 5_000 });
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    // Any answer will do: a timeout throws, which counts as not yet.
    const answers = async (): Promise<boolean> => {
      await snmpgetValue(target, community, '1.3.6.1.2.1.1.3.0', 0.2);
      return true;
    };
    await waitFor(`snmpd to answer on ${target}`, answers, {
      timeoutMs: 15_000,
      intervalMs: 100,
      failIf: () => (child.exitCode === null ? undefined : `snmpd exited (${child.exitCode})`),
      context: () => log().slice(-2000),
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, port, target, community, stop, log };
}
