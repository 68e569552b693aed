// Discovery over real SNMP against Debian's snmpsimd serving the real device recordings
// (tests/fixtures/snmprec/librenms) and the synthetic Huawei/Juniper ones (tests/fixtures/snmprec).
// Expected values: tests/fixtures/discovery/*.json, produced without our code (see the README
// there); each names its recording, so a missing recording fails the file, naming it. One
// snmpsimd serves every recording for the whole file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { fixturePath } from '../helpers/fixtures.ts';
import { sharedSnmpsim } from '../helpers/snmpsim.ts';
import { startSnmpd } from '../helpers/snmpd.ts';
import { runCommand } from '../helpers/cli-output.ts';
import { counterOids, discoverDevice, type DeviceDiscovery, type QosClass } from '../../collector/discovery/index.ts';
import { get, openSession } from '../../collector/snmp/index.ts';
import { discoverCommand } from '../../cli/commands/discover.ts';

const fixtureDir = fixturePath('discovery');
const isSnmprec = (f: string): boolean => f.endsWith('.snmprec');

/** The recordings the expected values describe: ours are `synthetic-*`, the rest are LibreNMS's. */
const recordings = readdirSync(fixtureDir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => expectedFor(f).recording)
  .sort();
const realFiles = recordings.filter((f) => !f.startsWith('synthetic-'));
const syntheticFiles = recordings.filter((f) => f.startsWith('synthetic-'));
const recordingPath = (file: string): string =>
  file.startsWith('synthetic-') ? fixturePath('snmprec', file) : fixturePath('snmprec', 'librenms', file);

const CBQOS_RECORDINGS = ['iosxr_ncs540', 'iosxe_c9400-svl', 'iosxe_c9500h-svl', 'iosxe_c9600x-svl', 'iosxe_ct5760'];

interface Expected {
  recording: string;
  interfaces: Array<{ ifIndex: number; ifName?: string }>;
  classes?: Array<Record<string, unknown>>;
}

function expectedFor(file: string): Expected {
  return JSON.parse(readFileSync(join(fixtureDir, file.replace(/\.snmprec$/, '.json')), 'utf8')) as Expected;
}

const CLASS_KEYS = [
  'ifIndex',
  'ifName',
  'direction',
  'policyName',
  'className',
  'path',
  'statsIndex',
  'leaf',
  'configuredBandwidth',
  'queueNumber',
] as const;

/** The fields the fixtures state; a key absent there must be absent here too. */
function project(cls: QosClass): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of CLASS_KEYS) if (cls[key] !== undefined) out[key] = cls[key];
  return out;
}

