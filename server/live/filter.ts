// What a WebSocket client asked to receive, and the parsing of its messages.
import { z } from 'zod';
import type { LinkSample } from '../../collector/samples.ts';

export interface LiveFilter {
  links?: ReadonlySet<string>;
  province?: string;
}

const subscribeSchema = z
  .object({
    type: z.literal('subscribe'),
    links: z.array(z.string().min(1).max(200)).max(20_000).optional(),
    province: z.string().min(1).max(200).optional(),
  })
  .strict();

export interface KnownIds {
  links: ReadonlySet<string>;
  provinces: ReadonlySet<string>;
}

export type ClientMessage = { ok: true; filter: LiveFilter | undefined } | { ok: false; message: string };

/**
 * Parses one client message. `{type:'subscribe'}` with neither field means everything;
 * with both, a sample passes when it is one of the links or in the province.
 */
export function parseClientMessage(text: string, known: KnownIds): ClientMessage {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'message is not JSON' };
  }
  const parsed = subscribeSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'message';
    return { ok: false, message: `${where}: ${issue?.message ?? 'invalid'} (expected {"type":"subscribe","links"?:[…],"province"?:"…"})` };
  }
  const { links, province } = parsed.data;
  if (province !== undefined && !known.provinces.has(province)) {
    return { ok: false, message: `province: unknown province "${province}"` };
  }
  const unknownLinks = (links ?? []).filter((id) => !known.links.has(id));
  if (unknownLinks.length > 0) {
    return { ok: false, message: `links: unknown link ${unknownLinks.slice(0, 5).map((id) => `"${id}"`).join(', ')}` };
  }
  if (links === undefined && province === undefined) return { ok: true, filter: undefined };
  const filter: LiveFilter = {};
  if (links !== undefined) filter.links = new Set(links);
  if (province !== undefined) filter.province = province;
  return { ok: true, filter };
}

export function matchesFilter(sample: Pick<LinkSample, 'link' | 'province'>, filter: LiveFilter | undefined): boolean {
  if (!filter) return true;
  if (filter.links?.has(sample.link)) return true;
  return filter.province !== undefined && sample.province === filter.province;
}

export function applyFilter(samples: readonly LinkSample[], filter: LiveFilter | undefined): LinkSample[] {
  return filter ? samples.filter((s) => matchesFilter(s, filter)) : [...samples];
}
