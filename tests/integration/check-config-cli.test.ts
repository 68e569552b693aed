// `lanewatch check-config`: the example is valid; a bad topology, rule or policy seed is named
// with its file and key, and the exit code says so.
import { describe, it, expect, afterEach } from 'vitest';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkConfigCommand } from '../../cli/commands/check-config.ts';
import { defaultConfigDir } from '../../config/load.ts';
import { runCommand, type CommandRun } from '../helpers/cli-output.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function exampleCopy(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lanewatch-check-'));
  dirs.push(dir);
  cpSync(defaultConfigDir, dir, { recursive: true });
  return dir;
}

const run = (args: string[]): Promise<CommandRun> => runCommand(checkConfigCommand, args);

describe('lanewatch check-config', () => {
  it('accepts the example and summarises it', async () => {
    const { code, out } = await run([defaultConfigDir]);
    expect(code).toBe(0);
    expect(out).toMatch(/valid — 34 provinces, 36 routers, 245 links \(34 tier 1, 211 tier 2\)/);
  });

  it('names the topology file, line and key', async () => {
    const dir = exampleCopy();
    const topology = readFileSync(join(dir, 'topology.yaml'), 'utf8').replace('router: hn-core-1', 'router: hn-core-9');
    writeFileSync(join(dir, 'topology.yaml'), topology);
    const { code, err } = await run([dir]);
    expect(code).toBe(1);
    expect(err).toMatch(/topology\.yaml:\d+ links\[\d+\]\.router: unknown router "hn-core-9"/);
  });

  it('names a bad class rule', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'classes.yaml'), 'rules:\n  - match: { className: "[" }\n    class: video\n');
    const { code, err } = await run(['--config', dir]);
    expect(code).toBe(1);
    expect(err).toMatch(/classes\.yaml:2 rules\[0\]\.match\.className: not a valid regular expression/);
  });

  it('names a policy seed that overbooks links, by its path', async () => {
    const dir = exampleCopy();
    writeFileSync(join(dir, 'policies.yaml'), readFileSync(join(dir, 'policies.yaml'), 'utf8').replace(/percent: 30/g, 'percent: 95'));
    const { code, err } = await run([dir]);
    expect(code).toBe(1);
    expect(err).toMatch(/policies\.yaml tiers\.\d\.reservations\.video\.percent: reservations exceed the capacity of link/);
  });
});
