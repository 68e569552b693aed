// GET /metrics on the whole system (real influxd, `lanewatch simulate` with a scenario,
// `lanewatch run`): the exposition parses strictly; read twice an interval apart as a signed-in
// viewer its counters move (polls, the poll duration histogram, points written, bytes sent to a
// live client); the WebSocket clients gauge follows a connected client; the process metrics are
// there; a router that stops answering shows as timeouts and a device down, and one that
// reboots as samples dropped by the reboot rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem, type SystemHandle } from '../helpers/system.ts';
import { parsePrometheusText, sampleValue, sumOf, type MetricFamily } from '../helpers/prometheus-text.ts';
import { loadConfig } from '../../config/load.ts';
import { pause } from '../helpers/wait.ts';
import { WebSocketClient } from '../helpers/ws-client.ts';
import { lostReasons } from '../../collector/store/metrics.ts';

const routers = loadConfig().topology.routers.map((r) => r.id);
const rebooted = routers[2]!;
const silent = routers[3]!;
// Events well after the system is up (it waits for every router to answer first).
const scenario = `name: metrics
events:
  - { kind: reboot, at: 20s, router: ${rebooted} }
  - { kind: unresponsive, at: 20s, for: 5s, router: ${silent} }
`;

let system: SystemHandle;
beforeAll(async () => {
  system = await startSystem({ intervalMs: 1_000, scenario });
}, 120_000);
afterAll(async () => {
  await system?.stop();
});

async function scrape(user = 'viewer'): Promise<Map<string, MetricFamily>> {
  const res = await system.fetchAs(user, '/metrics');
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePrometheusText(await res.text());
}

/** Scrapes every 250 ms until `check` holds; that scrape. */
function until(what: string, check: (m: Map<string, MetricFamily>) => boolean, timeoutMs: number): Promise<Map<string, MetricFamily>> {
  return system.waitFor(
    what,
    async () => {
      const m = await scrape();
      return check(m) ? m : undefined;
    },
    { timeoutMs, intervalMs: 250 },
  );
}

describe('GET /metrics on the running system', () => {
  it('is open without a session from loopback (the default metrics.allowFrom)', async () => {
    const res = await fetch(`${system.url}/metrics`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBe(200);
    const families = parsePrometheusText(await res.text());
    expect(families.get('lanewatch_collector_polls_total')?.type).toBe('counter');
  });

  it('moves between two reads an interval apart; the WebSocket clients gauge follows a connected client', async () => {
    const first = await scrape();
    const polls1 = sampleValue(first, 'lanewatch_collector_polls_total');
    const durationCount1 = sumOf(first, 'lanewatch_collector_poll_duration_seconds_count');
    const written1 = sampleValue(first, 'lanewatch_store_points_written_total');
    const writes1 = sumOf(first, 'lanewatch_store_write_duration_seconds_count');
    expect(polls1).toBeGreaterThan(0);
    // Every poll is timed, in the same scrape.
    expect(durationCount1).toBe(polls1);
    expect(sumOf(first, 'lanewatch_collector_devices')).toBe(routers.length);
    expect(sampleValue(first, 'lanewatch_live_clients')).toBe(0);

    const cookie = await system.login('viewer');
    const ws = new WebSocketClient(`${system.url.replace('http', 'ws')}/api/v1/live`, { headers: { cookie, origin: system.url } });
    let messages = 0;
    const firstMessage = new Promise<void>((resolve, reject) => {
      ws.on('message', () => {
        messages += 1;
        resolve();
      });
      ws.on('error', reject);
    });
    const closed = new Promise<void>((resolve) => ws.on('close', () => resolve()));
    await firstMessage;

    await pause(2 * system.intervalMs);
    const second = await scrape();
    const polls2 = sampleValue(second, 'lanewatch_collector_polls_total');
    expect(polls2).toBeGreaterThan(polls1);
    expect(sumOf(second, 'lanewatch_collector_poll_duration_seconds_count')).toBeGreaterThan(durationCount1);
    expect(sumOf(second, 'lanewatch_collector_poll_duration_seconds_count')).toBe(polls2);
    expect(sampleValue(second, 'lanewatch_store_points_written_total')).toBeGreaterThan(written1);
    expect(sumOf(second, 'lanewatch_store_write_duration_seconds_count')).toBeGreaterThan(writes1);
    expect(sampleValue(second, 'lanewatch_live_clients')).toBe(1);
    expect(sampleValue(second, 'lanewatch_live_messages_sent_total', { type: 'snapshot' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(second, 'lanewatch_live_messages_sent_total', { type: 'samples' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(second, 'lanewatch_live_bytes_sent_total')).toBeGreaterThan(0);
    expect(messages).toBeGreaterThan(1);

    ws.close();
    await closed;
    const after = await until('the live client gone', (m) => sampleValue(m, 'lanewatch_live_clients') === 0, 5_000);
    expect(sampleValue(after, 'lanewatch_live_bytes_sent_total')).toBeGreaterThanOrEqual(sampleValue(second, 'lanewatch_live_bytes_sent_total'));
  });

  it('carries the process metrics, the store gauges and the alert gauge', async () => {
    const m = await scrape('engineer');
    expect(m.get('process_cpu_seconds_total')?.type).toBe('counter');
    expect(sampleValue(m, 'process_cpu_seconds_total')).toBeGreaterThan(0);
    expect(sampleValue(m, 'process_resident_memory_bytes')).toBeGreaterThan(10 * 1024 * 1024);
    expect(m.get('nodejs_eventloop_lag_p99_seconds')?.type).toBe('gauge');
    expect(m.get('nodejs_heap_size_used_bytes')?.type).toBe('gauge');
    expect(sampleValue(m, 'lanewatch_store_influx_reachable')).toBe(1);
    expect(sampleValue(m, 'lanewatch_store_spool_points')).toBe(0);
    expect(m.get('lanewatch_store_points_lost_total')?.samples.map((s) => s.labels['reason']).sort()).toEqual([...lostReasons].sort());
    expect(m.get('lanewatch_alerts_open')?.samples).toHaveLength(4);
  });

  it('a router that stops answering counts timeouts and a device down; one that reboots, samples dropped by the reboot rule', async () => {
    let downSeen = 0;
    const m = await until(
      'timeouts, a device down and reboot drops',
      (m) => {
        downSeen = Math.max(downSeen, sampleValue(m, 'lanewatch_collector_devices', { state: 'down' }));
        return (
          downSeen >= 1 &&
          sampleValue(m, 'lanewatch_collector_poll_errors_total', { kind: 'timeout' }) >= 1 &&
          sumOf(m, 'lanewatch_collector_samples_dropped_total', { reason: 'reboot', counters: 'interface' }) >= 1
        );
      },
      45_000,
    );
    expect(downSeen).toBe(1);
    expect(sumOf(m, 'lanewatch_collector_poll_duration_seconds_count', { result: 'error' })).toBeGreaterThanOrEqual(1);
    expect(sampleValue(m, 'lanewatch_collector_poll_errors_total', { kind: 'auth' })).toBe(0);
    // The silent router answers again and every device is back up.
    await until('every device up again', (n) => sampleValue(n, 'lanewatch_collector_devices', { state: 'up' }) === routers.length, 30_000);
  }, 90_000);
});
