// The whole server as `lanewatch run` wires it (policies, analyzer, alerts, users and
// sessions on a temporary state dir), built with buildApp for inject() or a real port, with
// one signed-in user per role: `admin`, `engineer`, `viewer` and a `province` user per
// province named by its id.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { InfluxDB } from 'influx';
import { pino, type Logger } from 'pino';
import { loadConfig } from '../../config/load.ts';
import type { LanewatchConfig } from '../../config/schema.ts';
import { LiveBus } from '../../collector/live-bus.ts';
import type { QosView } from '../../collector/samples.ts';
import { createInfluxClient } from '../../collector/store/influx-client.ts';
import { buildApp } from '../../server/app.ts';
import { openAuthServices, type AuthServices } from '../../server/auth/services.ts';
import { sessionCookieName } from '../../server/auth/guard.ts';
import { PolicyStore } from '../../server/policies/store.ts';
import { loadPolicySeed } from '../../server/policies/seed.ts';
import { AlertBook } from '../../server/alerts/alert-book.ts';
import { Analyzer } from '../../server/analysis/analyzer.ts';
import { Notifier } from '../../server/notify/notifier.ts';

export const testPassword = 'correct horse battery staple';
/** The origin inject() requests come from (its default Host is localhost:80). */
export const testOrigin = 'http://localhost:80';

/** Users of every role: `admin`, `engineer`, `viewer`, and one per province named by its id. */
export async function addTestUsers(auth: Pick<AuthServices, 'users'>, config: LanewatchConfig, password = testPassword): Promise<void> {
  for (const role of ['admin', 'engineer', 'viewer'] as const) await auth.users.upsert({ username: role, role, password });
  for (const province of config.topology.provinces) {
    await auth.users.upsert({ username: province.id, role: 'province', province: province.id, password });
  }
}

export interface TestApp {
  app: FastifyInstance;
  config: LanewatchConfig;
  bus: LiveBus;
  auth: AuthServices;
  policies: PolicyStore;
  alerts: AlertBook;
  analyzer: Analyzer;
  stateDir: string;
  /** Logs in through the API; the session cookie (`name=value`) for later requests. */
  login(username: string, password?: string): Promise<string>;
  /** inject() as this user (signed in once, cookie kept), with a same-origin Origin. */
  as(username: string): (options: InjectOptions) => Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  config?: LanewatchConfig;
  influx?: InfluxDB;
  qosView?: () => QosView;
  logger?: Logger;
  webDir?: string;
}

export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const stateDir = await mkdtemp(join(tmpdir(), 'lanewatch-app-'));
  const base = options.config ?? loadConfig();
  const config: LanewatchConfig = { ...base, settings: { ...base.settings, state: { dir: stateDir } } };
  const log = options.logger ?? pino({ level: 'silent' });
  const bus = new LiveBus();
  const auth = await openAuthServices({
    stateDir,
    auth: config.settings.auth,
    provinceIds: new Set(config.topology.provinces.map((p) => p.id)),
    log,
  });
  await addTestUsers(auth, config);
  const policies = await PolicyStore.open({ dir: join(stateDir, 'policies'), seed: loadPolicySeed(config.dir), topology: config.topology, log });
  const notifier = new Notifier({ notify: config.settings.notify, log, provinceName: (id) => config.provinces.get(id)?.name ?? id });
  const alerts = await AlertBook.open({ dir: join(stateDir, 'alerts'), config, notifier, log });
  const analyzer = new Analyzer({ config, bus, policies, log });
  analyzer.onStateChange((change) => alerts.onStateChange(change));
  analyzer.start();
  const influx = options.influx ?? createInfluxClient({ ...config.settings.influx, url: 'http://127.0.0.1:9' });
  const app = await buildApp({
    config,
    bus,
    influx,
    auth,
    policies,
    analyzer,
    alerts,
    logger: log,
    ...(options.qosView ? { qosView: options.qosView } : {}),
    ...(options.webDir ? { webDir: options.webDir } : {}),
  });
  await app.ready();

  const login = async (username: string, password = testPassword): Promise<string> => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      headers: { origin: testOrigin },
      payload: { username, password },
    });
    if (res.statusCode !== 200) throw new Error(`login as ${username}: ${res.statusCode} ${res.body}`);
    const cookie = res.cookies.find((c) => c.name === sessionCookieName);
    if (!cookie) throw new Error(`login as ${username}: no session cookie`);
    return `${cookie.name}=${cookie.value}`;
  };
  const cookies = new Map<string, string>();
  const as = (username: string) => async (request: InjectOptions) => {
    let cookie = cookies.get(username);
    if (cookie === undefined) {
      cookie = await login(username);
      cookies.set(username, cookie);
    }
    return app.inject({ ...request, headers: { origin: testOrigin, ...request.headers, cookie } });
  };
  const close = async () => {
    await app.close();
    analyzer.stop();
    await alerts.stop();
    await auth.close();
    await rm(stateDir, { recursive: true, force: true });
  };
  return { app, config, bus, auth, policies, alerts, analyzer, stateDir, login, as, close };
}
