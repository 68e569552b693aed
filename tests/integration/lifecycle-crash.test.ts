// A process that dies of a bug keeps its points: cli/lifecycle.ts's fatal handlers log the error
// with its stack, stop the InfluxStore (which spools what it holds, InfluxDB being down), and
// exit 1. And SIGTERM stops it cleanly with exit 0. The process is tests/fixtures/lifecycle/store-crash.ts.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import type { StorePoint } from '../../collector/store/points.ts';
import { Spool } from '../../collector/store/spool.ts';
import { freeTcpPort } from '../helpers/ports.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const fixture = fileURLToPath(new URL('../fixtures/lifecycle/store-crash.ts', import.meta.url));
const pointCount = 1_500; // 1,000 spooled before the failure, 500 still in memory

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  lines: LogLine[];
  stderr: string;
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Runs the fixture; `onLine` sees each log line as it comes (to send a signal). */
async function runFixture(mode: 'throw' | 'reject' | 'signal', spoolDir: string, onLine?: (line: LogLine, kill: (s: NodeJS.Signals) => void) => void): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture, spoolDir, String(await freeTcpPort()), mode, String(pointCount)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LOG_LEVEL: 'info' },
  });
  const lines: LogLine[] = [];
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    let nl: number;
    while ((nl = stdout.indexOf('\n')) !== -1) {
      const text = stdout.slice(0, nl);
      stdout = stdout.slice(nl + 1);
      if (!text.trim()) continue;
      const line = JSON.parse(text) as LogLine;
      lines.push(line);
      onLine?.(line, (s) => child.kill(s));
    }
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
  clearTimeout(timer);
  return { code, signal, lines, stderr };
}

/** Everything in the spool directory, as a new process would replay it. */
async function spooled(dir: string): Promise<{ points: StorePoint[]; unreadable: number }> {
  const spool = new Spool({ dir, maxBytes: 64 * 1024 * 1024, log: pino({ level: 'silent' }) });
  await spool.open();
  const points: StorePoint[] = [];
  let unreadable = 0;
  for (let read = await spool.read(700); read; read = await spool.read(700)) {
    points.push(...read.points);
    unreadable += read.skippedLines;
    await spool.acknowledge(read);
  }
  return { points, unreadable };
}

function expectAllPointsSpooled(points: StorePoint[]): void {
  expect(points.length).toBe(pointCount);
  expect(points.map((p) => p.fields['bps_total'])).toEqual(Array.from({ length: pointCount }, (_, i) => 1_000 + i));
}

describe('a lanewatch process that fails', () => {
  it.each([
    ['throw', 'uncaughtException', 'uncaught exception: stopping', 'boom: a bug after the points were written'],
    ['reject', 'unhandledRejection', 'unhandled promise rejection: stopping', 'boom: a promise nobody awaited was rejected'],
  ] as const)('%s: logs the fatal error with its stack, spools the points it held, exits 1', async (mode, reason, msg, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'lanewatch-crash-spool-'));
    dirs.push(dir);
    const run = await runFixture(mode, dir);
    expect(run.stderr).toBe('');
    expect(run.code, run.lines.map((l) => l.msg).join(' | ')).toBe(1);
    const fatal = run.lines.find((l) => l.level === 60);
    expect(fatal).toMatchObject({ reason, msg, err: { name: 'Error', message } });
    const stack = String((fatal?.err as { stack?: unknown }).stack);
    expect(stack).toContain(message);
    expect(stack).toContain('store-crash.ts');
    // The store stopped after the fatal line, with every point in the spool.
    const stopped = run.lines.findIndex((l) => l.msg === 'store stopped');
    expect(stopped).toBeGreaterThan(run.lines.indexOf(fatal as LogLine));
    expect(run.lines[stopped]).toMatchObject({ spooledPoints: pointCount, lostPoints: 0 });

    const { points, unreadable } = await spooled(dir);
    expect(unreadable).toBe(0);
    expectAllPointsSpooled(points);
  });

  it('SIGTERM: stops cleanly, spools the points it held, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lanewatch-crash-spool-'));
    dirs.push(dir);
    const run = await runFixture('signal', dir, (line, kill) => {
      if (line.msg === 'points written') kill('SIGTERM');
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines.find((l) => l.msg === 'stopping')).toMatchObject({ signal: 'SIGTERM' });
    expect(run.lines.find((l) => l.msg === 'store stopped')).toMatchObject({ spooledPoints: pointCount });
    expect(run.lines.some((l) => l.level >= 50)).toBe(false);
    expectAllPointsSpooled((await spooled(dir)).points);
  });
});
