// The reactive answer of a page's request (web/src/lib/loaded.svelte.ts): a request aborted by
// its effect's cleanup (a newer one started) never writes its answer or its failure.
import { describe, expect, it } from 'vitest';
import type { Loaded } from '../../web/src/lib/loaded.svelte.ts';
import { importSvelteModule } from '../helpers/svelte-module.ts';

const { Loaded: LoadedClass } = await importSvelteModule<{ Loaded: typeof Loaded }>('web/src/lib/loaded.svelte.ts');

/** A request the test answers when it likes. */
function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((ok, fail) => {
    resolve = ok;
    reject = fail;
  });
  return { promise, resolve, reject };
}

const settled = (): Promise<void> => new Promise((done) => setTimeout(done, 0));

describe('Loaded', () => {
  it('keeps the newer answer when an aborted request answers after it', async () => {
    const loaded = new LoadedClass<string>('alerts');
    const older = deferred<string>();
    const newer = deferred<string>();
    const abortOlder = loaded.load(() => older.promise);
    abortOlder();
    loaded.load(() => newer.promise);
    newer.resolve('newer');
    await settled();
    expect(loaded.value).toBe('newer');
    older.resolve('older');
    await settled();
    expect(loaded.value).toBe('newer');
    expect(loaded.loading).toBe(false);
  });

  it('an aborted request neither answers nor fails; a live one does both', async () => {
    const loaded = new LoadedClass<string>('alerts');
    const aborted = deferred<string>();
    loaded.load(() => aborted.promise)();
    aborted.resolve('stale');
    await settled();
    expect(loaded.value).toBeNull();

    const failed = deferred<string>();
    loaded.load(() => failed.promise);
    failed.reject(undefined);
    await settled();
    expect(String(loaded.error)).toBe('Error: alerts not loaded');

    const answered = deferred<string>();
    loaded.load(() => answered.promise);
    answered.resolve('fresh');
    await settled();
    expect(loaded.value).toBe('fresh');
    expect(loaded.error).toBeNull();
  });
});
