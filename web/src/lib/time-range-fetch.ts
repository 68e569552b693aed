// The one place the pages ask the history API for their series over one window: every link,
// direction and class of a page in one request (repeated `link`, `dir` and `class`), split
// only where the API's limits (api/schemas.ts `historyLimits`) would refuse it.
import type { z } from 'zod';
import { historyLimits, historyReplySchema } from '../../../api/schemas.ts';
import { fetchJson, historyPath, type Direction, type HistoryPoint, type TrafficClass } from './api.ts';

export interface SeriesRequest {
  links: readonly string[];
  dirs: readonly Direction[];
  classes: readonly TrafficClass[];
  /** `-1h`, `now` or an ISO 8601 instant, as the API reads them. */
  from: string;
  to: string;
  /** Most points per series. */
  maxPoints: number;
}

export interface SeriesAnswer {
  link: string;
  dir: Direction;
  class: TrafficClass;
  /** The window the server read (its own clock for `now`). */
  fromMs: number;
  toMs: number;
  /** The spacing of the points; undefined for samples as stored (raw). */
  stepMs?: number;
  source?: string;
  points: HistoryPoint[];
}

export interface HistoryLimits {
  links: number;
  series: number;
  totalPoints: number;
}

/**
 * The request in as few requests as the limits allow (one when it fits): links split into
 * groups, each group with every direction and class. Pure.
 */
export function chunkRequest(request: SeriesRequest, limits: HistoryLimits = historyLimits): SeriesRequest[] {
  const perLink = Math.max(1, request.dirs.length * request.classes.length);
  const bySeries = Math.floor(limits.series / perLink);
  const byPoints = Math.floor(limits.totalPoints / (perLink * Math.max(1, request.maxPoints)));
  const linksPerRequest = Math.max(1, Math.min(limits.links, bySeries, byPoints));
  const chunks: SeriesRequest[] = [];
  for (let start = 0; start < request.links.length; start += linksPerRequest) {
    chunks.push({ ...request, links: request.links.slice(start, start + linksPerRequest) });
  }
  return chunks;
}

type HistoryReply = z.infer<typeof historyReplySchema>;

/** Every series of one answer, with the answer's window, step and source. Pure. */
export function answersOf(reply: HistoryReply): SeriesAnswer[] {
  const series = 'series' in reply ? reply.series : [reply];
  return series.map((one) => ({
    link: one.link,
    dir: one.dir,
    class: one.class,
    fromMs: reply.fromMs,
    toMs: reply.toMs,
    ...(reply.stepMs > 0 ? { stepMs: reply.stepMs } : {}),
    source: reply.source,
    points: one.points,
  }));
}

export async function fetchSeries(request: SeriesRequest, signal?: AbortSignal): Promise<SeriesAnswer[]> {
  const replies = await Promise.all(
    chunkRequest(request).map((chunk) =>
      fetchJson(
        historyPath({
          link: chunk.links,
          dir: chunk.dirs,
          class: chunk.classes,
          from: chunk.from,
          to: chunk.to,
          maxPoints: chunk.maxPoints,
        }),
        historyReplySchema,
        signal,
      ),
    ),
  );
  return replies.flatMap(answersOf);
}
