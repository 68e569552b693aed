// How the pages' history requests are made: one request for all of a page's series unless the
// API's limits would refuse it, and every answer (one series at the top level, or several)
// read back as one answer per series.
import { describe, expect, it } from 'vitest';
import { directions, historyLimits, historyReplySchema, serviceClasses, trafficClasses } from '../../api/schemas.ts';
import { answersOf, chunkRequest, type SeriesRequest } from '../../web/src/lib/time-range-fetch.ts';

function links(count: number): string[] {
  return Array.from({ length: count }, (_, index) => `l${index}`);
}

const base: Omit<SeriesRequest, 'links'> = {
  dirs: directions,
  classes: ['total'],
  from: '-1h',
  to: 'now',
  maxPoints: 500,
};

describe('one request per page, within the API’s limits', () => {
  it.each([
    ['the national page: 34 tier-1 links × 2 directions', { ...base, links: links(34) }, [34]],
    ['a link page: 1 link × 2 directions × 5 classes', { ...base, links: links(1), classes: trafficClasses }, [1]],
    ['a province page, one direction × 4 classes, 11 links', { ...base, links: links(11), dirs: ['down'], classes: serviceClasses }, [11]],
    ['a province of 60 links × 4 classes: 25 links a request', { ...base, links: links(60), dirs: ['down'], classes: serviceClasses }, [25, 25, 10]],
    ['more than 50 links of one series each', { ...base, links: links(120), dirs: ['down'] }, [50, 50, 20]],
    ['a point budget over the total', { ...base, links: links(40), maxPoints: 10_000 }, [10, 10, 10, 10]],
  ] satisfies [string, SeriesRequest, number[]][])('%s', (_name, request, sizes) => {
    const chunks = chunkRequest(request);
    expect(chunks.map((chunk) => chunk.links.length)).toEqual(sizes);
    expect(chunks.flatMap((chunk) => chunk.links)).toEqual(request.links);
    for (const chunk of chunks) {
      const series = chunk.links.length * chunk.dirs.length * chunk.classes.length;
      expect(series).toBeLessThanOrEqual(historyLimits.series);
      expect(chunk.links.length).toBeLessThanOrEqual(historyLimits.links);
      expect(series * chunk.maxPoints).toBeLessThanOrEqual(historyLimits.totalPoints);
      expect([chunk.dirs, chunk.classes, chunk.from, chunk.to, chunk.maxPoints]).toEqual([request.dirs, request.classes, request.from, request.to, request.maxPoints]);
    }
  });

  it('asks for nothing when there is no link', () => {
    expect(chunkRequest({ ...base, links: [] })).toEqual([]);
  });
});

describe('answers', () => {
  const point = { atMs: 1_000, bitsPerSecond: 5, utilization: 0.5 };

  it('reads one series at the top level, raw as stored (step 0: left to infer)', () => {
    const reply = historyReplySchema.parse({ link: 'a', dir: 'down', class: 'total', fromMs: 0, toMs: 10, source: 'raw', stepMs: 0, points: [point] });
    expect(answersOf(reply)).toEqual([{ link: 'a', dir: 'down', class: 'total', fromMs: 0, toMs: 10, source: 'raw', points: [point] }]);
  });

  it('reads several series, each with the answer’s window, step and source', () => {
    const reply = historyReplySchema.parse({
      fromMs: 0,
      toMs: 3_600_000,
      source: '5m',
      stepMs: 300_000,
      series: [
        { link: 'a', dir: 'down', class: 'video', points: [point] },
        { link: 'b', dir: 'up', class: 'video', points: [] },
      ],
    });
    expect(answersOf(reply)).toEqual([
      { link: 'a', dir: 'down', class: 'video', fromMs: 0, toMs: 3_600_000, stepMs: 300_000, source: '5m', points: [point] },
      { link: 'b', dir: 'up', class: 'video', fromMs: 0, toMs: 3_600_000, stepMs: 300_000, source: '5m', points: [] },
    ]);
  });
});
