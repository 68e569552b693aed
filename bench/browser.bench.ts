// `npm run bench:browser`: the web UI at national size in Chromium. The whole server (buildApp
// with its analyzer, a real influxd for history) runs the national example (config/national:
// 3,357 routers, 34 tier-1 and 3,321 commune links) and gets the collector's cadence on its live
// bus from a synthetic feed (bench/browser-feed.ts: every router's batch once per 10 s interval,
// at its own moment in it: 33,550 samples per interval, which the server coalesces into about
// ten WebSocket messages a second, server.liveCoalesceMs).
//
// Measured in the page (an init script; nothing in the UI is changed for it):
//   1. Frames while live, on the national page and on Hà Nội's province page (127 links):
//      requestAnimationFrame deltas (p50, p95, p99, max; frames over 16.7 and 33.4 ms), long
//      tasks (PerformanceObserver 'longtask') and long animation frames, and the script time of
//      each live message (its handler and the microtasks after it: parse, store, Svelte's
//      updates), over BENCH_SECONDS. The same page with no feed gives the machine's own floor.
//   2. Time per live message against its size: messages of k links (both directions, class
//      total and four classes: 10 samples a link), one at a time, each timed from its handler
//      to the end of its microtasks plus a forced layout; the median of BENCH_REPEATS per k,
//      and its ratio to the one-link message. National page: k links spread over the whole
//      country; province page: k of Hà Nội's own links (each a row on screen).
//
// Environment: BENCH_SECONDS per live phase (default 60), BENCH_REPEATS per message size
// (default 15), BENCH_WEB a built UI to measure (default: the working tree's, built into a
// temporary directory), BENCH_BASELINE_WEB another build measured the same way in the same run
// (e.g. the UI before a change), BENCH_ONLY=frames|sizes to run one part.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../config/load.ts';
import type { LanewatchConfig } from '../config/schema.ts';
import { createInfluxClient } from '../collector/store/influx-client.ts';
import { startInfluxd, type InfluxdHandle } from '../tests/helpers/influxd.ts';
import { startTestApp, type TestApp } from '../tests/helpers/app.ts';
import { signedInContext } from '../tests/helpers/system.ts';
import { launchChromium } from '../tests/helpers/browser.ts';
import { batchOf, FeedPlayer, routerFeeds, type LinkEnd, type RouterFeed } from './browser-feed.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const repeats = Number(process.env.BENCH_REPEATS ?? 15);
const only = process.env.BENCH_ONLY;
const repoRoot = fileURLToPath(new URL('../', import.meta.url));
const nationalDir = join(repoRoot, 'config/national');
const frameBudgetMs = 1_000 / 60;

/** What the init script keeps in the page. */
interface PageRecord {
  frames: number[];
  longTasks: number[];
  longFrames: number[];
  messages: { bytes: number; scriptMs: number; layoutMs: number }[];
}

/**
 * Installed before the app's own scripts (plain JavaScript: it runs in the page as written): a
 * requestAnimationFrame loop recording frame deltas, observers of long tasks and long animation
 * frames, and a WebSocket whose `onmessage` handler is timed (the handler, then the microtasks
 * queued by it: Svelte's updates; with `forceLayout`, then a forced style and layout).
 */
const instrument = `
(() => {
  const record = { frames: [], longTasks: [], longFrames: [], messages: [], forceLayout: false };
  window.lanewatchBench = record;
  let last;
  const loop = (time) => {
    if (last !== undefined) record.frames.push(time - last);
    last = time;
    requestAnimationFrame(loop);
  };
  requestAnimationFrame(loop);
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) record.longTasks.push(entry.duration);
  }).observe({ type: 'longtask', buffered: true });
  try {
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) record.longFrames.push(entry.duration);
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch {}
  const Native = window.WebSocket;
  class TimedWebSocket extends Native {
    set onmessage(handler) {
      if (handler === null) {
        super.onmessage = null;
        return;
      }
      super.onmessage = (event) => {
        const startMs = performance.now();
        handler.call(this, event);
        const bytes = typeof event.data === 'string' ? event.data.length : 0;
        queueMicrotask(() => queueMicrotask(() => {
          const scriptMs = performance.now() - startMs;
          let layoutMs = 0;
          if (record.forceLayout) {
            const before = performance.now();
            void document.body.offsetHeight;
            layoutMs = performance.now() - before;
          }
          record.messages.push({ bytes, scriptMs, layoutMs });
        }));
      };
    }
    get onmessage() {
      return super.onmessage;
    }
  }
  window.WebSocket = TimedWebSocket;
})();
`;

