// Metrics: the strict Prometheus text parser the tests rely on (it accepts what prom-client
// writes and refuses each breach of the format), the pure rules behind GET /metrics (address
// lists, who may read), and each component's metrics on an isolated registry.
import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Counter, Gauge, Histogram, Registry, Summary, collectDefaultMetrics } from 'prom-client';
import { parsePrometheusText, sampleValue, sumOf } from '../helpers/prometheus-text.ts';
import { parseAddressOrSubnet, settingsSchema } from '../../config/schema.ts';
import { AddressAllowList, metricsAccess } from '../../server/metrics/access.ts';
import { createMetricsRegistry } from '../../server/metrics/registry.ts';
import { EVENT_LOOP_SAMPLE_MS, delaySeconds, eventLoopGaugeNames } from '../../server/metrics/event-loop.ts';
import { CollectorMetrics, countsAsDropped, pollErrorKindOf, type DropReason } from '../../collector/metrics.ts';
import { StoreMetrics, lostPointsByReason } from '../../collector/store/metrics.ts';
import type { StoreHealth } from '../../collector/store/influx-store.ts';
import { openEpisodeCounts, registerAlertMetrics } from '../../server/alerts/metrics.ts';
import { LiveMetrics } from '../../server/live/metrics.ts';
import { frameOf } from '../../server/live/connection.ts';
import { Scheduler, type PollResult } from '../../collector/scheduler.ts';
import type { Role } from '../../api/access.ts';
import type { AlertLevel, EpisodeState } from '../../api/schemas.ts';
import { useFakeClock } from '../helpers/fake-clock.ts';

async function scrape(registry: Registry) {
  return parsePrometheusText(await registry.metrics());
}

