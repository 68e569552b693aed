// Process lifecycle (cli/lifecycle.ts): stopping on a signal within a deadline, and fatal-error
// handling. Signals and fatal events come from an EventEmitter standing in for `process`;
// `exit` is recorded instead of ending the test runner.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { defaultStopBoundMs, installFatalHandlers, runUntilSignal, stopInReverse, stopShareMs, type StoppablePart } from '../../cli/lifecycle.ts';
import { captureLog } from '../helpers/log-capture.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const never = (): Promise<void> => new Promise<void>(() => {});

/** Parts that record when they were stopped. */
function parts(specs: Array<[name: string, stop: () => Promise<void>]>): { parts: StoppablePart[]; stopped: string[] } {
  const stopped: string[] = [];
  return {
    stopped,
    parts: specs.map(([name, stop]) => ({
      name,
      stop: async () => {
        await stop();
        stopped.push(name);
      },
    })),
  };
}

function fakeProcess(): { events: EventEmitter; exits: number[]; exit: (code: number) => void } {
  const exits: number[] = [];
  return { events: new EventEmitter(), exits, exit: (code) => void exits.push(code) };
}

describe('runUntilSignal', () => {
  it('waits for a signal, then stops the parts in reverse order and resolves 0', async () => {
    const { log, lines } = captureLog();
    const { events, exits, exit } = fakeProcess();
    const p = parts([
      ['store', async () => {}],
      ['server', () => sleep(10)],
      ['collector', async () => {}],
    ]);
    const done = runUntilSignal(p.parts, log, { events, exit, deadlineMs: 1_000 });
    await sleep(20);
    expect(p.stopped).toEqual([]);
    events.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(p.stopped).toEqual(['collector', 'server', 'store']);
    expect(exits).toEqual([]);
    expect(events.listenerCount('SIGTERM') + events.listenerCount('SIGINT')).toBe(0);
    expect(lines.find((l) => l.msg === 'stopping')).toMatchObject({ signal: 'SIGTERM' });
  });

  it('a part that hangs: logged by name when the deadline passes, exit code 1, the parts after it still stopped', async () => {
    const { log, lines } = captureLog();
    const { events, exits, exit } = fakeProcess();
    const p = parts([
      ['store', () => sleep(20)],
      ['analyzer', never],
      ['collector', async () => {}],
    ]);
    const done = runUntilSignal(p.parts, log, { events, exit, deadlineMs: 300, forceExitAfterMs: 50 });
    const startedAt = Date.now();
    events.emit('SIGINT', 'SIGINT');
    expect(await done).toBe(1);
    const elapsedMs = Date.now() - startedAt;
    expect(elapsedMs).toBeLessThan(300 + 200);
    // The hanging analyzer got its share (300 ms / 2 parts left), so the store still had time.
    expect(p.stopped).toEqual(['collector', 'store']);
    expect(lines.find((l) => l.part === 'analyzer' && l.level === 50)).toMatchObject({ msg: 'analyzer did not stop before the deadline: what it still held may be lost', deadlineMs: 300 });
    // One closing line names what went wrong, so a log kept at the end tells which part it was.
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('stopped'))).toMatchObject({
      level: 50,
      exitCode: 1,
      timedOut: ['analyzer'],
      failed: [],
      msg: 'stopped with exit code 1: analyzer missed the deadline',
    });
    // What it still waits for may keep the process alive: ended shortly after.
    expect(exits).toEqual([]);
    await sleep(100);
    expect(exits).toEqual([1]);
  });

  it('a second signal while stopping exits at once', async () => {
    const { log, lines } = captureLog();
    const { events, exits, exit } = fakeProcess();
    const p = parts([['store', () => sleep(200)]]);
    const done = runUntilSignal(p.parts, log, { events, exit, deadlineMs: 1_000 });
    events.emit('SIGTERM', 'SIGTERM');
    await sleep(20);
    events.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
    expect(lines.some((l) => l.msg === 'second signal while stopping: exiting now')).toBe(true);
    expect(await done).toBe(0);
  });
});

describe('stopInReverse', () => {
  it('a stop that throws or rejects is logged and makes the code 1; the others still stop', async () => {
    const { log, lines } = captureLog();
    const p = parts([
      ['a', async () => {}],
      ['b', () => Promise.reject(new Error('close failed'))],
      ['c', async () => {}],
    ]);
    const throwing: StoppablePart = {
      name: 'sync',
      stop: () => {
        throw new Error('thrown before any promise');
      },
    };
    const report = await stopInReverse([...p.parts, throwing], log, { deadlineMs: 1_000 });
    expect(report).toEqual({ code: 1, timedOut: [], failed: ['sync', 'b'] });
    expect(p.stopped).toEqual(['c', 'a']);
    expect(lines.filter((l) => l.msg === 'stop failed').map((l) => l.part)).toEqual(['sync', 'b']);
  });

  it('the whole stop stays within the deadline however many parts hang', async () => {
    const { log } = captureLog();
    const p = parts([
      ['a', never],
      ['b', never],
      ['c', never],
    ]);
    const startedAt = Date.now();
    const report = await stopInReverse(p.parts, log, { deadlineMs: 150 });
    expect(Date.now() - startedAt).toBeLessThan(150 + 200);
    expect(report).toEqual({ code: 1, timedOut: ['c', 'b', 'a'], failed: [] });
  });
});