/** The value at quantile q (0..1) of `values` (nearest rank); NaN when empty. */
function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

const ms = (value: number): string => (Number.isFinite(value) ? value.toFixed(1) : '–');

async function takeRecord(page: Page, reset = true): Promise<PageRecord> {
  return page.evaluate((clear) => {
    const record = (window as unknown as { lanewatchBench: PageRecord }).lanewatchBench;
    const copy = { frames: [...record.frames], longTasks: [...record.longTasks], longFrames: [...record.longFrames], messages: [...record.messages] };
    if (clear) {
      record.frames.length = 0;
      record.longTasks.length = 0;
      record.longFrames.length = 0;
      record.messages.length = 0;
    }
    return copy;
  }, reset);
}

async function setForceLayout(page: Page, on: boolean): Promise<void> {
  await page.evaluate((value) => {
    (window as unknown as { lanewatchBench: { forceLayout: boolean } }).lanewatchBench.forceLayout = value;
  }, on);
}

interface FrameReport {
  label: string;
  seconds: number;
  frames: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  over16: number;
  over33: number;
  longTasks: number;
  longTaskMs: number;
  longTaskMaxMs: number;
  longFrames: number;
  messages: number;
  messageP50: number;
  messageP95: number;
  messageMax: number;
  /** Share of the main thread spent on live messages. */
  messageShare: number;
}

function frameReport(label: string, record: PageRecord, elapsedS: number): FrameReport {
  const scripts = record.messages.map((message) => message.scriptMs);
  return {
    label,
    seconds: elapsedS,
    frames: record.frames.length,
    p50: quantile(record.frames, 0.5),
    p95: quantile(record.frames, 0.95),
    p99: quantile(record.frames, 0.99),
    max: Math.max(...record.frames),
    over16: record.frames.filter((delta) => delta > frameBudgetMs * 1.5).length,
    over33: record.frames.filter((delta) => delta > 2 * frameBudgetMs * 1.5).length,
    longTasks: record.longTasks.length,
    longTaskMs: sum(record.longTasks),
    longTaskMaxMs: record.longTasks.length > 0 ? Math.max(...record.longTasks) : 0,
    longFrames: record.longFrames.length,
    messages: record.messages.length,
    messageP50: quantile(scripts, 0.5),
    messageP95: quantile(scripts, 0.95),
    messageMax: scripts.length > 0 ? Math.max(...scripts) : 0,
    messageShare: sum(scripts) / (elapsedS * 1_000),
  };
}

function printFrames(reports: readonly FrameReport[]): void {
  console.log('\n| page | frames | frame p50 / p95 / p99 / max (ms) | frames missed (>25 ms / >50 ms) | long tasks (n, total, max ms) | long anim. frames | live msgs | script per msg p50 / p95 / max (ms) | main thread on msgs |');
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of reports) {
    console.log(
      `| ${r.label} | ${r.frames} in ${r.seconds.toFixed(0)} s | ${ms(r.p50)} / ${ms(r.p95)} / ${ms(r.p99)} / ${ms(r.max)} | ${r.over16} / ${r.over33} | ${r.longTasks}, ${ms(r.longTaskMs)}, ${ms(r.longTaskMaxMs)} | ${r.longFrames} | ${r.messages} | ${ms(r.messageP50)} / ${ms(r.messageP95)} / ${ms(r.messageMax)} | ${(100 * r.messageShare).toFixed(1)} % |`,
    );
  }
}

interface SizeReport {
  label: string;
  links: number;
  samples: number;
  bytes: number;
  scriptMs: number;
  layoutMs: number;
}

function printSizes(reports: readonly SizeReport[]): void {
  console.log('\n| page | links in message | samples | bytes | script (median ms) | layout (median ms) | script ÷ 1-link | µs per link |');
  console.log('|---|---|---|---|---|---|---|---|');
  const firstByLabel = new Map<string, number>();
  for (const r of reports) {
    if (!firstByLabel.has(r.label)) firstByLabel.set(r.label, r.scriptMs);
    const first = firstByLabel.get(r.label) ?? r.scriptMs;
    console.log(
      `| ${r.label} | ${r.links} | ${r.samples} | ${r.bytes} | ${r.scriptMs.toFixed(2)} | ${r.layoutMs.toFixed(2)} | ${(r.scriptMs / first).toFixed(1)}× | ${((1_000 * r.scriptMs) / r.links).toFixed(0)} |`,
    );
  }
}

