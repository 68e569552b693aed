// One thing a test file's tests share (an app, a daemon, a receiver): started before them and
// closed after them, so a file declares it in one line.
import { afterAll, beforeAll } from 'vitest';

/**
 * Starts `start()` in a `beforeAll` and closes it in an `afterAll`. The returned function gives
 * the thing from the file's own `beforeAll` on (hooks run in the order they are declared), and
 * throws naming `what` when its start failed, rather than a TypeError in every test.
 */
export function shared<T extends { close(): Promise<void> }>(what: string, start: () => Promise<T>, startTimeoutMs = 30_000): () => T {
  let thing: T | undefined;
  beforeAll(async () => {
    thing = await start();
  }, startTimeoutMs);
  afterAll(async () => {
    await thing?.close();
  });
  return () => {
    if (thing === undefined) throw new Error(`${what} is not started: its beforeAll failed`);
    return thing;
  };
}
