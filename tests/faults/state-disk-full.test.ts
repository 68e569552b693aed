// The state directory (alert journal, policy revisions, users, sessions, audit log) on a small
// tmpfs that fills up (needs root: mount -t tmpfs; CI_NO_TMPFS=1 skips it where mounting is not
// allowed, saying why). The whole app is wired as tests/helpers/app.ts wires it, on that
// directory. While the disk is full: an acknowledgement and a policy save are refused with 503
// and Retry-After (nothing half-written, nothing claimed that is not on disk), reads still
// answer, nothing answers 500 and nothing crashes; alert changes that cannot be written are held
// and written once space returns. Afterwards every store opens again from the disk with exactly
// what was acknowledged to the clients.
import { unlinkSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import { openAuthServices, type AuthServices } from '../../server/auth/services.ts';
import { sessionCookieName } from '../../server/auth/guard.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { Notifier } from '../../server/notify/notifier.ts';
import type { AlertEpisode } from '../../server/alerts/model.ts';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { stateChange } from '../helpers/alerts-fixture.ts';
import { addTestUsers, testOrigin, testPassword } from '../helpers/app.ts';
import { sharedTmpfs } from '../helpers/tmpfs.ts';

const tmpfs = sharedTmpfs('state', '2m');
const { root, dir: stateDir } = tmpfs;

/** Three provinces, eight links on one router. */
function tinyConfig(): LanewatchConfig {
  const topology = topologySchema.parse({
    provinces: [{ id: 'hue' }, { id: 'ha-noi' }, { id: 'can-tho' }],
    routers: [{ id: 'core-hn', address: '127.0.0.1:161', snmp: { version: '2c', community: 'public' } }],
    links: [
      { id: 't1-hue', tier: 1, province: 'hue', router: 'core-hn', ifName: 'ge-0/0/1' },
      { id: 't1-ha-noi', tier: 1, province: 'ha-noi', router: 'core-hn', ifName: 'ge-0/0/2' },
      ...Array.from({ length: 6 }, (_, k) => ({ id: `t2-hue-${k}`, tier: 2, province: 'hue', router: 'core-hn', ifName: `ge-0/1/${k}` })),
    ],
  });
  return { dir: root, settings: settingsSchema.parse({ state: { dir: stateDir } }), topology, provinces: new Map(), classRules: [] };
}

/** Error log lines of the app (a 500 logs its stack). */
const errorLines: string[] = [];
const errorLog = { write: (line: string): void => void errorLines.push(line) };

interface StateApp {
  app: FastifyInstance;
  auth: AuthServices;
  policies: PolicyStore;
  alerts: AlertBook;
  analyzer: Analyzer;
  close(): Promise<void>;
}

/** The app as `lanewatch run` wires its server half, on the tmpfs state directory. */
async function openStateApp(config: LanewatchConfig, withUsers: boolean): Promise<StateApp> {
  const log = pino({ level: 'error' }, errorLog);
  const bus = new LiveBus();
  const auth = await openAuthServices({ stateDir, auth: config.settings.auth, provinceIds: new Set(config.topology.provinces.map((p) => p.id)), log });
  if (withUsers) await addTestUsers(auth, config);
  const policies = await PolicyStore.open({ dir: join(stateDir, 'policies'), seed: loadPolicySeed(config.dir), topology: config.topology, log });
  const notifier = new Notifier({ notify: config.settings.notify, log, provinceName: (id) => id });
  const alerts = await AlertBook.open({ dir: join(stateDir, 'alerts'), config, notifier, log, resumeIntervalMs: 200 });
  const analyzer = new Analyzer({ config, bus, policies, log });
  analyzer.start();
  const influx = createInfluxClient({ ...config.settings.influx, url: 'http://127.0.0.1:9' });
  const app = await buildApp({ config, bus, influx, auth, policies, analyzer, alerts, logger: log });
  await app.ready();
  return {
    app, auth, policies, alerts, analyzer,
    close: async () => {
      await app.close();
      analyzer.stop();
      await alerts.stop();
      await auth.close();
    },
  };
}

/** Writes a filler until the tmpfs refuses (ENOSPC). */
function fillDisk(path: string): number {
  const chunk = Buffer.alloc(16 * 1024, 7);
  let written = 0;
  const parts: Buffer[] = [];
  for (;;) {
    parts.push(chunk);
    try {
      writeFileSync(path, Buffer.concat(parts));
      written = parts.length * chunk.length;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
      parts.pop();
      writeFileSync(path, Buffer.concat(parts));
      // The last bytes too: small files (a line, a sidecar) must not fit either.
      for (let tail = 4096; tail >= 1; tail = Math.floor(tail / 2)) {
        try {
          writeFileSync(`${path}-${tail}`, Buffer.alloc(tail, 7));
          written += tail;
        } catch {
          // full at this size
        }
      }
      return written;
    }
  }
}

function freeDisk(path: string): void {
  for (const name of readdirSync(stateDir)) if (name.startsWith('filler')) unlinkSync(join(stateDir, name));
  void path;
}

async function login(app: FastifyInstance, username: string): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { origin: testOrigin }, payload: { username, password: testPassword } });
}