/** The UI of the working tree, built by Vite into a temporary directory. */
function buildWorkingTree(): string {
  const outDir = mkdtempSync(join(tmpdir(), 'lanewatch-bench-web-'));
  const vite = join(repoRoot, 'node_modules/vite/bin/vite.js');
  const built = spawnSync(process.execPath, [vite, 'build', '--config', 'web/vite.config.ts', '--outDir', outDir, '--emptyOutDir'], {
    cwd: repoRoot,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (built.status !== 0) throw new Error(`vite build into ${outDir} failed (${built.status})`);
  return outDir;
}

interface Run {
  t: TestApp;
  url: string;
  feeds: RouterFeed[];
  intervalMs: number;
  /** Sample times continue from here (a late sample never replaces a newer one). */
  clockMs: number;
}

async function startServer(config: LanewatchConfig, influx: InfluxdHandle, webDir: string): Promise<Run> {
  const database = config.settings.influx.database;
  const t = await startTestApp({ config, influx: createInfluxClient({ url: influx.url, database }), webDir });
  await t.app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const feeds = routerFeeds(config.topology);
  const intervalMs = config.settings.collector.intervalMs;
  // Three rounds first: the snapshot pages open with, and the analyzer's warnings raised.
  const warmUp = new FeedPlayer({ bus: t.bus, feeds, intervalMs });
  const nowMs = Date.now();
  for (const round of [0, 1, 2]) warmUp.publishRound(nowMs + (round - 2) * intervalMs, round);
  return { t, url, feeds, intervalMs, clockMs: nowMs };
}

async function openPage(browser: Browser, run: Run, path: string): Promise<Page> {
  const context = await signedInContext(browser, { url: run.url, login: (user) => run.t.login(user) }, 'viewer', {
    viewport: { width: 1400, height: 1000 },
  });
  await context.addInitScript({ content: instrument });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`page error: ${err.message}`));
  await page.goto(`${run.url}/${path}`);
  await page.locator('[data-testid="conn"][data-state="open"]').waitFor({ timeout: 30_000 });
  await page.waitForTimeout(3_000);
  return page;
}

/** Frames over `seconds` of the national feed (or none, for the floor). */
async function measureFrames(run: Run, page: Page, label: string, feed: boolean): Promise<FrameReport> {
  await takeRecord(page);
  const shiftMs = run.clockMs + run.intervalMs - Date.now();
  const player = new FeedPlayer({ bus: run.t.bus, feeds: run.feeds, intervalMs: run.intervalMs, now: () => Date.now() + shiftMs });
  const startedMs = Date.now();
  if (feed) player.start(3);
  await page.waitForTimeout(seconds * 1_000);
  player.stop();
  const elapsedS = (Date.now() - startedMs) / 1_000;
  run.clockMs = Date.now() + shiftMs;
  return frameReport(label, await takeRecord(page), elapsedS);
}

/** Sends messages of each size one at a time and times each in the page. */
async function measureSizes(run: Run, page: Page, label: string, sizes: readonly { links: number; ends: LinkEnd[] }[]): Promise<SizeReport[]> {
  await setForceLayout(page, true);
  await page.waitForTimeout(1_000);
  await takeRecord(page);
  const reports: SizeReport[] = [];
  for (const size of sizes) {
    const scripts: number[] = [];
    const layouts: number[] = [];
    let bytes = 0;
    for (let repeat = 0; repeat < repeats; repeat += 1) {
      run.clockMs += 100;
      const batch = batchOf('bench', '', size.ends, run.clockMs, run.intervalMs, 4 + repeat);
      // The text the server sends for it (its filter lets every one of these samples through):
      // how the page's record of it is told from a states message the same batch may cause.
      const expectedBytes = JSON.stringify({ type: 'samples', samples: batch.links }).length;
      run.t.bus.publish(batch);
      const deadline = Date.now() + 10_000;
      let message: PageRecord['messages'][number] | undefined;
      while (message === undefined && Date.now() < deadline) {
        await page.waitForTimeout(20);
        message = (await takeRecord(page, false)).messages.find((candidate) => candidate.bytes === expectedBytes);
      }
      if (message === undefined) throw new Error(`${label}: the page did not get the message of ${size.links} links within 10 s`);
      // Let it draw before the next one.
      await page.waitForTimeout(120);
      await takeRecord(page);
      scripts.push(message.scriptMs);
      layouts.push(message.layoutMs);
      bytes = expectedBytes;
    }
    reports.push({ label, links: size.links, samples: size.ends.length * 5, bytes, scriptMs: quantile(scripts, 0.5), layoutMs: quantile(layouts, 0.5) });
  }
  await setForceLayout(page, false);
  return reports;
}

