// Starts the whole system the way a user does: a real influxd, `lanewatch simulate` and
// `lanewatch run` as child processes on a temporary copy of the example config, every
// address moved to free loopback ports.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { defaultConfigDir } from '../../config/load.ts';
import { launchChromium } from './browser.ts';
import { startInfluxd, type InfluxdHandle } from './influxd.ts';
import { loadConfig } from '../../config/load.ts';
import { authDir, UserStore } from '../../server/auth/users.ts';
import { addTestUsers, testPassword } from './app.ts';
import { stopChild } from './child-process.ts';
import { freeTcpPort, freeUdpPort } from './ports.ts';
import { waitForValue, type WaitOptions } from './wait.ts';

const cli = fileURLToPath(new URL('../../bin/lanewatch.js', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface SystemHandle {
  url: string;
  influx: InfluxdHandle;
  configDir: string;
  intervalMs: number;
  linkIds: string[];
  /** The password of every user: `admin`, `engineer`, `viewer` and one per province named by its id. */
  password: string;
  /** Signs in through the API (once per user) and returns the session cookie. */
  login(username: string): Promise<string>;
  /** fetch() of an API path as a signed-in user, with a same-origin Origin. */
  fetchAs(username: string, path: string, init?: RequestInit): Promise<Response>;
  /** GET an API path as a signed-in user (default `admin`) and parse its JSON. */
  getAs<T>(path: string, username?: string): Promise<T>;
  /** Text the processes logged so far (`lanewatch simulate`'s, then `lanewatch run`'s), for failure messages. */
  logs(): string;
  /** `waitForValue` (helpers/wait.ts) with the processes' last log lines in a failure's message. */
  waitFor<T>(what: string, probe: () => Promise<T | undefined>, options?: Omit<WaitOptions, 'context'>): Promise<T>;
  stop(): Promise<void>;
}

interface TopologyFile {
  provinces: { id: string; contacts?: { email?: string[]; webhook?: string[] } }[];
  routers: { address: string }[];
  links: { id: string }[];
}

export interface SystemOptions {
  intervalMs?: number;
  /** A scenario (YAML text) for `lanewatch simulate --scenario`. */
  scenario?: string;
  /** Province id → contacts for alert notifications. */
  contacts?: Record<string, { email?: string[]; webhook?: string[] }>;
  /** Extra top-level settings (e.g. `notify`), merged over the test defaults. */
  settings?: Record<string, unknown>;
}

export async function writeTestConfig(
  dir: string,
  influxUrl: string,
  intervalMs: number,
  httpPort: number,
  opts: Pick<SystemOptions, 'contacts' | 'settings'> = {},
): Promise<string[]> {
  const topology = parse(readFileSync(join(defaultConfigDir, 'topology.yaml'), 'utf8')) as TopologyFile;
  for (const router of topology.routers) router.address = `127.0.0.1:${await freeUdpPort()}`;
  for (const province of topology.provinces) {
    const contacts = opts.contacts?.[province.id];
    if (contacts) province.contacts = contacts;
  }
  writeFileSync(join(dir, 'topology.yaml'), stringify(topology));
  for (const file of ['classes.yaml', 'policies.yaml']) {
    if (existsSync(join(defaultConfigDir, file))) copyFileSync(join(defaultConfigDir, file), join(dir, file));
  }
  // The simulated routers' QoS styles and queues, as in the demo (simulator only; ids unchanged).
  copyFileSync(join(defaultConfigDir, 'simulation.yaml'), join(dir, 'simulation.yaml'));
  writeFileSync(
    join(dir, 'settings.yaml'),
    stringify({
      influx: { url: influxUrl, database: 'lanewatch', flushIntervalMs: 200 },
      collector: { intervalMs, timeoutMs: 800, retries: 0, spool: { dir: join(dir, 'spool') } },
      server: { host: '127.0.0.1', port: httpPort },
      state: { dir: join(dir, 'state') },
      ...opts.settings,
    }),
  );
  return topology.links.map((l) => l.id);
}

function startCli(args: string[], logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  return spawn(process.execPath, [cli, ...args], {
    cwd: repoRoot,
    stdio: ['ignore', out, out],
    env: { ...process.env, LOG_LEVEL: 'info', PORT: '' },
  });
}

interface Health {
  status: string;
  collector: { devices: number; devicesUp: number } | null;
}

export async function getJson<T>(url: string, cookie?: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3_000), ...(cookie !== undefined ? { headers: { cookie } } : {}) });
  return (await res.json()) as T;
}

/** A Chromium context already signed in as `username` (the session cookie set directly). */
export async function signedInContext(
  browser: Browser,
  system: Pick<SystemHandle, 'url' | 'login'>,
  username: string,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  const context = await browser.newContext(options);
  const [name, ...value] = (await system.login(username)).split('=');
  await context.addCookies([{ name: name!, value: value.join('='), url: system.url, httpOnly: true, sameSite: 'Strict' }]);
  return context;
}

/**
 * A page in a new Chromium context signed in as `username` (1400 × 1000 unless `viewport` says
 * otherwise), with the page's uncaught script errors collected in `errors` (a new list unless given).
 */
export async function signedInPage(
  browser: Browser,
  system: Pick<SystemHandle, 'url' | 'login'>,
  username: string,
  options: { viewport?: { width: number; height: number }; errors?: string[] } = {},
): Promise<{ page: Page; errors: string[] }> {
  const context = await signedInContext(browser, system, username, { viewport: options.viewport ?? { width: 1400, height: 1000 } });
  const page = await context.newPage();
  const errors = options.errors ?? [];
  page.on('pageerror', (err) => errors.push(err.message));
  return { page, errors };
}