function as(app: FastifyInstance, cookie: string) {
  return (request: InjectOptions) => app.inject({ ...request, headers: { origin: testOrigin, ...request.headers, cookie } });
}

/** What the app answered while the disk was full (shared with the expectation below). */
const whileFull: Record<string, number> = {};

describe('state directory on a full disk (tmpfs)', () => {
  it('no crash, reads answer, nothing acknowledged is lost or half-written, and writes work again when space returns', async (ctx) => {
    tmpfs.require(ctx);
    const config = tinyConfig();
    let state = await openStateApp(config, true);
    const cookieOf = async (username: string): Promise<string> => {
      const res = await login(state.app, username);
      expect(res.statusCode, res.body).toBe(200);
      const c = res.cookies.find((x) => x.name === sessionCookieName)!;
      return `${c.name}=${c.value}`;
    };
    const engineer = await cookieOf('engineer');
    const viewer = await cookieOf('viewer');
    const admin = await cookieOf('admin');
    const links = config.topology.links;
    links.forEach((l, k) => state.alerts.onStateChange(stateChange('ok', 'warning', 1_000 + k, { link: l.id, province: l.province })));
    const listed = async (cookie: string): Promise<AlertEpisode[]> => {
      const res = await as(state.app, cookie)({ method: 'GET', url: '/api/v1/alerts' });
      expect(res.statusCode, res.body).toBe(200);
      return res.json<{ alerts: AlertEpisode[] }>().alerts;
    };
    await new Promise((r) => setTimeout(r, 300));
    const episodes = await listed(viewer);
    expect(episodes.length).toBe(links.length);
    const policy = (await as(state.app, engineer)({ method: 'GET', url: '/api/v1/policies' })).json<{ revision: number; document: Record<string, unknown> }>();
    const defaults = policy.document['defaults'] as { thresholds: Record<string, unknown> };
    const edited = (highUtil: number) => ({ ...policy.document, defaults: { ...defaults, thresholds: { ...defaults.thresholds, highUtil } } });

    // ---- the disk fills up ------------------------------------------------------------------
    const filled = fillDisk(join(stateDir, 'filler'));
    // Acks until the journal (or the audit log) can take no more: tmpfs keeps the slack of a
    // file's last page, so the first few may still fit.
    const ackStatus = new Map<string, number>();
    for (const episode of episodes) {
      const res = await as(state.app, engineer)({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(episode.id)}/ack` });
      ackStatus.set(episode.id, res.statusCode);
      if (res.statusCode === 503) {
        expect(res.headers['retry-after']).toBeDefined();
        expect(res.json<{ message: string }>().message).toMatch(/could not be recorded/);
      }
    }
    const save = await as(state.app, engineer)({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': `"${policy.revision}"` }, payload: { document: edited(0.81), comment: 'on a full disk' } });
    const loginFull = await login(state.app, 'admin');
    const userAdd = await as(state.app, admin)({ method: 'POST', url: '/api/v1/users', payload: { username: 'newcomer', role: 'viewer', password: 'a long enough password' } });
    whileFull['acks'] = Math.max(...ackStatus.values());
    for (const [id, status] of ackStatus) whileFull[`ack ${id}`] = status;
    whileFull['policy save'] = save.statusCode;
    whileFull['login'] = loginFull.statusCode;
    whileFull['user add'] = userAdd.statusCode;
    // An alert change while full: held, written when space returns.
    state.alerts.onStateChange(stateChange('warning', 'critical', 3_000));
    const reads = await Promise.all(['/api/v1/alerts', '/api/v1/policies', '/api/v1/states', '/api/v1/me', '/api/v1/topology'].map((url) => as(state.app, viewer)({ method: 'GET', url })));
    const health = await state.app.inject({ method: 'GET', url: '/api/v1/health' });
    console.log(`[state disk full] filler ${filled} bytes; answers while full: ${JSON.stringify(whileFull)}`);
    // What failed, once per message (the stacks are in the log lines).
    const seen = new Set<string>();
    for (const line of errorLines) {
      const entry = JSON.parse(line) as { msg?: string; url?: string; err?: { message?: string; stack?: string } };
      const what = `${entry.url ?? ''} ${entry.msg ?? ''}: ${(entry.err?.message ?? '').replace(/alert \S+/g, 'alert …')}`;
      if (seen.has(what)) continue;
      seen.add(what);
      console.log(`[state disk full] error log: ${what} (${(entry.err?.stack ?? '').split('\n')[1]?.trim() ?? ''})`);
    }
    for (const r of reads) expect(r.statusCode, r.body).toBe(200);
    expect(health.statusCode).toBe(200);
    // The journal did fill: some acknowledgement was refused, with 503 (or 500, see below).
    expect([...ackStatus.values()].some((s) => s >= 500)).toBe(true);

    // ---- space returns ----------------------------------------------------------------------
    freeDisk(join(stateDir, 'filler'));
    const refused = episodes.filter((e) => (ackStatus.get(e.id) ?? 0) === 503);
    for (const episode of refused) {
      const again = await as(state.app, engineer)({ method: 'POST', url: `/api/v1/alerts/${encodeURIComponent(episode.id)}/ack` });
      expect(again.statusCode, again.body).toBe(200);
    }
    const saved = await as(state.app, engineer)({ method: 'PUT', url: '/api/v1/policies', headers: { 'if-match': `"${save.statusCode === 200 ? policy.revision + 1 : policy.revision}"` }, payload: { document: edited(0.82), comment: 'space again' } });
    expect(saved.statusCode, saved.body).toBe(200);
    expect((await login(state.app, 'admin')).statusCode).toBe(200);
    await new Promise((r) => setTimeout(r, 1_000)); // the held alert change: resumed every 200 ms here
    await state.close();

    // ---- every store opens again from the disk ---------------------------------------------
    state = await openStateApp(config, false);
    try {
      const again = await cookieOf('viewer');
      const onDisk = await listed(again);
      // Every acknowledgement answered 200 (before or after) is on disk, as the signed-in user.
      for (const episode of episodes) {
        const status = ackStatus.get(episode.id)!;
        const found = onDisk.find((e) => e.id === episode.id);
        if (status === 200 || status === 503) expect(found, episode.id).toMatchObject({ state: 'acknowledged', acknowledgedBy: 'engineer' });
      }
      expect(onDisk.find((e) => e.link === 't1-hue' && e.state !== 'resolved')?.level).toBe('critical');
      const current = (await as(state.app, again)({ method: 'GET', url: '/api/v1/policies' })).json<{ revision: number; document: { defaults: { thresholds: { highUtil: number } } } }>();
      expect(current.document.defaults.thresholds.highUtil).toBe(0.82);
      expect(current.revision).toBe(policy.revision + (save.statusCode === 200 ? 2 : 1));
    } finally {
      await state.close();
    }
  }, 120_000);

  // A state write refused by the disk (policy save, login's session, a user) answers 503 with
  // Retry-After and changes nothing; a change made whose audit record cannot be written answers
  // the truth about the change (the lost record is logged as an error).
  it('every write refused on a full state disk answers 503 with Retry-After, never 500', (ctx) => {
    tmpfs.require(ctx);
    expect(Object.keys(whileFull).length).toBeGreaterThan(0);
    expect(Object.entries(whileFull).filter(([, status]) => status !== 200 && status !== 503)).toEqual([]);
  });
});