/** k links spread evenly over `links` (the middle of each stride), each with every end the feed has for it. */
function messageOf(feeds: readonly RouterFeed[], links: readonly string[], k: number): { links: number; ends: LinkEnd[] } {
  const stride = links.length / k;
  const chosen = new Set(Array.from({ length: k }, (_, i) => links[Math.floor((i + 0.5) * stride)] ?? ''));
  return { links: chosen.size, ends: feeds.flatMap((feed) => feed.ends).filter((end) => chosen.has(end.link)) };
}

async function measureBuild(browser: Browser, influx: InfluxdHandle, config: LanewatchConfig, label: string, webDir: string): Promise<{ frames: FrameReport[]; sizes: SizeReport[] }> {
  const run = await startServer(config, influx, webDir);
  const frames: FrameReport[] = [];
  const sizes: SizeReport[] = [];
  try {
    const allLinks = config.topology.links.map((link) => link.id);
    const haNoi = config.topology.links.filter((link) => link.province === 'ha-noi').map((link) => link.id);
    const national = await openPage(browser, run, '#/');
    if (only !== 'sizes') {
      frames.push(await measureFrames(run, national, `${label}: national, no feed (floor)`, false));
      frames.push(await measureFrames(run, national, `${label}: national, live`, true));
    }
    if (only !== 'frames') {
      const nationalSizes = [1, 10, 100, 1_000, allLinks.length].map((k) => messageOf(run.feeds, allLinks, k));
      sizes.push(...(await measureSizes(run, national, `${label}: national`, nationalSizes)));
    }
    await national.context().close();
    const province = await openPage(browser, run, '#/province/ha-noi');
    if (only !== 'sizes') frames.push(await measureFrames(run, province, `${label}: Hà Nội (127 links), live`, true));
    if (only !== 'frames') {
      const provinceSizes = [1, 3, 10, 30, haNoi.length].map((k) => messageOf(run.feeds, haNoi, k));
      sizes.push(...(await measureSizes(run, province, `${label}: Hà Nội`, provinceSizes)));
    }
    await province.context().close();
  } finally {
    await run.t.close();
  }
  return { frames, sizes };
}

async function main(): Promise<void> {
  const builds: { label: string; dir: string; temporary: boolean }[] = [];
  const web = process.env.BENCH_WEB;
  builds.push(web === undefined ? { label: 'this tree', dir: buildWorkingTree(), temporary: true } : { label: 'BENCH_WEB', dir: web, temporary: false });
  const baseline = process.env.BENCH_BASELINE_WEB;
  if (baseline !== undefined) builds.push({ label: 'baseline', dir: baseline, temporary: false });

  const loaded = loadConfig(nationalDir);
  const influx = await startInfluxd();
  const config: LanewatchConfig = {
    ...loaded,
    settings: {
      ...loaded.settings,
      influx: { ...loaded.settings.influx, url: influx.url },
    },
  };
  await createInfluxClient({ url: influx.url, database: config.settings.influx.database }).createDatabase(config.settings.influx.database);
  const browser = await launchChromium();
  const loadBefore = loadavg();
  const startedAt = new Date();
  const frames: FrameReport[] = [];
  const sizes: SizeReport[] = [];
  try {
    for (const build of builds) {
      const result = await measureBuild(browser, influx, config, build.label, build.dir);
      frames.push(...result.frames);
      sizes.push(...result.sizes);
    }
  } finally {
    await browser.close();
    await influx.destroy();
    for (const build of builds) if (build.temporary) rmSync(build.dir, { recursive: true, force: true });
  }
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `\nbench:browser ${startedAt.toISOString()} · ${cpus().length} × ${cpu} · Node ${process.version} · Chromium (headless, software rendering) · load average ${loadBefore.map((l) => l.toFixed(1)).join(' ')} → ${loadavg().map((l) => l.toFixed(1)).join(' ')}`,
  );
  console.log(`national feed: ${loaded.topology.routers.length} routers, ${loaded.topology.links.length} links, a batch per router every ${config.settings.collector.intervalMs / 1_000} s; ${seconds} s per live phase, ${repeats} messages per size`);
  if (frames.length > 0) printFrames(frames);
  if (sizes.length > 0) printSizes(sizes);
}

await main();