/** Ends a test's page: closes its browser context; the page must have thrown no uncaught script error. */
export async function closeCleanly(page: Page, errors: readonly string[]): Promise<void> {
  await page.context().close();
  expect(errors).toEqual([]);
}

/** Switches the UI's language with its switch, and waits until the page and its menu speak it. */
export async function switchLanguage(page: Page, lang: 'vi' | 'en'): Promise<void> {
  await page.locator(`[data-testid="lang-${lang}"]`).click();
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lang);
  await expect.poll(() => page.locator('nav').first().textContent()).toContain(lang === 'en' ? 'Alerts' : 'Cảnh báo');
}

export interface SystemInChromium {
  readonly system: SystemHandle;
  readonly browser: Browser;
}

/**
 * For an end-to-end test file: the whole system (`startSystem`) and Debian's Chromium, started
 * before its tests (then `prepare`, e.g. history written into the system's InfluxDB) and
 * stopped after them.
 */
export function systemInChromium(options: SystemOptions & { prepare?: (system: SystemHandle) => Promise<void>; startTimeoutMs?: number } = {}): SystemInChromium {
  let system: SystemHandle | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    system = await startSystem(options);
    await options.prepare?.(system);
    browser = await launchChromium();
  }, options.startTimeoutMs ?? 90_000);
  afterAll(async () => {
    await browser?.close();
    await system?.stop();
  });
  const started = <T>(what: string, value: T | undefined): T => {
    if (value === undefined) throw new Error(`${what} is not started: its beforeAll failed`);
    return value;
  };
  return {
    get system() {
      return started('the system', system);
    },
    get browser() {
      return started('Chromium', browser);
    },
  };
}

/** Creates the test users in a config directory's state dir, as `lanewatch user` would. */
export async function addSystemUsers(configDir: string): Promise<void> {
  const config = loadConfig(configDir);
  const users = await UserStore.open({ dir: authDir(config.settings.state.dir) });
  await addTestUsers({ users }, config);
}

/** Signs in to a running server; the session cookie (`name=value`). */
export async function loginTo(url: string, username: string, password = testPassword): Promise<string> {
  const res = await fetch(`${url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ username, password }),
    signal: AbortSignal.timeout(5_000),
  });
  if (res.status !== 200) throw new Error(`login as ${username}: ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')?.split(';')[0];
  if (cookie === undefined) throw new Error(`login as ${username}: no session cookie`);
  return cookie;
}

export async function startSystem(opts: SystemOptions = {}): Promise<SystemHandle> {
  const intervalMs = opts.intervalMs ?? 1_000;
  const influx = await startInfluxd();
  const configDir = mkdtempSync(join(tmpdir(), 'lanewatch-system-'));
  const httpPort = await freeTcpPort();
  const linkIds = await writeTestConfig(configDir, influx.url, intervalMs, httpPort, opts);
  await addSystemUsers(configDir);
  const simulatorLog = join(configDir, 'simulate.log');
  const appLog = join(configDir, 'run.log');
  const simulateArgs = ['simulate', '--config', configDir];
  if (opts.scenario !== undefined) {
    writeFileSync(join(configDir, 'scenario.yaml'), opts.scenario);
    simulateArgs.push('--scenario', join(configDir, 'scenario.yaml'));
  }
  const simulator = startCli(simulateArgs, simulatorLog);
  const app = startCli(['run', '--config', configDir], appLog);
  const url = `http://127.0.0.1:${httpPort}`;
  const logOf = (file: string): string => (existsSync(file) ? readFileSync(file, 'utf8') : '');
  const logs = () => `== lanewatch simulate ==\n${logOf(simulatorLog)}\n== lanewatch run ==\n${logOf(appLog)}`;
  const stop = async () => {
    await stopChild(app);
    await stopChild(simulator);
    await influx.destroy();
    rmSync(configDir, { recursive: true, force: true });
  };
  // Each process's own last lines: one that exited early is not hidden by the other's logging.
  const logTail = () => `== lanewatch simulate ==\n${logOf(simulatorLog).slice(-2_000)}\n== lanewatch run ==\n${logOf(appLog).slice(-2_000)}`;
  const waitFor = <T>(what: string, probe: () => Promise<T | undefined>, options: Omit<WaitOptions, 'context'> = {}): Promise<T> =>
    waitForValue(what, probe, { ...options, context: logTail });
  // Ready when every simulated router answers the collector.
  try {
    await waitFor(
      'the system to become healthy (every simulated router up)',
      async () => {
        const health = await getJson<Health>(`${url}/api/v1/health`);
        const { collector } = health;
        return collector && collector.devices > 0 && collector.devicesUp === collector.devices ? health : undefined;
      },
      {
        timeoutMs: 40_000,
        intervalMs: 200,
        failIf: () => (app.exitCode !== null ? 'lanewatch run exited' : simulator.exitCode !== null ? 'lanewatch simulate exited' : undefined),
      },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  const cookies = new Map<string, string>();
  const login = async (username: string) => {
    let cookie = cookies.get(username);
    if (cookie === undefined) {
      cookie = await loginTo(url, username);
      cookies.set(username, cookie);
    }
    return cookie;
  };
  const fetchAs = async (username: string, path: string, init: RequestInit = {}) => {
    const cookie = await login(username);
    const headers = new Headers(init.headers);
    headers.set('cookie', cookie);
    headers.set('origin', url);
    return fetch(`${url}${path}`, { signal: AbortSignal.timeout(5_000), ...init, headers });
  };
  const getAs = async <T>(path: string, username = 'admin'): Promise<T> => {
    const res = await fetchAs(username, path);
    if (!res.ok) throw new Error(`GET ${path} as ${username}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  };
  return { url, influx, configDir, intervalMs, linkIds, password: testPassword, login, fetchAs, getAs, logs, waitFor, stop };
}
