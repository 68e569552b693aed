// Secrets stay out of the logs, against a real influxd with authentication on: node-influx and
// the InfluxStore fail with credentials in the URL (a wrong password; a write to a missing
// database), the notifier fails to reach a contact's webhook, and every line written through
// createLogger({ secrets: secretValues(config) }) is checked for the password, the Basic
// Authorization value and the webhook URL.
import { mkdtempSync, rmSync } from 'node:fs';
import type { ClientRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../cli/logger.ts';
import { createInfluxClient, pingInflux } from '../../collector/store/influx-client.ts';
import { InfluxStore } from '../../collector/store/influx-store.ts';
import { settingsSchema, topologySchema, type LanewatchConfig } from '../../config/schema.ts';
import { secretValues } from '../../config/secrets.ts';
import type { NotificationPayload } from '../../server/alerts/model.ts';
import { Notifier, type DeliveryOutcome } from '../../server/notify/notifier.ts';
import { notificationPayload } from '../helpers/alerts-fixture.ts';
import { sharedInfluxd } from '../helpers/influxd.ts';
import { freeTcpPort } from '../helpers/ports.ts';
import { logSink } from '../helpers/log-capture.ts';

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

const admin = { username: 'lanewatch', password: `S3cr3t:p@ss/wörd'"x` };
const wrongPassword = `Wr0ng:p@ss/wörd'"y`;
const database = 'lanewatch_secrets';

const influxd = sharedInfluxd({ admin });
let spoolDir: string;
/** Nothing listens there: a webhook that always fails to connect. */
let closedPort: number;

beforeAll(async () => {
  spoolDir = mkdtempSync(join(tmpdir(), 'lanewatch-secrets-spool-'));
  closedPort = await freeTcpPort();
});

afterAll(async () => {
  rmSync(spoolDir, { recursive: true, force: true });
});

function influxUrl(password: string): string {
  return `http://${admin.username}:${encodeURIComponent(password)}@127.0.0.1:${influxd.port}`;
}

const hookToken = 'XyZtOkEn1234567890abcdef';
const hookUrl = (): string => `http://127.0.0.1:${closedPort}/services/T0001/B0002/${hookToken}`;
/** fetch refuses a URL with credentials, naming the whole URL in its error. */
const hookWithCredentials = (): string => `http://hook:${hookToken}@127.0.0.1:${closedPort}/in`;

function buildConfig(password: string): LanewatchConfig {
  const settings = settingsSchema.parse({
    influx: { url: influxUrl(password), database, flushIntervalMs: 100 },
    collector: { spool: { dir: spoolDir } },
    notify: { webhookTimeoutMs: 1_000, retry: { initialMs: 10, maxMs: 20, maxAttempts: 2 } },
  });
  const topology = topologySchema.parse({
    provinces: [{ id: 'hue', contacts: { email: ['noc@hue.gov.vn'], webhook: [hookUrl(), hookWithCredentials()] } }],
    routers: [{ id: 'core-hn', address: '127.0.0.1:161', snmp: { version: '2c', community: 'c0mmunity-secret' } }],
    links: [{ id: 't1-hue', tier: 1, province: 'hue', router: 'core-hn', ifName: 'ge-0/0/1' }],
  });
  return { dir: '/nowhere', settings, topology, provinces: new Map(), classRules: [] };
}

interface Captured {
  log: Logger;
  text: () => string;
  lines: () => Record<string, unknown>[];
}

function capture(secrets: readonly string[]): Captured {
  const sink = logSink();
  return { log: createLogger({ secrets, destination: sink.stream, level: 'debug' }), text: sink.text, lines: sink.lines };
}

/** Every form of the InfluxDB credentials and of the webhook URLs that must never be in a log. */
function forbidden(password: string): string[] {
  const pair = `${admin.username}:${password}`;
  return [
    password,
    encodeURIComponent(password),
    JSON.stringify(password).slice(1, -1),
    base64(pair),
    `Basic ${base64(pair)}`,
    hookUrl(),
    hookWithCredentials(),
    hookToken,
  ];
}

function expectNoSecret(text: string, password: string): void {
  expect(text.length).toBeGreaterThan(0);
  for (const secret of forbidden(password)) expect(text, `log holds ${secret}`).not.toContain(secret);
}

/** What node-influx rejects with keeps the request, whose headers carry the Basic credentials. */
function authorizationOf(err: unknown): unknown {
  const req = (err as { req?: ClientRequest }).req;
  return req?.getHeader('authorization');
}

describe('logs against an influxd with authentication', () => {
  it('a wrong password: the InfluxStore and node-influx errors are logged without it', async () => {
    const config = buildConfig(wrongPassword);
    const out = capture(secretValues(config));

    const store = new InfluxStore({
      influx: config.settings.influx,
      spool: config.settings.collector.spool,
      log: out.log.child({ component: 'store' }),
      retry: { initialMs: 60_000 },
      requestTimeoutMs: 2_000,
    });
    await store.start();
    const health = store.health();
    await store.stop();
    expect(health.influxReachable).toBe(false);
    expect(health.lastError).toContain('401');

    const failure = await createInfluxClient(config.settings.influx).getDatabaseNames().then(
      () => undefined,
      (err: unknown) => err,
    );
    // The danger is real: the error carries the request and its Authorization header.
    expect(authorizationOf(failure)).toBe(`Basic ${base64(`${admin.username}:${wrongPassword}`)}`);
    out.log.child({ component: 'store' }).error({ err: failure, url: config.settings.influx.url }, 'influxdb query failed');

    expectNoSecret(out.text(), wrongPassword);
    const lines = out.lines();
    const unreachable = lines.find((line) => line.msg === 'influxdb unreachable, spooling');
    // The store logs the URL without its user information at all (redactUrl).
    expect(unreachable).toMatchObject({ app: 'lanewatch', component: 'store', url: `http://127.0.0.1:${influxd.port}/` });
    expect(String(unreachable?.error)).toContain('401');
    const failed = lines.find((line) => line.msg === 'influxdb query failed');
    expect(failed?.err).toMatchObject({ statusCode: 401, message: expect.stringContaining('authorization failed') });
    expect(Object.keys(failed?.err as object).sort()).toEqual(['message', 'name', 'stack', 'statusCode']);
    for (const line of out.text().trim().split('\n')) expect((line.match(/"component"/g) ?? []).length).toBeLessThanOrEqual(1);
  });

  it('a write to a missing database with the right password: logged without the password or its Basic value', async () => {
    const config = buildConfig(admin.password);
    const out = capture(secretValues(config));
    const client = createInfluxClient({ url: config.settings.influx.url, database: 'no_such_database', requestTimeoutMs: 2_000 });
    // The credentials are right: the daemon answers the query, and refuses the write for the database.
    expect(await client.getDatabaseNames()).not.toContain('no_such_database');
    const failure = await client.writePoints([{ measurement: 'm', fields: { value: 1 } }]).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(authorizationOf(failure)).toBe(`Basic ${base64(`${admin.username}:${admin.password}`)}`);

    // What the serialisers guard against: pino's default error serializer keeps the request.
    const unguarded = logSink();
    const plain = pino({ base: null }, unguarded.stream);
    plain.error({ err: failure }, 'write failed');
    expect(unguarded.text()).toContain(base64(`${admin.username}:${admin.password}`));

    out.log.error({ err: failure }, 'write failed');
    out.log.warn({ error: failure, url: config.settings.influx.url }, 'write failed, other key');
    out.log.info(`writing to ${config.settings.influx.url}/write?db=no_such_database`);
    expectNoSecret(out.text(), admin.password);
    const [first, second, third] = out.lines();
    expect(first?.err).toMatchObject({ statusCode: 404, message: expect.stringContaining('database not found') });
    expect(second?.error).toMatchObject({ statusCode: 404 });
    expect(third?.msg).toBe(`writing to http://${admin.username}:[redacted]@127.0.0.1:${influxd.port}/write?db=no_such_database`);
  });

  it('the influx client reports a bad URL without its credentials', async () => {
    const bad = `http://${admin.username}:${encodeURIComponent(admin.password)}@bad host:${influxd.port}`;
    expect(() => createInfluxClient({ url: bad, database })).toThrow(`bad influx url: http://bad host:${influxd.port}`);
    const ping = await pingInflux(bad, 500);
    expect(ping).toEqual({ reachable: false, error: `bad influx url: http://bad host:${influxd.port}` });
    // A good URL with credentials pings without sending them (auth does not cover /ping).
    expect(await pingInflux(influxUrl(admin.password), 2_000)).toEqual({ reachable: true });
  });
});

describe('notifier logs', () => {
  const payload = (target: string): NotificationPayload => notificationPayload('raise', 'warning', `webhook:${target}`);

  it('a contact webhook that fails is logged and recorded without its URL or token', async () => {
    const config = buildConfig(admin.password);
    const out = capture(secretValues(config));
    const notifier = new Notifier({ notify: config.settings.notify, log: out.log.child({ component: 'notify' }) });
    const targets = notifier.targets(config.topology.provinces[0]?.contacts);
    expect(targets.map((t) => t.target)).toEqual([hookUrl(), hookWithCredentials()]);
    const outcomes: DeliveryOutcome[] = [];
    const finals = targets.map(
      ({ channel, target }) =>
        new Promise<void>((resolve) => {
          notifier.enqueue({
            channel,
            target,
            payload: payload(target),
            attemptsBefore: 0,
            report: (outcome) => {
              outcomes.push(outcome);
              if (outcome.type === 'failed' && outcome.final) resolve();
            },
          });
        }),
    );
    await Promise.all(finals);
    await notifier.stop();

    // The raw error of the second names its URL; the recorded one does not.
    const errors = outcomes.flatMap((o) => (o.type === 'failed' ? [o.error] : []));
    expect(errors).toHaveLength(4);
    expect(errors.some((e) => e.includes('[redacted]'))).toBe(true);
    for (const error of errors) for (const secret of [hookUrl(), hookWithCredentials(), hookToken]) expect(error).not.toContain(secret);

    // A caller logging the contacts themselves gets them scrubbed too.
    out.log.child({ component: 'alerts' }).info({ contacts: config.topology.provinces[0]?.contacts }, 'contacts of hue');
    expectNoSecret(out.text(), admin.password);
    const givenUp = out.lines().filter((line) => line.msg === 'notification given up');
    expect(givenUp).toHaveLength(2);
    expect(givenUp.map((line) => line.to)).toEqual([`http://127.0.0.1:${closedPort}/…`, `http://127.0.0.1:${closedPort}/…`]);
    expect(givenUp.every((line) => line.component === 'notify' && /^t1-hue\.down\.1700000000000:raise:webhook:[0-9a-f]{16}$/.test(String(line.delivery)))).toBe(true);
    expect(out.text()).not.toContain('c0mmunity-secret');
  });
});
