// The service files in deploy/ against the program they run: each systemd unit's ExecStart names
// a real `lanewatch` command (checked against the CLI's own command list) with the example config
// directory; the paths the units and the example settings name agree (state and spool under
// StateDirectory, the one place ProtectSystem=strict leaves writable; the config under --config);
// systemd waits longer than the program's own stop deadline; the hardening is the same in all
// three; and `systemd-analyze verify` accepts them where it is installed.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load.ts';
import { collectorCommand, runCommand, serverCommand, stopDeadlineMs } from '../../cli/commands/run.ts';

const repoDir = fileURLToPath(new URL('../../', import.meta.url));
const deployDir = join(repoDir, 'deploy');
const unitsDir = join(deployDir, 'systemd');
const exampleConfigDir = join(deployDir, 'etc', 'lanewatch');

/** Where the README's Deployment section installs things. */
const installDir = '/opt/lanewatch/current';
const configDir = '/etc/lanewatch';
const stateRoot = '/var/lib/lanewatch';
/** After the stop deadline: the lifecycle's forced exit (1 s) and the process's own exit. */
const stopMarginMs = 5_000;

/** A unit file: section → key → every value given (in order; an empty assignment resets the list). */
type Unit = Map<string, Map<string, string[]>>;

/** Pure: parses a systemd unit file (sections, `Key=value`, comments, backslash continuations). */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = new Map();
      unit.set(header[1]!, section);
      return;
    }
    const eq = line.indexOf('=');
    if (!section || eq <= 0) throw new Error(`line ${index + 1}: expected [Section] or Key=value, got "${line}"`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const values = section.get(key) ?? [];
    section.set(key, value === '' ? [] : [...values, value]);
  });
  return unit;
}

/** Pure: a systemd time span (`30s`, `1min 30s`, `2m`, `500ms`, or bare seconds) in milliseconds; undefined when not one. */
function timeSpanMs(text: string): number | undefined {
  const unitsMs: Record<string, number> = {
    us: 0.001, usec: 0.001, ms: 1, msec: 1,
    s: 1_000, sec: 1_000, second: 1_000, seconds: 1_000,
    m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000,
    h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000,
  };
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1_000;
  if (!/^(\d+(\.\d+)?\s*[a-z]+\s*)+$/.test(trimmed)) return undefined;
  const parts = trimmed.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]+)/g);
  let totalMs = 0;
  for (const [, amount, unit] of parts) {
    const factor = unitsMs[unit!];
    if (factor === undefined) return undefined;
    totalMs += Number(amount) * factor;
  }
  return totalMs;
}

function one(unit: Unit, section: string, key: string): string {
  const values = unit.get(section)?.get(key) ?? [];
  if (values.length !== 1) throw new Error(`[${section}] ${key}: expected one value, found ${values.length}`);
  return values[0]!;
}

function all(unit: Unit, section: string, key: string): string[] {
  return unit.get(section)?.get(key) ?? [];
}

function isUnder(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
}

