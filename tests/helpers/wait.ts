// Waiting in tests, one way: poll a condition (or a probe that finds a value) until it holds,
// and fail naming what never happened, how long was waited and, where given, what the system
// under test was saying (`context`, e.g. the last lines of its logs).

export interface WaitOptions {
  /** Give up after this long (default 20 s). */
  timeoutMs?: number;
  /** Time between two checks (default 50 ms). */
  intervalMs?: number;
  /** Appended to a failure's message: what helps to see why it never happened. */
  context?: () => string;
  /** A reason to stop waiting at once (a process the condition needs has exited), or undefined. */
  failIf?: () => string | undefined;
}

export const pause = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function failure(message: string, options: WaitOptions, cause?: unknown): Error {
  const more = options.context === undefined ? '' : `\n${options.context()}`;
  return new Error(`${message}${more}`, cause === undefined ? undefined : { cause });
}

/**
 * Resolves with the first value `probe` finds (anything but undefined); a probe that throws
 * counts as not found yet (a server still starting), its error named if time runs out.
 * Checked at once, then every `intervalMs`.
 */
export async function waitForValue<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, options: WaitOptions = {}): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 20_000;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const reason = options.failIf?.();
    if (reason !== undefined) throw failure(`gave up waiting for ${what}: ${reason}`, options);
    const value = await Promise.resolve()
      .then(probe)
      .catch((err: unknown) => {
        lastError = err;
        return undefined;
      });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const threw = lastError === undefined ? '' : ` (the last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw failure(`timed out after ${timeoutMs} ms waiting for ${what}${threw}`, options, lastError);
    }
    await pause(options.intervalMs ?? 50);
  }
}

/** Resolves once `condition` holds (a condition that throws has not held yet). */
export async function waitFor(what: string, condition: () => boolean | Promise<boolean>, options: WaitOptions = {}): Promise<void> {
  await waitForValue(what, async () => ((await condition()) ? true : undefined), options);
}
