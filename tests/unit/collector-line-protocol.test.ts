// The store's own line protocol (collector/store/line-protocol.ts) and its buffer
// (point-buffer.ts): a poll batch written straight to text says what node-influx would write
// for the same points (its body captured by a loopback HTTP server), point for point; chunks
// keep the order and become the same StorePoints for the spool.
import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { linkSample } from '../helpers/link-sample.ts';
import { InfluxDB } from 'influx';
import { batchText, pointLine, pointsText, tagText } from '../../collector/store/line-protocol.ts';
import { PointBuffer, chunkOfPoints } from '../../collector/store/point-buffer.ts';
import { batchToPoints, toInfluxPoint, type StorePoint } from '../../collector/store/points.ts';
import type { LinkSample, PollBatch } from '../../collector/samples.ts';

const link = linkSample;

function batchOf(over: { links?: LinkSample[]; error?: string } = {}): PollBatch {
  return {
    poll: { atMs: 1_700_000_000_100.4, device: 'r1', province: 'hue', ok: over.error === undefined, latencyMs: 12, varbinds: 406, ...(over.error !== undefined ? { error: over.error } : {}) },
    links: over.links ?? [link()],
    interfaces: [
      { atMs: 1_700_000_000_123, intervalMs: 10_000, device: 'r1', ifName: 'Gi0/0/1', province: 'hue', inBps: 10, outBps: 20.5, operUp: true, inErrors: 0, outErrors: 3 },
    ],
  };
}

const batches: Array<[string, PollBatch]> = [
  ['a total sample', batchOf()],
  [
    'per-class samples with drops, pre-policy rates and reservations',
    batchOf({
      links: [
        link({ class: 'video', dropBitsPerSecond: 12, prePolicyBitsPerSecond: 1_234_579, reservedBps: 20_000_000 }),
        link({ class: 'docex', dir: 'up', dropBitsPerSecond: 0, tier: 1 }),
      ],
    }),
  ],
  ['non-finite rates are left out', batchOf({ links: [link({ bitsPerSecond: Number.NaN }), link({ utilization: Number.POSITIVE_INFINITY })] })],
  ['ids that need escaping', batchOf({ links: [link({ link: 'a b,c=d', province: 'x\\y\nz' })] })],
  ['a failed poll with a quoted, multi-line error', batchOf({ links: [], error: 'timeout: "no answer"\nfrom \\ agent' })],
];

/** Splits at `sep`, keeping backslash escapes and quoted strings whole. */
function splitOutside(text: string, sep: string): string[] {
  const out: string[] = [];
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\') {
      current += c + (text[++i] ?? '');
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      current += text.slice(i, j + 1);
      i = j;
    } else if (c === sep) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}

/** One line as measurement, sorted tags, sorted fields and time (node-influx keeps the tags' insertion order). */
function normalise(line: string): string {
  const [series = '', fields = '', time = ''] = splitOutside(line, ' ');
  const [measurement = '', ...tags] = splitOutside(series, ',');
  return [measurement, ...tags.sort(), '|', ...splitOutside(fields, ',').sort(), '|', time].join(' ');
}

describe('what node-influx would send', () => {
  let server: ReturnType<typeof createServer>;
  let port = 0;
  const bodies: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.statusCode = 204;
        res.end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => new Promise<void>((resolve) => server.close(() => resolve())));

  it.each(batches)('%s: the same points, field for field', async (_name, batch) => {
    const influx = new InfluxDB({ host: '127.0.0.1', port, database: 'x' });
    bodies.length = 0;
    await influx.writePoints(batchToPoints(batch).map(toInfluxPoint), { precision: 'ms' });
    const theirs = (bodies[0] ?? '').split('\n').map(normalise);
    const ours = batchText(batch);
    expect(ours.text.split('\n').map(normalise)).toEqual(theirs);
    expect(ours.points).toBe(theirs.length);
    // The same text whether from the batch or from its StorePoints (the spool's replay).
    expect(ours.text).toBe(pointsText(batchToPoints(batch)));
  });
});

describe('pieces', () => {
  it.each([
    ['t2-hue-07', 't2-hue-07'],
    ['a b', 'a\\ b'],
    ['a,b=c', 'a\\,b\\=c'],
    ['line\r\nbreak', 'line\\ break'],
    ['back\\slash', 'back/slash'],
    ['', undefined],
  ])('tag %j → %j', (value, text) => expect(tagText(value)).toBe(text));

  it('a StorePoint line: tags and fields in key order, strings quoted, booleans as words, ms time rounded', () => {
    const p: StorePoint = { measurement: 'linkState', tags: { tier: '2', link: 'l1', dir: 'down' }, fields: { state: 1, encroachBps: 2.5, note: 'a "b"', up: false }, atMs: 10.6 };
    expect(pointLine(p)).toBe('linkState,dir=down,link=l1,tier=2 encroachBps=2.5,note="a \\"b\\"",state=1,up=false 11');
  });
});

describe('the point buffer', () => {
  it('takes whole batches up to the chunk size, in order, and gives them back as StorePoints', () => {
    const buffer = new PointBuffer();
    const a = batchOf();
    const b = batchOf({ links: [link({ class: 'video' }), link({ class: 'docex' })] });
    const state: StorePoint = { measurement: 'linkState', tags: { link: 'l1' }, fields: { state: 2 }, atMs: 5 };
    buffer.pushBatch(a);
    buffer.pushPoints([state]);
    buffer.pushBatch(b);
    // 3 + 1 + 3 points: b's two classes of one link and direction are one traffic point.
    expect(buffer.length).toBe(7);
    const first = buffer.take(4);
    expect(first.points).toBe(4);
    expect(first.text()).toBe(`${batchText(a).text}\n${pointLine(state)}`);
    expect(first.storePoints()).toEqual([...batchToPoints(a), state]);
    expect(buffer.length).toBe(3);
    // A chunk is at least one item, even one larger than asked.
    const second = buffer.take(1);
    expect(second.points).toBe(3);
    expect(second.storePoints()).toEqual(batchToPoints(b));
    expect(buffer.length).toBe(0);
    expect(buffer.take(10).points).toBe(0);
  });

  it('counts the lines it writes, not the samples it was given', () => {
    const buffer = new PointBuffer();
    buffer.pushBatch(batchOf({ links: [link({ bitsPerSecond: Number.NaN })] }));
    expect(buffer.length).toBe(3);
    const chunk = buffer.takeAll();
    expect(chunk.points).toBe(2);
    expect(chunk.storePoints()).toHaveLength(2);
  });

  it('a spool read becomes one chunk of its points', () => {
    const points = batchToPoints(batchOf());
    const chunk = chunkOfPoints(points);
    expect(chunk.points).toBe(points.length);
    expect(chunk.text()).toBe(pointsText(points));
    expect(chunk.storePoints()).toEqual(points);
  });
});
