// Process lifecycle (cli/lifecycle.ts): stopping on a signal within a deadline, and fatal-error
// handling. Signals and fatal events come from an EventEmitter standing in for `process`;
// `exit` is recorded instead of ending the test runner.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { installFatalHandlers, runUntilSignal, stopInReverse, type StoppablePart } from '../../cli/lifecycle.ts';
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
    expect(lines.find((l) => l.msg === 'part did not stop before the deadline')).toMatchObject({ level: 50, part: 'analyzer', deadlineMs: 300 });
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
