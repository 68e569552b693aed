// GET /api/v1/qos on the whole app (example config) as signed-in users: the collector's
// mapping filtered by link, device and "unmatched", 400 naming the field on bad input,
// `available: false` where no collector runs in the process (the split deployment), and a
// province user confined to its own links and routers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { QosClassMapping, QosView } from '../../collector/samples.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';

interface QosReply {
  available: boolean;
  atMs?: number;
  classes: QosClassMapping[];
}

interface ErrorReply {
  statusCode: number;
  message: string;
  field?: string;
}

const viewAtMs = 1_760_000_000_000;

// What a collector reports for one CBQoS link, one sub-interface link and a stray class-map.
const mappings: QosClassMapping[] = [
  { device: 'ha-noi-core-1', link: 't2-ha-noi-son-tay', ifName: 'Gi0/0/0', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'DOCEX', path: 'WAN-OUT/DOCEX', serviceClass: 'docex', rule: 0, reservedBps: 20_000_000 },
  { device: 'ha-noi-core-1', link: 't2-ha-noi-son-tay', ifName: 'Gi0/0/0', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'VIDEO', path: 'WAN-OUT/VIDEO', serviceClass: 'video', rule: 1, reservedBps: 30_000_000 },
  { device: 'ha-noi-core-1', link: 't2-ha-noi-son-tay', ifName: 'Gi0/0/0', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'class-default', path: 'WAN-OUT/class-default', serviceClass: 'internet', rule: 3 },
  { device: 'ha-noi-core-1', link: 't2-ha-noi-son-tay', ifName: 'Gi0/0/0', dir: 'down', source: 'cisco', policyName: 'WAN-OUT', className: 'SCAVENGER', path: 'WAN-OUT/SCAVENGER', serviceClass: 'other' },
  { device: 'lai-chau-core-1', link: 't2-lai-chau-tam-duong', ifName: 'Gi0/0/0.200', source: 'subinterface', className: 'Gi0/0/0.200', path: 'Gi0/0/0.200', serviceClass: 'video', rule: 5 },
  { device: 'lai-chau-core-1', ifName: 'Gi0/0/9', dir: 'up', source: 'cisco', policyName: 'LAB', className: 'TEST-CLASS', path: 'LAB/TEST-CLASS', serviceClass: 'other' },
];

let withCollector: TestApp;
let splitServer: TestApp;

beforeAll(async () => {
  // The qos route never touches InfluxDB (the helper's client points nowhere).
  const view: QosView = { atMs: viewAtMs, classes: mappings };
  [withCollector, splitServer] = await Promise.all([startTestApp({ qosView: () => view }), startTestApp()]);
});

afterAll(async () => {
  await withCollector?.close();
  await splitServer?.close();
});

async function get<T>(t: TestApp, url: string, as = 'viewer'): Promise<{ status: number; body: T }> {
  const res = await t.as(as)({ method: 'GET', url });
  return { status: res.statusCode, body: res.json<T>() };
}

describe('GET /api/v1/qos', () => {
  it('returns every mapping with its fields when unfiltered', async () => {
    const { status, body } = await get<QosReply>(withCollector, '/api/v1/qos');
    expect(status).toBe(200);
    expect(body.available).toBe(true);
    expect(body.atMs).toBe(viewAtMs);
    expect(body.classes).toEqual(mappings);
  });

  it('filters by link', async () => {
    const { body } = await get<QosReply>(withCollector, '/api/v1/qos?link=t2-ha-noi-son-tay');
    expect(body.classes.map((c) => c.className)).toEqual(['DOCEX', 'VIDEO', 'class-default', 'SCAVENGER']);
  });

  it('filters by device', async () => {
    const { body } = await get<QosReply>(withCollector, '/api/v1/qos?device=lai-chau-core-1');
    expect(body.classes.map((c) => c.className)).toEqual(['Gi0/0/0.200', 'TEST-CLASS']);
  });

  it('lists only the classes no rule matched with unmatched=true', async () => {
    const { body } = await get<QosReply>(withCollector, '/api/v1/qos?unmatched=true');
    expect(body.classes.map((c) => `${c.device} ${c.className}`)).toEqual(['ha-noi-core-1 SCAVENGER', 'lai-chau-core-1 TEST-CLASS']);
    expect(body.classes.every((c) => c.serviceClass === 'other' && c.rule === undefined)).toBe(true);
  });

  it('combines the link filter with unmatched', async () => {
    const { body } = await get<QosReply>(withCollector, '/api/v1/qos?link=t2-ha-noi-son-tay&unmatched=true');
    expect(body.classes.map((c) => c.className)).toEqual(['SCAVENGER']);
    const all = await get<QosReply>(withCollector, '/api/v1/qos?link=t2-ha-noi-son-tay&unmatched=false');
    expect(all.body.classes).toHaveLength(4);
  });

  it('answers a known link without classes with an empty list', async () => {
    const { status, body } = await get<QosReply>(withCollector, '/api/v1/qos?link=t1-hue');
    expect(status).toBe(200);
    expect(body).toEqual({ available: true, atMs: viewAtMs, classes: [] });
  });

  it.each([
    ['/api/v1/qos?link=no-such-link', 'link'],
    ['/api/v1/qos?device=no-such-router', 'device'],
    ['/api/v1/qos?unmatched=perhaps', 'unmatched'],
    ['/api/v1/qos?link=', 'link'],
  ])('rejects %s with 400 naming %s', async (url, field) => {
    const { status, body } = await get<ErrorReply>(withCollector, url);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(body.message).toContain(field);
  });

  it('says the mapping is unavailable without a collector in the process', async () => {
    const { status, body } = await get<QosReply>(splitServer, '/api/v1/qos?unmatched=true');
    expect(status).toBe(200);
    expect(body).toEqual({ available: false, classes: [] });
    // Input is still validated the same way.
    expect((await get<ErrorReply>(splitServer, '/api/v1/qos?link=nope')).status).toBe(400);
  });
});

describe('GET /api/v1/qos as a province user', () => {
  it("lists its own links' classes only, never a class without a link", async () => {
    const { status, body } = await get<QosReply>(withCollector, '/api/v1/qos', 'ha-noi');
    expect(status).toBe(200);
    expect(body.classes).toEqual(mappings.filter((m) => m.link === 't2-ha-noi-son-tay'));
    const unmatched = await get<QosReply>(withCollector, '/api/v1/qos?unmatched=true', 'ha-noi');
    expect(unmatched.body.classes.map((c) => c.className)).toEqual(['SCAVENGER']);
  });

  it("is refused another province's link or router with 403", async () => {
    const link = await get<ErrorReply>(withCollector, '/api/v1/qos?link=t2-lai-chau-tam-duong', 'ha-noi');
    expect(link.status).toBe(403);
    expect(link.body.message).toContain('t2-lai-chau-tam-duong');
    const device = await get<ErrorReply>(withCollector, '/api/v1/qos?device=lai-chau-core-1', 'ha-noi');
    expect(device.status).toBe(403);
    expect(device.body.message).toContain('lai-chau-core-1');
    // Its own router and link are fine.
    expect((await get<QosReply>(withCollector, '/api/v1/qos?device=ha-noi-core-1', 'ha-noi')).body.classes).toHaveLength(4);
    expect((await get<QosReply>(withCollector, '/api/v1/qos?device=lai-chau-core-1', 'lai-chau')).body.classes.map((c) => c.className)).toEqual(['Gi0/0/0.200']);
  });
});