const byKey = (a: Record<string, unknown>, b: Record<string, unknown>): number => {
  const ka = `${String(a['ifIndex']).padStart(10, '0')}|${String(a['direction'])}|${String(a['path'])}`;
  const kb = `${String(b['ifIndex']).padStart(10, '0')}|${String(b['direction'])}|${String(b['path'])}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
};

/** Every recording, served by one snmpsimd: a missing one fails each test, naming the file. */
const snmpsim = sharedSnmpsim(() => recordings.map(recordingPath));
const results = new Map<string, DeviceDiscovery>();

async function discover(file: string): Promise<DeviceDiscovery> {
  const cached = results.get(file);
  if (cached) return cached;
  const sim = await snmpsim.get();
  const d = await discoverDevice(
    { address: sim.address, snmp: { version: '2c', community: sim.community(file) } },
    { timing: { timeoutMs: 5_000, retries: 1 } },
  );
  results.set(file, d);
  return d;
}

beforeAll(() => snmpsim.start(), 120_000);
afterAll(() => snmpsim.stop());

describe('the recordings and their expected values', () => {
  it('has the 25 real recordings and the synthetic ones, each with its expected values', () => {
    expect(realFiles).toHaveLength(25);
    expect(syntheticFiles).toEqual(['synthetic-huawei-ne40.snmprec', 'synthetic-juniper-mx.snmprec']);
    for (const name of CBQOS_RECORDINGS) expect(realFiles).toContain(`${name}.snmprec`);
    for (const file of recordings) expect(expectedFor(file).recording).toBe(file);
    // And no recording without expected values.
    expect(readdirSync(fixturePath('snmprec', 'librenms')).filter(isSnmprec).sort()).toEqual(realFiles);
    expect(readdirSync(fixturePath('snmprec')).filter(isSnmprec).sort()).toEqual(syntheticFiles);
  });
});

describe.each([...realFiles, ...syntheticFiles])('%s', (file) => {
  it('discovers exactly the ifXTable rows (ifIndex and ifName)', async () => {
    const d = await discover(file);
    const expected = expectedFor(file);
    const got = d.interfaces.map((i) => (i.ifName === undefined ? { ifIndex: i.ifIndex } : { ifIndex: i.ifIndex, ifName: i.ifName }));
    expect(got).toEqual(expected.interfaces);
  });

  it('discovers every QoS class with its name, interface, direction and path', async () => {
    const d = await discover(file);
    const expected = (expectedFor(file).classes ?? []).slice().sort(byKey);
    const got = d.classes.map(project).sort(byKey);
    expect(got).toEqual(expected);
  });
});

describe('details over real SNMP', () => {
  it('reports the QoS vendor only where classes exist (ct5760: partial CBQoS is no QoS)', async () => {
    expect((await discover('iosxr_ncs540.snmprec')).qosVendors).toEqual(['cisco']);
    expect((await discover('iosxe_ct5760.snmprec')).qosVendors).toEqual([]);
    expect((await discover('synthetic-huawei-ne40.snmprec')).qosVendors).toEqual(['huawei']);
    expect((await discover('synthetic-juniper-mx.snmprec')).qosVendors).toEqual(['juniper']);
    expect((await discover('vrp_ne.snmprec')).qosVendors).toEqual([]);
  });

  it('keeps control-plane classes on ifIndex 0 without an ifName', async () => {
    const d = await discover('iosxe_c9400-svl.snmprec');
    expect(d.classes.length).toBe(24);
    for (const cls of d.classes) {
      expect(cls.ifIndex).toBe(0);
      expect(cls.ifName).toBeUndefined();
      expect(cls.policyName).toBe('system-cpp-policy');
    }
  });

  it('points counterOids at the counters the recording holds (ncs540 EGRESS-TC3 drops)', async () => {
    const sim = await snmpsim.get();
    const d = await discover('iosxr_ncs540.snmprec');
    const tc3 = d.classes.find((c) => c.path === 'EGRESS/class-default/EGRESS-TC/EGRESS-TC3');
    const oids = tc3 && counterOids(tc3);
    expect(oids).toBeDefined();
    const s = openSession(sim.address, { version: '2c', community: 'iosxr_ncs540' }, { timeoutMs: 5_000, retries: 1 });
    try {
      const read = await get(s.session, s.target, [oids?.dropBytes ?? '']);
      // 15,211,817 bytes dropped: tests/fixtures/snmprec/librenms/README.md, from the recording's DropByte64 line.
      expect(read.values.get(oids?.dropBytes ?? '')).toBe(15_211_817);
    } finally {
      s.close();
    }
  });

  it('points counterOids at the Huawei and Juniper counters of the synthetic recordings', async () => {
    const sim = await snmpsim.get();
    const hw = await discover('synthetic-huawei-ne40.snmprec');
    const video = hw.classes.find((c) => c.ifIndex === 1 && c.path === 'WAN-OUT/VIDEO');
    const jn = await discover('synthetic-juniper-mx.snmprec');
    const docex = jn.classes.find((c) => c.ifIndex === 502 && c.className === 'docex');
    const hwOids = video && counterOids(video);
    const jnOids = docex && counterOids(docex);
    expect(hwOids && jnOids).toBeDefined();
    const read = async (community: string, oids: string[]): Promise<unknown[]> => {
      const s = openSession(sim.address, { version: '2c', community }, { timeoutMs: 5_000, retries: 1 });
      try {
        const r = await get(s.session, s.target, oids);
        return oids.map((o) => r.values.get(o));
      } finally {
        s.close();
      }
    };
    // Values as written in the recordings: 4th statistics row (×1e6, ×0.99e6, ×1e4); queue 2 of 502.
    expect(await read('synthetic-huawei-ne40', [hwOids?.prePolicyBytes ?? '', hwOids?.postPolicyBytes ?? '', hwOids?.dropBytes ?? ''])).toEqual([
      4_000_000,
      3_960_000,
      40_000,
    ]);
    expect(await read('synthetic-juniper-mx', [jnOids?.prePolicyBytes ?? '', jnOids?.postPolicyBytes ?? '', jnOids?.dropBytes ?? ''])).toEqual([
      502_250,
      502_200,
      50,
    ]);
  });

  it('notes Huawei classes without statistics instead of failing', async () => {
    const d = await discover('synthetic-huawei-ne40.snmprec');
    expect(d.notes.filter((n) => n.includes('no statistics row'))).toHaveLength(3);
  });

  it('works on a session the caller opened (and leaves it open)', async () => {
    const sim = await snmpsim.get();
    const s = openSession(sim.address, { version: '2c', community: 'iosxe_ct5760' }, { timeoutMs: 5_000, retries: 1 });
    try {
      const d = await discoverDevice(s);
      expect(d.interfaces.length).toBe(expectedFor('iosxe_ct5760.snmprec').interfaces.length);
      const again = await discoverDevice(s);
      expect(again.interfaces).toEqual(d.interfaces);
    } finally {
      s.close();
    }
  });

  it('rejects with a timeout for a community the agent does not serve', async () => {
    const sim = await snmpsim.get();
    await expect(
      discoverDevice({ address: sim.address, snmp: { version: '2c', community: 'no-such-device' } }, { timing: { timeoutMs: 300, retries: 0 } }),
    ).rejects.toMatchObject({ name: 'SnmpError', kind: 'timeout' });
  });

  it('prints the discovery as JSON through `lanewatch discover --json`', async () => {
    const sim = await snmpsim.get();
    const { code, out } = await runCommand(discoverCommand, ['--host', sim.address, '--community', 'iosxr_ncs540', '--json']);
    expect(code).toBe(0);
    const parsed = JSON.parse(out) as { interfaces: unknown[]; classes: Array<{ path: string }> };
    expect(parsed.interfaces).toHaveLength(101);
    expect(parsed.classes).toHaveLength(71);
    expect(parsed.classes.map((c) => c.path)).toContain('EGRESS/class-default/EGRESS-TC/EGRESS-TC3');
  });

  it('prints the indented hierarchy as text through `lanewatch discover`', async () => {
    const sim = await snmpsim.get();
    const { code, out } = await runCommand(discoverCommand, ['--host', sim.address, '--community', 'iosxr_ncs540']);
    expect(code).toBe(0);
    expect(out).toContain('\n  GigabitEthernet0/0/0/19 (ifIndex 70)  output  EGRESS\n    class-default ');
    // The child policy one level below EGRESS's class-default, its classes one level further.
    expect(out).toContain('\n      policy EGRESS-TC\n        EGRESS-TC1 ');
    // The recording's class names match no shipped rule: shown as counted in `other`.
    expect(out).toMatch(/\n {8}EGRESS-TC3 +→ other \(no rule matches\) +stats 1223331394\.747063185\n/);
  });
});

describe('SNMPv3 authPriv (SHA/AES) against Net-SNMP snmpd', () => {
  it('discovers the agent\'s interfaces through `lanewatch discover --v3-user`, as snmpbulkwalk sees them', async () => {
    const v3 = { user: 'discoverer', authKey: 'discAuthPass1', privKey: 'discPrivPass1' };
    const snmpd = await startSnmpd({ v3 });
    try {
      // Independent expectation: Net-SNMP's own snmpbulkwalk of ifName over the same v3 user.
      const walk = execFileSync(
        'snmpbulkwalk',
        ['-v3', '-l', 'authPriv', '-u', v3.user, '-a', 'SHA', '-A', v3.authKey, '-x', 'AES', '-X', v3.privKey, '-On', '-Oq', snmpd.target, '1.3.6.1.2.1.31.1.1.1.1'],
        { encoding: 'utf8', env: { ...process.env, MIBS: '' } },
      );
      const expected = walk
        .trim()
        .split('\n')
        .map((line) => /^\.1\.3\.6\.1\.2\.1\.31\.1\.1\.1\.1\.(\d+) "?(.*?)"?$/.exec(line))
        .filter((m): m is RegExpExecArray => m !== null)
        .map((m) => ({ ifIndex: Number(m[1]), ifName: m[2] }));
      expect(expected.length).toBeGreaterThan(0);

      const { code, out } = await runCommand(discoverCommand, ['--host', snmpd.target, '--v3-user', v3.user, '--auth-key', v3.authKey, '--priv-key', v3.privKey, '--json']);
      expect(code).toBe(0);
      const parsed = JSON.parse(out) as { interfaces: Array<{ ifIndex: number; ifName?: string }>; classes: unknown[] };
      expect(parsed.interfaces.map((i) => ({ ifIndex: i.ifIndex, ifName: i.ifName }))).toEqual(expected);
      expect(parsed.classes).toEqual([]);
    } finally {
      await snmpd.stop();
    }
  });
});
