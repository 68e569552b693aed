// Every log line names its component once: the caller (cli/commands/run.ts, the user command)
// binds `component`, and the parts it hands the logger to add none of their own. Each part is
// opened as `lanewatch run` opens it, on a temporary state directory, and made to log.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../../cli/logger.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { defaultConfigDir, loadConfig } from '../../config/load.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { AuditLog } from '../../server/auth/audit.ts';
import { SessionStore } from '../../server/auth/sessions.ts';
import { UserStore } from '../../server/auth/users.ts';
import { abandonedAfterMs } from '../../config/atomic-file.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { logSink } from '../helpers/log-capture.ts';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lanewatch-log-components-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** A temporary file a crash left in `sub`, old enough to be removed (with a warning) at open. */
function abandonedWrite(sub: string, name: string): string {
  const path = join(dir, sub);
  mkdirSync(path, { recursive: true });
  const file = join(path, `.${name}.1.0b7c.tmp`);
  writeFileSync(file, 'torn');
  const seconds = (Date.now() - 2 * abandonedAfterMs) / 1000;
  utimesSync(file, seconds, seconds);
  return path;
}

describe('component', () => {
  it('is bound once on every line of the parts lanewatch run wires', async () => {
    const out = logSink();
    const root = createLogger({ destination: out.stream, level: 'debug' });
    const config = loadConfig(defaultConfigDir);

    const auth = root.child({ component: 'auth' });
    await UserStore.open({ dir: abandonedWrite('auth', 'users.json'), log: auth });
    const sessions = await SessionStore.open({ dir: abandonedWrite('auth', 'sessions.json'), idleMs: 60_000, maxMs: 120_000, log: auth });
    await sessions.close();
    const audit = await AuditLog.open({ dir: join(dir, 'auth'), log: auth });
    await audit.close();

    const policies = await PolicyStore.open({
      dir: join(dir, 'policies'),
      seed: loadPolicySeed(defaultConfigDir),
      topology: config.topology,
      log: root.child({ component: 'policies' }),
    });
    const bus = new LiveBus();
    const analyzer = new Analyzer({ config, bus, policies, log: root.child({ component: 'analyzer' }) });
    analyzer.start();
    const saved = await policies.update(policies.current().document, { author: 'engineer', ifRevision: 1, comment: 'same document' });
    expect(saved).toMatchObject({ ok: true });
    bus.publish({
      poll: { atMs: 1_000, device: 'r', province: 'hue', ok: true, latencyMs: 1, varbinds: 1 },
      links: [{ atMs: 1_000, intervalMs: 1_000, link: 'not-in-topology', province: 'hue', tier: 1, dir: 'down', class: 'total', bitsPerSecond: 1, capacityBps: 10, utilization: 0.1 }],
      interfaces: [],
    });
    analyzer.stop();

    const notifier = new Notifier({ notify: config.settings.notify, log: root.child({ component: 'notify' }) });
    const book = await AlertBook.open({ dir: abandonedWrite('alerts', 'alerts.json'), config, notifier, log: root.child({ component: 'alerts' }) });
    await book.stop();

    const lines = out.text().split('\n').filter((line) => line !== '');
    const components = new Set(lines.map((line) => (JSON.parse(line) as { component?: string }).component));
    expect([...components].sort()).toEqual(['alerts', 'analyzer', 'auth', 'policies']);
    for (const line of lines) expect(line.match(/"component"/g), line).toHaveLength(1);
    const messages = lines.map((line) => JSON.parse(line) as { component: string; msg: string });
    expect(messages).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ component: 'auth', msg: 'removing an unfinished write' }),
        expect.objectContaining({ component: 'auth', msg: 'audit log opened' }),
        expect.objectContaining({ component: 'policies', msg: 'policies seeded as revision 1' }),
        expect.objectContaining({ component: 'analyzer', msg: 'no effective policy for link, not analyzed' }),
        expect.objectContaining({ component: 'alerts', msg: 'removing an unfinished write' }),
      ]),
    );
  });
});