describe('stopShareMs', () => {
  it('shares the time left by stopBoundMs among the parts still to stop (equal when none is stated)', () => {
    expect(stopShareMs(1_000, [{}, {}, {}, {}])).toBe(250);
    expect(stopShareMs(1_000, [{ stopBoundMs: 3 * defaultStopBoundMs }, {}])).toBe(750);
    expect(stopShareMs(1_000, [{}, { stopBoundMs: 3 * defaultStopBoundMs }])).toBe(250);
    expect(stopShareMs(1_000, [{ stopBoundMs: 0 }, {}])).toBe(500);
    expect(stopShareMs(0, [{ stopBoundMs: 5_000 }])).toBe(0);
    expect(stopShareMs(1_000, [])).toBe(0);
  });
});

describe('stopping parts with stated bounds (a large network: slow collector and store stops)', () => {
  it('a slow part with a larger stopBoundMs stops in time where an equal share would cut it off: exit 0, each part logged with its time', async () => {
    const { log, lines } = captureLog();
    const { events, exits, exit } = fakeProcess();
    const p = parts([
      ['store', () => sleep(100)],
      ['alerts', async () => {}],
      ['server', async () => {}],
      ['collector', () => sleep(200)],
    ]);
    // 600 ms among four parts: an equal share (150 ms) would cut off the collector's 200 ms; by
    // the bounds it gets 6/12 of it (300 ms), and the store 4/6 of what is left after.
    p.parts[3]!.stopBoundMs = 6 * defaultStopBoundMs;
    p.parts[0]!.stopBoundMs = 4 * defaultStopBoundMs;
    const done = runUntilSignal(p.parts, log, { events, exit, deadlineMs: 600, forceExitAfterMs: 50 });
    events.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(0);
    expect(p.stopped).toEqual(['collector', 'server', 'alerts', 'store']);
    const stoppedParts = lines.filter((l) => l.msg === 'part stopped');
    expect(stoppedParts.map((l) => l.part)).toEqual(['collector', 'server', 'alerts', 'store']);
    expect(stoppedParts[0]!.tookMs).toBeGreaterThanOrEqual(190);
    expect(lines.find((l) => l.msg === 'stopped')).toMatchObject({ level: 30, exitCode: 0 });
    await sleep(80);
    expect(exits).toEqual([]);
  });

  it('a store whose stop throws and a collector that outlasts the deadline: exit 1, the closing line names both', async () => {
    const { log, lines } = captureLog();
    const { events, exit } = fakeProcess();
    const p = parts([
      ['store', () => Promise.reject(new Error('spool: disk full'))],
      ['collector', never],
    ]);
    const done = runUntilSignal(p.parts, log, { events, exit, deadlineMs: 200, forceExitAfterMs: 10_000 });
    events.emit('SIGTERM', 'SIGTERM');
    expect(await done).toBe(1);
    expect(lines.find((l) => l.msg === 'stop failed')).toMatchObject({ level: 50, part: 'store', err: { message: 'spool: disk full' } });
    expect(lines.find((l) => typeof l.msg === 'string' && l.msg.startsWith('stopped'))).toMatchObject({
      exitCode: 1,
      failed: ['store'],
      timedOut: ['collector'],
      msg: 'stopped with exit code 1: store failed, collector missed the deadline',
    });
  });
});

describe('installFatalHandlers', () => {
  it.each(['uncaughtException', 'unhandledRejection'] as const)('%s: logs the error with its stack, runs onFatal once, then exits 1', async (event) => {
    const { log, lines } = captureLog();
    const { events, exits, exit } = fakeProcess();
    const calls: Array<[string, unknown]> = [];
    let finishCleanup = (): void => {};
    const uninstall = installFatalHandlers(
      log,
      (reason, err) => {
        calls.push([reason, err]);
        return new Promise<void>((r) => (finishCleanup = r));
      },
      { events, exit },
    );
    const boom = new Error('boom');
    events.emit(event, boom);
    events.emit(event, new Error('again, while cleaning up'));
    await sleep(10);
    expect(calls).toEqual([[event, boom]]);
    expect(exits).toEqual([]); // not before the cleanup ends
    finishCleanup();
    await sleep(10);
    expect(exits).toEqual([1]);
    const fatal = lines.filter((l) => l.level === 60);
    expect(fatal.length).toBe(2);
    expect(fatal[0]).toMatchObject({ reason: event, err: { message: 'boom' } });
    expect(String((fatal[0]?.err as { stack?: unknown }).stack)).toContain('lifecycle.test.ts');
    expect(fatal[1]?.msg).toContain('while cleaning up');
    uninstall();
    expect(events.listenerCount('uncaughtException') + events.listenerCount('unhandledRejection')).toBe(0);
  });

  it('a cleanup that hangs or fails still ends in exit 1', async () => {
    const { log, lines } = captureLog();
    const hung = fakeProcess();
    installFatalHandlers(log, never, { events: hung.events, exit: hung.exit, deadlineMs: 50 });
    hung.events.emit('uncaughtException', new Error('x'));
    const failed = fakeProcess();
    installFatalHandlers(log, () => Promise.reject(new Error('cleanup broke')), { events: failed.events, exit: failed.exit });
    failed.events.emit('unhandledRejection', 'not even an Error');
    await sleep(100);
    expect(hung.exits).toEqual([1]);
    expect(failed.exits).toEqual([1]);
    expect(lines.some((l) => l.msg === 'cleanup after a fatal error did not finish before the deadline')).toBe(true);
    expect(lines.find((l) => l.msg === 'cleanup after a fatal error failed')).toMatchObject({ err: { message: 'cleanup broke' } });
    expect(lines.find((l) => l.reason === 'unhandledRejection')).toMatchObject({ level: 60, err: 'not even an Error' });
  });
});