/** Runs `node bin/lanewatch.js …args` from the repository: the CLI as it really is. */
function lanewatch(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [join(repoDir, 'bin', 'lanewatch.js'), ...args], { cwd: repoDir, encoding: 'utf8', timeout: 20_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The command names `lanewatch --help` lists. */
function cliCommands(): string[] {
  const help = lanewatch(['--help']);
  expect(help.status, help.stderr).toBe(0);
  const lines = help.stdout.split('\n');
  const start = lines.indexOf('Commands:');
  expect(start).toBeGreaterThan(0);
  const names: string[] = [];
  for (const line of lines.slice(start + 1)) {
    const m = /^ {2}(\S+)\s{2,}\S/.exec(line);
    if (!m) break;
    names.push(m[1]!);
  }
  return names;
}

const unitFiles = readdirSync(unitsDir).filter((f) => f.endsWith('.service')).sort();
const units = new Map(unitFiles.map((f) => [f, parseUnit(readFileSync(join(unitsDir, f), 'utf8'))] as const));
/** The command modules the units' commands come from (their --help text). */
const commandModules = new Map([runCommand, collectorCommand, serverCommand].map((c) => [c.name, c] as const));
/** Which command each unit runs. */
const expectedCommands: Record<string, string> = {
  'lanewatch.service': 'run',
  'lanewatch-collector.service': 'collector',
  'lanewatch-server.service': 'server',
};

describe('parseUnit and timeSpanMs (pure)', () => {
  it('parses sections, repeated keys, resets, comments and continuations', () => {
    const unit = parseUnit('# c\n[Unit]\nA=1\n; c\n[Service]\nB=x\nB=y\nC=p\nC=\nC=q\nD=a \\\n  b\n');
    expect(one(unit, 'Unit', 'A')).toBe('1');
    expect(all(unit, 'Service', 'B')).toEqual(['x', 'y']);
    expect(all(unit, 'Service', 'C')).toEqual(['q']);
    expect(one(unit, 'Service', 'D')).toBe('a    b');
    expect(() => parseUnit('A=1\n')).toThrow(/line 1: expected \[Section\]/);
  });

  it.each([
    ['30', 30_000],
    ['30s', 30_000],
    ['45sec', 45_000],
    ['1min 30s', 90_000],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['500ms', 500],
    ['1.5s', 1_500],
    ['banana', undefined],
    ['30 bananas', undefined],
    ['', undefined],
  ] as const)('%s → %s ms', (text, expected) => {
    expect(timeSpanMs(text)).toBe(expected);
  });
});

describe('deploy/systemd units', () => {
  const commands = cliCommands();

  it('are the three expected units', () => {
    expect(unitFiles).toEqual(Object.keys(expectedCommands).sort());
  });

  it.each(unitFiles)('%s: ExecStart runs an existing lanewatch command with --config /etc/lanewatch', (file) => {
    const unit = units.get(file)!;
    const argv = one(unit, 'Service', 'ExecStart').split(/\s+/);
    const pkg = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8')) as { bin: { lanewatch: string } };
    expect(argv[0]).toBe(join(installDir, pkg.bin.lanewatch));
    expect(existsSync(join(repoDir, pkg.bin.lanewatch))).toBe(true);
    const command = argv[1]!;
    expect(command).toBe(expectedCommands[file]);
    expect(commands).toContain(command);
    expect(argv.slice(2)).toEqual(['--config', configDir]);
    // The command itself accepts --config.
    expect(commandModules.get(command)?.usage).toMatch(/--config DIR/);
  });

  it.each(unitFiles)('%s: runs as lanewatch, state in StateDirectory, config in /etc/lanewatch, logs to the journal', (file) => {
    const unit = units.get(file)!;
    expect(one(unit, 'Service', 'User')).toBe('lanewatch');
    expect(one(unit, 'Service', 'Group')).toBe('lanewatch');
    expect(one(unit, 'Service', 'StateDirectory')).toBe('lanewatch');
    expect(one(unit, 'Service', 'WorkingDirectory')).toBe(stateRoot);
    expect(one(unit, 'Service', 'EnvironmentFile')).toBe(`-${join(configDir, 'environment')}`);
    expect(existsSync(join(exampleConfigDir, 'environment'))).toBe(true);
    expect(one(unit, 'Service', 'StandardOutput')).toBe('journal');
    expect(one(unit, 'Service', 'StandardError')).toBe('journal');
    expect(one(unit, 'Service', 'Restart')).toBe('on-failure');
    expect(one(unit, 'Install', 'WantedBy')).toBe('multi-user.target');
  });

  it.each(unitFiles)('%s: TimeoutStopSec outlasts the stop deadline of cli/commands/run.ts', (file) => {
    const unit = units.get(file)!;
    expect(stopDeadlineMs).toBeGreaterThan(0);
    expect(one(unit, 'Service', 'KillSignal')).toBe('SIGTERM');
    const timeoutMs = timeSpanMs(one(unit, 'Service', 'TimeoutStopSec'));
    expect(timeoutMs).toBeGreaterThanOrEqual(stopDeadlineMs + stopMarginMs);
  });

  it.each(unitFiles)('%s: hardened', (file) => {
    const unit = units.get(file)!;
    const expected: Record<string, string> = {
      NoNewPrivileges: 'yes',
      ProtectSystem: 'strict',
      ProtectHome: 'yes',
      PrivateTmp: 'yes',
      PrivateDevices: 'yes',
      RestrictSUIDSGID: 'yes',
      ProtectKernelTunables: 'yes',
      ProtectKernelModules: 'yes',
      ProtectControlGroups: 'yes',
    };
    for (const [key, value] of Object.entries(expected)) expect(one(unit, 'Service', key), key).toBe(value);
    expect(all(unit, 'Service', 'CapabilityBoundingSet')).toEqual([]);
    expect(unit.get('Service')!.has('CapabilityBoundingSet')).toBe(true);
    // V8 needs writable executable memory: this would kill node at start.
    expect(all(unit, 'Service', 'MemoryDenyWriteExecute')).not.toContain('yes');
    // The only writable place is the state directory.
    expect(all(unit, 'Service', 'ReadWritePaths')).toEqual([stateRoot]);
  });

  it('differ only in what they run: the same hardening, user and paths in all three', () => {
    const differing = new Set(['Description', 'ExecStart', 'Conflicts', 'SyslogIdentifier']);
    const strip = (unit: Unit) =>
      [...unit].map(([section, keys]) => [section, [...keys].filter(([key]) => !differing.has(key))] as const);
    const [first, ...rest] = unitFiles.map((f) => strip(units.get(f)!));
    for (const other of rest) expect(other).toEqual(first);
  });

  it('the all-in-one unit and the split pair exclude each other', () => {
    expect(all(units.get('lanewatch.service')!, 'Unit', 'Conflicts').join(' ').split(' ').sort()).toEqual([
      'lanewatch-collector.service',
      'lanewatch-server.service',
    ]);
    expect(all(units.get('lanewatch-collector.service')!, 'Unit', 'Conflicts')).toEqual(['lanewatch.service']);
    expect(all(units.get('lanewatch-server.service')!, 'Unit', 'Conflicts')).toEqual(['lanewatch.service']);
  });
});

describe('deploy/etc/lanewatch: the example configuration the units point at', () => {
  const config = loadConfig(exampleConfigDir);
  const rwPaths = all(units.get('lanewatch.service')!, 'Service', 'ReadWritePaths');

  it('is valid (the real loader and `lanewatch check-config`)', () => {
    const check = lanewatch(['check-config', exampleConfigDir]);
    expect(check.status, check.stderr).toBe(0);
    expect(check.stdout).toMatch(/valid — 1 provinces, 1 routers, 1 links/);
  });

  it('keeps the state and the spool (and the split server spool) under StateDirectory and ReadWritePaths', () => {
    const { state, collector } = config.settings;
    const paths = { 'state.dir': state.dir, 'collector.spool.dir': collector.spool.dir, 'server spool': join(collector.spool.dir, 'server') };
    for (const [name, path] of Object.entries(paths)) {
      expect(isAbsolute(path), name).toBe(true);
      expect(isUnder(path, stateRoot), `${name} ${path} under ${stateRoot}`).toBe(true);
      expect(rwPaths.some((rw) => isUnder(path, rw)), `${name} ${path} writable`).toBe(true);
    }
    expect(state.dir).not.toBe(collector.spool.dir);
  });

  it('the units read their config where the example layout puts it, and the sysusers entry creates their user', () => {
    for (const unit of units.values()) expect(one(unit, 'Service', 'ExecStart')).toContain(`--config ${configDir}`);
    const sysusers = readFileSync(join(deployDir, 'sysusers.d', 'lanewatch.conf'), 'utf8')
      .split('\n')
      .filter((l) => l.startsWith('u '));
    expect(sysusers).toHaveLength(1);
    const fields = [...sysusers[0]!.matchAll(/"[^"]*"|\S+/g)].map((m) => m[0]);
    expect(fields[1]).toBe('lanewatch');
    expect(fields[4]).toBe(stateRoot);
  });
});

describe.skipIf(spawnSync('which', ['systemd-analyze']).status !== 0)('systemd-analyze', () => {
  const root = mkdtempSync(join(tmpdir(), 'lanewatch-units-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  // A root holding systemd's own units, the program where the units expect it, and ours.
  cpSync('/usr/lib/systemd/system', join(root, 'usr/lib/systemd/system'), { recursive: true, verbatimSymlinks: true });
  mkdirSync(join(root, installDir, 'bin'), { recursive: true });
  cpSync(join(repoDir, 'bin', 'lanewatch.js'), join(root, installDir, 'bin', 'lanewatch.js'));
  chmodSync(join(root, installDir, 'bin', 'lanewatch.js'), 0o755);
  cpSync(unitsDir, join(root, 'etc/systemd/system'), { recursive: true });

  it.each(unitFiles)('verify %s: no error and no warning', (file) => {
    const result = spawnSync('systemd-analyze', ['verify', `--root=${root}`, join(root, 'etc/systemd/system', file)], { encoding: 'utf8' });
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
  });

  it.each(unitFiles)('security %s: exposure below 2.0 (OK)', (file) => {
    const result = spawnSync('systemd-analyze', ['security', '--offline=yes', `--root=${root}`, join(root, 'etc/systemd/system', file)], { encoding: 'utf8' });
    const m = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout);
    expect(m, result.stdout + result.stderr).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(2.0);
  });
});
