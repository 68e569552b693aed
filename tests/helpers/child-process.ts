// Stopping a child process the tests or the benchmarks started (a daemon, `lanewatch run` or
// `simulate`): asked first, killed when it does not listen.
import type { ChildProcess } from 'node:child_process';

export interface StopOptions {
  /** The signal that asks it to stop; default SIGTERM (the CLI also stops cleanly on SIGINT). */
  signal?: NodeJS.Signals;
  /** SIGKILL after this long without exiting; default 8 s. */
  killAfterMs?: number;
}

/** Stops `child` and resolves once it has exited; at once when it has already. */
export async function stopChild(child: ChildProcess, opts: StopOptions = {}): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(opts.signal ?? 'SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.killAfterMs ?? 8_000);
  await exited;
  clearTimeout(timer);
}
