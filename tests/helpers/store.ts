// A real InfluxStore for tests, set up one way: on a database of a test influxd (or any URL),
// with a temporary spool that `close()` removes, small batches flushed quickly; and the wait
// until a store has written everything it holds.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import type { Registry } from 'prom-client';
import { settingsSchema, type Settings } from '../../config/schema.ts';
import { InfluxStore, type InfluxStoreOptions, type StoreHealth } from '../../collector/store/influx-store.ts';
import { waitFor } from './wait.ts';

/** The `influx` settings' defaults (config/schema.ts), for stores built from literals. */
export const influxDefaults: Settings['influx'] = settingsSchema.parse({}).influx;

export interface TestStoreOptions {
  /** `url` and `database` at least; merged over 5,000-point batches flushed every 100 ms. */
  influx: Pick<Settings['influx'], 'url' | 'database'> & Partial<Settings['influx']>;
  /** Default: a temporary directory (removed by `close()`), bounded at 64 MiB. */
  spool?: Partial<Settings['collector']['spool']>;
  log?: Logger;
  retry?: InfluxStoreOptions['retry'];
  requestTimeoutMs?: number;
  spoolMaxQueuedPoints?: number;
  registry?: Registry;
}

export interface TestStore {
  store: InfluxStore;
  /** The store's settings as given to it. */
  settings: { influx: Settings['influx']; spool: Settings['collector']['spool'] };
  /** Stops the store; removes the spool directory when it made it. */
  close(): Promise<void>;
}

export function createTestStore(options: TestStoreOptions): TestStore {
  const ownSpool = options.spool?.dir === undefined;
  const spoolDir = options.spool?.dir ?? mkdtempSync(join(tmpdir(), 'lanewatch-test-spool-'));
  const settings = {
    influx: { ...influxDefaults, batchSize: 5_000, flushIntervalMs: 100, ...options.influx },
    spool: { maxBytes: 64 * 1024 * 1024, ...options.spool, dir: spoolDir },
  };
  const store = new InfluxStore({
    ...settings,
    log: options.log ?? pino({ level: 'silent' }),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    ...(options.registry !== undefined ? { registry: options.registry } : {}),
    ...(options.spoolMaxQueuedPoints !== undefined ? { spoolMaxQueuedPoints: options.spoolMaxQueuedPoints } : {}),
  });
  return {
    store,
    settings,
    close: async () => {
      await store.stop();
      if (ownSpool) rmSync(spoolDir, { recursive: true, force: true });
    },
  };
}

/** Resolves once the store holds nothing: everything handed to it is in InfluxDB, nothing spooled. */
export async function storeDrained(store: { health(): StoreHealth }, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'the store to write everything it holds',
    () => {
      const health = store.health();
      return health.influxReachable && health.pendingPoints === 0 && health.spooledPoints === 0;
    },
    { timeoutMs, intervalMs: 10, context: () => JSON.stringify(store.health()) },
  );
}