describe('parsePrometheusText', () => {
  it("accepts prom-client's exposition of every metric type, escapes and the process metrics", async () => {
    const registry = new Registry();
    new Counter({ name: 'c_total', help: 'a counter', labelNames: ['k'], registers: [registry] }).inc({ k: 'say "hi"\\ \n next' }, 2);
    const h = new Histogram({ name: 'h_seconds', help: 'a histogram', labelNames: ['r'], buckets: [0.1, 1], registers: [registry] });
    h.observe({ r: 'a' }, 0.05);
    h.observe({ r: 'a' }, 0.5);
    h.observe({ r: 'b' }, 5);
    new Summary({ name: 's_bytes', help: 'a summary', registers: [registry] }).observe(3);
    new Gauge({ name: 'g', help: 'a gauge', registers: [registry] }).set(-1.5);
    collectDefaultMetrics({ register: registry });
    const families = await scrape(registry);
    expect(families.get('c_total')?.type).toBe('counter');
    expect(sampleValue(families, 'c_total', { k: 'say "hi"\\ \n next' })).toBe(2);
    expect(sampleValue(families, 'h_seconds_bucket', { r: 'a', le: '0.1' })).toBe(1);
    expect(sampleValue(families, 'h_seconds_bucket', { r: 'a', le: '+Inf' })).toBe(2);
    expect(sampleValue(families, 'h_seconds_count', { r: 'b' })).toBe(1);
    expect(sampleValue(families, 's_bytes_count')).toBe(1);
    expect(sampleValue(families, 'g')).toBe(-1.5);
    expect(families.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(families.get('nodejs_eventloop_lag_seconds')?.type).toBe('gauge');
  });

  const good = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 3\n';
  const histogram = (lines: string[]) => `# TYPE h histogram\n${lines.join('\n')}\n`;
  it.each([
    ['no trailing newline', good.slice(0, -1), 'does not end with a newline'],
    ['a bad metric name', '1x 3\n', 'bad metric name'],
    ['a line that is no sample', '{a="1"} 3\n', 'expected a sample'],
    ['a bad name in TYPE', '# TYPE 1x counter\n', 'bad metric name'],
    ['an unknown type', '# TYPE x widget\n', 'unknown type'],
    ['a value missing', 'x{a="1"}\n', 'expected " value'],
    ['a value that is not a number', 'x 3a\n', 'bad value'],
    ['an unquoted label value', 'x{a=1} 3\n', 'not quoted'],
    ['an unclosed label value', 'x{a="1} 3\n', 'not closed'],
    ['a bad escape', 'x{a="\\t"} 3\n', 'bad escape'],
    ['a bad label name', 'x{1a="1"} 3\n', 'bad label name'],
    ['a label twice', 'x{a="1",a="2"} 3\n', 'twice'],
    ['no separator between labels', 'x{a="1" b="2"} 3\n', 'expected "," or "}"'],
    ['a bad timestamp', 'x 3 soon\n', 'bad timestamp'],
    ['TYPE twice', '# TYPE x gauge\n# TYPE x gauge\n', 'second TYPE'],
    ['HELP twice', '# HELP x a\n# HELP x b\n', 'second HELP'],
    ['TYPE after the samples', 'x 1\n# TYPE x gauge\n', 'after its samples'],
    ['a series twice', '# TYPE x gauge\nx{a="1"} 1\nx{a="1"} 2\n', 'twice'],
    ['families interleaved', '# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx{a="2"} 1\n', 'not together'],
    ['a negative counter', '# TYPE x_total counter\nx_total -1\n', 'counter x_total is -1'],
    ['buckets going down', histogram(['h_bucket{le="1"} 5', 'h_bucket{le="2"} 4', 'h_bucket{le="+Inf"} 5', 'h_sum 1', 'h_count 5']), 'below the previous'],
    ['le not ascending', histogram(['h_bucket{le="2"} 1', 'h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 1', 'h_sum 1', 'h_count 1']), 'not above'],
    ['no +Inf bucket', histogram(['h_bucket{le="1"} 1', 'h_sum 1', 'h_count 1']), 'without a +Inf bucket'],
    ['count differs from +Inf', histogram(['h_bucket{le="1"} 1', 'h_bucket{le="+Inf"} 2', 'h_sum 1', 'h_count 3']), 'differs from the +Inf bucket'],
    ['no _count', histogram(['h_bucket{le="+Inf"} 2', 'h_sum 1']), 'without _count'],
    ['no _sum', histogram(['h_bucket{le="+Inf"} 2', 'h_count 2']), 'without _sum'],
    ['a bucket without le', histogram(['h_bucket 2', 'h_sum 1', 'h_count 2']), 'without "le"'],
  ])('refuses %s', (_name, text, message) => {
    expect(() => parsePrometheusText(text)).toThrow(message);
  });

  it('accepts comments, blank lines, NaN and ±Inf (any case, as Go parses floats), exponents and timestamps', () => {
    const families = parsePrometheusText('# a comment\n\n# TYPE g gauge\ng{a="1"} NaN\ng{a="2"} +Inf\ng{a="3"} -Inf\ng{a="4"} 1.5e-3 1700000000000\ng{a="5"} Nan\n');
    expect(sampleValue(families, 'g', { a: '5' })).toBeNaN();
    expect(sampleValue(families, 'g', { a: '4' })).toBe(0.0015);
    expect(sampleValue(families, 'g', { a: '2' })).toBe(Number.POSITIVE_INFINITY);
    expect(sumOf(families, 'g', { a: '3' })).toBe(Number.NEGATIVE_INFINITY);
  });
});

describe('parseAddressOrSubnet', () => {
  it.each([
    ['127.0.0.1', { address: '127.0.0.1', family: 4 }],
    ['::1', { address: '::1', family: 6 }],
    ['10.20.0.0/16', { address: '10.20.0.0', family: 4, prefixBits: 16 }],
    ['0.0.0.0/0', { address: '0.0.0.0', family: 4, prefixBits: 0 }],
    ['fd00::/8', { address: 'fd00::', family: 6, prefixBits: 8 }],
    ['10.0.0.0/33', undefined],
    ['fd00::/129', undefined],
    ['10.0.0.0/', undefined],
    ['10.0.0.0/8/8', undefined],
    ['10.0.0.0/x', undefined],
    ['localhost', undefined],
    ['', undefined],
    ['300.1.1.1', undefined],
  ])('%j → %j', (text, parsed) => expect(parseAddressOrSubnet(text)).toEqual(parsed));
});

describe('settings.metrics', () => {
  it('defaults allowFrom to loopback', () => {
    expect(settingsSchema.parse({}).metrics.allowFrom).toEqual(['127.0.0.1', '::1']);
  });

  it('refuses an entry that is neither an address nor a subnet, naming its key', () => {
    const result = settingsSchema.safeParse({ metrics: { allowFrom: ['10.20.0.5', 'prometheus.local'] } });
    expect(result.success).toBe(false);
    expect(result.error?.issues).toEqual([
      expect.objectContaining({ path: ['metrics', 'allowFrom', 1], message: expect.stringContaining('expected an IP address or a CIDR subnet') }),
    ]);
  });
});

describe('AddressAllowList', () => {
  const list = new AddressAllowList(['127.0.0.1', '::1', '10.20.0.0/16', 'fd00::/8']);
  it.each([
    ['127.0.0.1', true],
    ['::1', true],
    ['0:0:0:0:0:0:0:1', true],
    ['::ffff:127.0.0.1', true],
    ['10.20.255.1', true],
    ['10.21.0.1', false],
    ['10.0.0.9', false],
    ['127.0.0.2', false],
    ['fd12::3', true],
    ['fe80::1', false],
    ['', false],
    ['not-an-address', false],
  ])('%j → %s', (address, allowed) => expect(list.has(address)).toBe(allowed));

  it('names the entry it cannot read', () => {
    expect(() => new AddressAllowList(['127.0.0.1', '10.0.0.0/']) ).toThrow('metrics.allowFrom: "10.0.0.0/" is not an IP address or a CIDR subnet');
  });
});

describe('metricsAccess', () => {
  const allowList = new AddressAllowList(['127.0.0.1']);
  it.each<[Role | undefined, string, 'address' | 'role']>([
    [undefined, '127.0.0.1', 'address'],
    ['viewer', '10.0.0.9', 'role'],
    ['engineer', '10.0.0.9', 'role'],
    ['admin', '10.0.0.9', 'role'],
    ['province', '127.0.0.1', 'address'],
  ])('role %s from %s → allowed by %s', (role, address, by) => {
    expect(metricsAccess({ role, address, allowList })).toEqual({ allowed: true, by });
  });

  it.each<[Role | undefined, string]>([
    [undefined, '10.0.0.9'],
    ['province', '10.0.0.9'],
  ])('role %s from %s → refused, naming metrics.allowFrom and the address', (role, address) => {
    const access = metricsAccess({ role, address, allowList });
    expect(access).toEqual({ allowed: false, message: expect.stringContaining('metrics.allowFrom') });
    expect(access).toEqual({ allowed: false, message: expect.stringContaining(address) });
  });
});

describe('collector metrics, pure parts', () => {
  it.each([
    [{ ok: true }, undefined],
    [{ ok: false, errorKind: 'timeout' as const }, 'timeout'],
    [{ ok: false, errorKind: 'auth' as const }, 'auth'],
    [{ ok: false }, 'internal'],
  ])('pollErrorKindOf(%j) → %s', (outcome, kind) => expect(pollErrorKindOf(outcome)).toBe(kind));

  it.each<[DropReason, boolean]>([
    ['first-reading', false],
    ['reboot', true],
    ['counter-went-back', true],
    ['gap-too-long', true],
    ['over-capacity', true],
    ['not-finite', true],
    ['counter32-unverified', true],
  ])('countsAsDropped(%s) → %s', (reason, counted) => expect(countsAsDropped(reason)).toBe(counted));
});

describe('CollectorMetrics', () => {
  it('counts polls, errors by kind, durations and dropped samples; reads the gauges at scrape time', async () => {
    const registry = new Registry();
    let inFlight = 2;
    const metrics = new CollectorMetrics(registry, {
      devicesByState: () => ({ unknown: 1, up: 5, down: 2 }),
      pollsInFlight: () => inFlight,
      pollsWaiting: () => 7,
    });
    metrics.pollDone({ ok: true }, 40);
    metrics.pollDone({ ok: false, errorKind: 'timeout' }, 1_600);
    metrics.pollDone({ ok: false }, 3);
    metrics.sampleDropped('first-reading', 'interface');
    metrics.sampleDropped('reboot', 'interface');
    metrics.sampleDropped('reboot', 'interface');
    metrics.sampleDropped('over-capacity', 'class');
    metrics.tickSkipped('busy');
    metrics.pollLate();
    let families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_collector_polls_total')).toBe(3);
    expect(sampleValue(families, 'lanewatch_collector_poll_errors_total', { kind: 'timeout' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_poll_errors_total', { kind: 'internal' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_poll_errors_total', { kind: 'auth' })).toBe(0);
    expect(sampleValue(families, 'lanewatch_collector_poll_duration_seconds_count', { result: 'ok' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_poll_duration_seconds_count', { result: 'error' })).toBe(2);
    expect(sampleValue(families, 'lanewatch_collector_poll_duration_seconds_bucket', { result: 'error', le: '0.005' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_poll_duration_seconds_bucket', { result: 'error', le: '1' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_poll_duration_seconds_bucket', { result: 'error', le: '2.5' })).toBe(2);
    expect(sampleValue(families, 'lanewatch_collector_samples_dropped_total', { reason: 'reboot', counters: 'interface' })).toBe(2);
    expect(sampleValue(families, 'lanewatch_collector_samples_dropped_total', { reason: 'over-capacity', counters: 'class' })).toBe(1);
    expect(sumOf(families, 'lanewatch_collector_samples_dropped_total', { reason: 'first-reading' })).toBe(0);
    expect(sampleValue(families, 'lanewatch_collector_ticks_skipped_total', { reason: 'busy' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_ticks_skipped_total', { reason: 'backoff' })).toBe(0);
    expect(sampleValue(families, 'lanewatch_collector_polls_late_total')).toBe(1);
    expect(sampleValue(families, 'lanewatch_collector_devices', { state: 'up' })).toBe(5);
    expect(sampleValue(families, 'lanewatch_collector_devices', { state: 'down' })).toBe(2);
    expect(sampleValue(families, 'lanewatch_collector_polls_waiting')).toBe(7);
    expect(sampleValue(families, 'lanewatch_collector_polls_in_flight')).toBe(2);
    inFlight = 0;
    families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_collector_polls_in_flight')).toBe(0);
  });

  it('without a registry registers nothing in the global one', async () => {
    const { register } = await import('prom-client');
    new CollectorMetrics(undefined, { devicesByState: () => ({ unknown: 0, up: 0, down: 0 }), pollsInFlight: () => 0, pollsWaiting: () => 0 });
    new LiveMetrics();
    new StoreMetrics(undefined, { health: () => storeHealth({}), rejectedPoints: () => 0, noSpoolLostPoints: () => 0 });
    registerAlertMetrics(undefined, () => []);
    expect(await register.metrics()).not.toContain('lanewatch_');
  });
});

describe('Scheduler with CollectorMetrics', () => {
  useFakeClock();

  it('counts ticks skipped while a poll still runs and ticks passed over while a device is down', async () => {
    const registry = new Registry();
    let scheduler: Scheduler | undefined;
    const metrics = new CollectorMetrics(registry, {
      devicesByState: () => ({ unknown: 0, up: 0, down: 0 }),
      pollsInFlight: () => scheduler?.inFlight ?? 0,
      pollsWaiting: () => scheduler?.waiting ?? 0,
    });
    let releaseStuck: ((r: PollResult) => void) | undefined;
    scheduler = new Scheduler({
      devices: ['stuck', 'dead', 'fine'],
      intervalMs: 1_000,
      concurrency: 3,
      log: pino({ level: 'silent' }),
      metrics,
      run: (device) => {
        if (device === 'stuck') return new Promise<PollResult>((resolve) => (releaseStuck = resolve));
        return Promise.resolve(device === 'dead' ? { ok: false, error: 'timeout' } : { ok: true });
      },
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(20_000);
    const families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_collector_ticks_skipped_total', { reason: 'busy' })).toBe(scheduler.skippedOf('stuck'));
    expect(scheduler.skippedOf('stuck')).toBeGreaterThanOrEqual(18);
    // A dead device is polled after 0, 1, 3, 7, 7… ticks passed over: most of 20 ticks are.
    expect(sampleValue(families, 'lanewatch_collector_ticks_skipped_total', { reason: 'backoff' })).toBeGreaterThanOrEqual(12);
    expect(sampleValue(families, 'lanewatch_collector_polls_in_flight')).toBe(1);
    releaseStuck?.({ ok: true });
    await scheduler.stop();
    expect(sampleValue(await scrape(registry), 'lanewatch_collector_polls_in_flight')).toBe(0);
  });
});

function storeHealth(overrides: Partial<StoreHealth>): StoreHealth {
  return { influxReachable: true, spooledPoints: 0, spooledBytes: 0, droppedPoints: 0, pendingPoints: 0, ...overrides };
}

describe('StoreMetrics', () => {
  it('lostPointsByReason takes each part of the store and spool accounting', () => {
    const health = storeHealth({
      spool: { fsync: 'every-append', writable: true, droppedPoints: 5, queueDroppedPoints: 4, lostPoints: 7, unreadableLines: 2 },
    });
    expect(lostPointsByReason(health, 3, 1)).toEqual({ 'spool-bound': 5, 'spool-queue': 4, 'spool-write': 7, 'spool-unreadable': 2, rejected: 3, 'no-spool': 1 });
    expect(lostPointsByReason(storeHealth({}), 0, 0)).toEqual({ 'spool-bound': 0, 'spool-queue': 0, 'spool-write': 0, 'spool-unreadable': 0, rejected: 0, 'no-spool': 0 });
  });

  it('follows the cumulative counts at each scrape, reads the spool gauges and times writes', async () => {
    const registry = new Registry();
    let health = storeHealth({ influxReachable: false, spooledPoints: 120, spooledBytes: 9_000, pendingPoints: 4 });
    let rejected = 0;
    const metrics = new StoreMetrics(registry, { health: () => health, rejectedPoints: () => rejected, noSpoolLostPoints: () => 0 });
    metrics.writeDone('ok', 500, 30);
    metrics.writeDone('rejected', 10, 20);
    metrics.writeDone('failed', 0, 10_000);
    let families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_store_points_written_total')).toBe(510);
    expect(sampleValue(families, 'lanewatch_store_write_duration_seconds_count', { result: 'ok' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_store_write_duration_seconds_bucket', { result: 'failed', le: '5' })).toBe(0);
    expect(sampleValue(families, 'lanewatch_store_write_duration_seconds_bucket', { result: 'failed', le: '10' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_store_spool_points')).toBe(120);
    expect(sampleValue(families, 'lanewatch_store_spool_bytes')).toBe(9_000);
    expect(sampleValue(families, 'lanewatch_store_pending_points')).toBe(4);
    expect(sampleValue(families, 'lanewatch_store_influx_reachable')).toBe(0);
    expect(sampleValue(families, 'lanewatch_store_points_lost_total', { reason: 'rejected' })).toBe(0);
    rejected = 40;
    health = storeHealth({ spool: { fsync: 'every-append', writable: false, droppedPoints: 3, queueDroppedPoints: 0, lostPoints: 0, unreadableLines: 0 } });
    families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_store_points_lost_total', { reason: 'rejected' })).toBe(40);
    expect(sampleValue(families, 'lanewatch_store_points_lost_total', { reason: 'spool-bound' })).toBe(3);
    expect(sampleValue(families, 'lanewatch_store_influx_reachable')).toBe(1);
    // A second scrape with nothing new adds nothing.
    families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_store_points_lost_total', { reason: 'rejected' })).toBe(40);
    expect(sampleValue(families, 'lanewatch_store_points_lost_total', { reason: 'spool-bound' })).toBe(3);
  });
});

describe('alert metrics', () => {
  it.each([
    [[], { 'warning|open': 0, 'warning|acknowledged': 0, 'critical|open': 0, 'critical|acknowledged': 0 }],
    [
      [
        { level: 'warning', state: 'open' },
        { level: 'warning', state: 'open' },
        { level: 'critical', state: 'acknowledged' },
        { level: 'critical', state: 'resolved' },
        { level: 'warning', state: 'resolved' },
      ],
      { 'warning|open': 2, 'warning|acknowledged': 0, 'critical|open': 0, 'critical|acknowledged': 1 },
    ],
  ] as const)('openEpisodeCounts %#', (episodes, expected) => {
    const counts = Object.fromEntries(openEpisodeCounts(episodes).map((c) => [`${c.level}|${c.state}`, c.count]));
    expect(counts).toEqual(expected);
  });

  it('the gauge reads the episodes at each scrape', async () => {
    const registry = new Registry();
    let episodes: { level: AlertLevel; state: EpisodeState }[] = [{ level: 'critical', state: 'open' }];
    registerAlertMetrics(registry, () => episodes);
    expect(sampleValue(await scrape(registry), 'lanewatch_alerts_open', { level: 'critical', state: 'open' })).toBe(1);
    episodes = [{ level: 'critical', state: 'resolved' }];
    expect(sampleValue(await scrape(registry), 'lanewatch_alerts_open', { level: 'critical', state: 'open' })).toBe(0);
  });
});

describe('LiveMetrics', () => {
  it('counts clients, messages by type and UTF-8 bytes', async () => {
    const registry = new Registry();
    const metrics = new LiveMetrics(registry);
    metrics.connected();
    metrics.connected();
    metrics.disconnected();
    metrics.sent('samples', frameOf({ type: 'samples', samples: [] }).bytes);
    metrics.sent('error', frameOf({ type: 'error', message: 'Hà Nội' }).bytes);
    metrics.droppedSlow();
    const families = await scrape(registry);
    expect(sampleValue(families, 'lanewatch_live_clients')).toBe(1);
    expect(sampleValue(families, 'lanewatch_live_messages_sent_total', { type: 'samples' })).toBe(1);
    expect(sampleValue(families, 'lanewatch_live_messages_sent_total', { type: 'snapshot' })).toBe(0);
    // {"type":"samples","samples":[]} is 31 bytes; in {"type":"error","message":"Hà Nội"} (35
    // characters) à and ộ are 2 and 3 bytes in UTF-8.
    expect(sampleValue(families, 'lanewatch_live_bytes_sent_total')).toBe(31 + 35 + 3);
    expect(sampleValue(families, 'lanewatch_live_clients_dropped_total')).toBe(1);
  });
});

describe('createMetricsRegistry', () => {
  it('has the process metrics by default, and none when asked', async () => {
    const withProcess = await scrape(createMetricsRegistry());
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
      expect(withProcess.has(name), name).toBe(true);
    }
    expect((await scrape(createMetricsRegistry({ processMetrics: false }))).size).toBe(0);
  });

  it("publishes each event-loop delay gauge once, read from a histogram sampled every EVENT_LOOP_SAMPLE_MS, not prom-client's 10 ms", async () => {
    const registry = createMetricsRegistry();
    const text = await registry.metrics();
    for (const name of eventLoopGaugeNames) expect(text.split('\n').filter((l) => l.startsWith(`# TYPE ${name} `)), name).toHaveLength(1);
    // An idle loop: the delay past the sampling timer is about 0. prom-client's figures
    // include its 10 ms interval, so its minimum could not be under 10 ms.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_SAMPLE_MS * 4 + 50));
    const idle = await scrape(registry);
    expect(sampleValue(idle, 'nodejs_eventloop_lag_min_seconds')).toBeLessThan(0.005);
    // A 350 ms stall is longer than the interval: the sample it covers shows it.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_SAMPLE_MS));
    const until = Date.now() + 350;
    while (Date.now() < until) {
      // the stall
    }
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_SAMPLE_MS * 2));
    const stalled = await scrape(registry);
    expect(sampleValue(stalled, 'nodejs_eventloop_lag_max_seconds')).toBeGreaterThan(0.2);
    expect(sampleValue(stalled, 'nodejs_eventloop_lag_max_seconds')).toBeLessThan(1);
    expect(sampleValue(stalled, 'nodejs_eventloop_lag_p99_seconds')).toBeGreaterThan(0.2);
  });
});

describe('delaySeconds', () => {
  it.each([
    ['exactly the interval', 100_000_000, 100, 0],
    ['a timer that fired early', 99_000_000, 100, 0],
    ['250 ms late', 350_000_000, 100, 0.25],
    ['at a 10 ms interval', 12_500_000, 10, 0.0025],
  ])('%s', (_name, intervalNs, sampleMs, seconds) => expect(delaySeconds(intervalNs, sampleMs)).toBeCloseTo(seconds, 9));
});
