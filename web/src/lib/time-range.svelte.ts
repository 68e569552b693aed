// The time range of a page as reactive state: read from the URL (`?from=&to=`) and followed
// through `hashchange`, changed by pushing a new URL (so Back undoes a zoom); and the history
// of a page's series over that range, fetched as the range changes (finer data for a zoom,
// the missing tail for a recent range left open).
import { untrack } from 'svelte';
import type { HistoryPoint } from './api.ts';
import { fetchSeries, type SeriesAnswer, type SeriesRequest } from './time-range-fetch.ts';
import {
  addLayer,
  answerStepMs,
  emptySeries,
  fetchPlan,
  type LayeredSeries,
} from './time-range-history.ts';
import {
  hashQuery,
  hashWithRange,
  instantToken,
  presetRange,
  rangeOfHash,
  rangeWindow,
  relativeToken,
  spanOf,
  zoomOutRange,
  zoomRange,
  type TimeRange,
  type TimeWindow,
} from './time-range.ts';

/** What a range reads of the browser's window: the URL's hash and its `hashchange` events. */
export type RangeWindow = { location: Pick<Location, 'hash'> } & Pick<Window, 'addEventListener' | 'removeEventListener'>;

export class UrlRange {
  /** The range the URL names, or the page's default. */
  range: TimeRange = $state.raw({ kind: 'recent', spanMs: 3_600_000 });
  /** Why the URL's range could not be read (the default is shown instead), or null. */
  problem: string | null = $state(null);
  /** Whether the URL names the range (else it is the page's default). */
  #named = $state(false);
  readonly #window: RangeWindow;
  readonly #defaultRange: TimeRange;
  readonly #onHashChange = (): void => this.#read();

  constructor(options: { window: RangeWindow; defaultRange: TimeRange }) {
    this.#window = options.window;
    this.#defaultRange = options.defaultRange;
    this.#read();
  }

  start(): void {
    this.#window.addEventListener('hashchange', this.#onHashChange);
    this.#read();
  }

  stop(): void {
    this.#window.removeEventListener('hashchange', this.#onHashChange);
  }

  /** Shows `range`: a new history entry whose URL names it. */
  set(range: TimeRange): void {
    const next = hashWithRange(this.#window.location.hash, range);
    if (next !== this.#window.location.hash) this.#window.location.hash = next;
  }

  /** Whether the range ends at now (the live tail continues it). */
  get following(): boolean {
    return this.range.kind === 'recent';
  }

  /**
   * Shows a window dragged on a chart of data up to `nowMs`; one reaching the live edge (two
   * poll intervals or 2 % of the span) keeps following now.
   */
  zoomTo(selection: TimeWindow, nowMs: number, intervalMs: number): void {
    const liveEdgeMs = Math.max(2 * intervalMs, 0.02 * spanOf(this.range));
    this.set(zoomRange(selection, { shown: rangeWindow(this.range, nowMs), live: this.following, nowMs, liveEdgeMs }));
  }

  /** Shows twice the span around the same middle (following now once that reaches it). */
  zoomOut(nowMs: number): void {
    this.set(zoomOutRange(this.range, nowMs));
  }

  /**
   * The query that carries this range to another page (`from=-6h&to=now`), or "" when the URL
   * names none (the other page then shows its own default).
   */
  get query(): string {
    return this.#named ? hashQuery(hashWithRange('#/', this.range)) : '';
  }

  #read(): void {
    const parsed = rangeOfHash(this.#window.location.hash);
    if (parsed.ok) {
      this.range = parsed.range ?? this.#defaultRange;
      this.#named = parsed.range !== null;
      this.problem = null;
    } else {
      this.range = this.#defaultRange;
      this.#named = false;
      this.problem = `${parsed.field}: ${parsed.reason}`;
    }
  }
}

/**
 * Now, as far as a page's data knows: the server's time of its history's newest answer (when
 * the page opened, before one), or the newest live sample rounded up to the step the window
 * moves by, whichever is later.
 */
export function dataNowMs(fetchedToMs: number | null, openedAtMs: number, liveClockMs: number | null): number {
  return Math.max(fetchedToMs ?? openedAtMs, liveClockMs ?? 0);
}

/** Where a page's data reaches, both read tracked. */
export interface DataClock {
  /** The page's history loader now (`fetchedToMs`: how far its history reaches). */
  history: () => { readonly fetchedToMs: number | null };
  /** The live client: its newest sample rounded up to a multiple of `stepMs`, or null before any. */
  live: { clockMs(stepMs: number): number | null };
}

/** A page's range as its charts show it: up to the data's now, zoomed by dragging across a chart. */
export class RangeView {
  readonly range: UrlRange;
  /** The poll interval: the window's end moves once per interval; the live edge of a zoom is two of them at least. */
  readonly intervalMs: number;
  readonly #clock: DataClock;
  readonly #openedAtMs: number;
  /** The data's now at the poll interval: where a range that follows now ends. */
  nowMs: number = $derived.by(() => this.nowAt(this.intervalMs));
  /** The window the charts show (the same object until the range or `nowMs` moves). */
  shown: TimeWindow = $derived.by(() => rangeWindow(this.range.range, this.nowMs));

  constructor(range: UrlRange, intervalMs: number, clock: DataClock, openedAtMs: number) {
    this.range = range;
    this.intervalMs = intervalMs;
    this.#clock = clock;
    this.#openedAtMs = openedAtMs;
  }

  /** The data's now, moving once per `stepMs` of live samples (a sparkline: once per pixel). */
  nowAt(stepMs: number): number {
    return dataNowMs(this.#clock.history().fetchedToMs, this.#openedAtMs, this.#clock.live.clockMs(stepMs));
  }

  zoomTo(selection: TimeWindow): void {
    this.range.zoomTo(selection, this.nowMs, this.intervalMs);
  }

  zoomOut(): void {
    this.range.zoomOut(this.nowMs);
  }
}

/**
 * The range of a national, province or link page: the URL's (an hour up to now unless it names
 * one), shown up to the data's now (`dataNowMs`, from the page's history and the live client)
 * from the moment the page opens. Call `range.start()` on mount and `range.stop()` on leaving.
 */
export function pageRange(options: { window: RangeWindow; intervalMs: number; openedAtMs?: number } & DataClock): RangeView {
  const range = new UrlRange({ window: options.window, defaultRange: presetRange('1h') });
  return new RangeView(range, options.intervalMs, { history: options.history, live: options.live }, options.openedAtMs ?? Date.now());
}

/** What one fetch brought, as layers per stored key. */
export type LayerBuilder<P extends { atMs: number }> = (
  answers: readonly SeriesAnswer[],
  window: TimeWindow,
  rawStepMs: number,
) => Map<string, { points: P[]; stepMs: number }>;

export interface HistoryLoaderOptions<P extends { atMs: number }> {
  /** The series every fetch asks for (one request for all of them). */
  series: Pick<SeriesRequest, 'links' | 'dirs' | 'classes'>;
  /** Most points per series and answer (about one per pixel of the chart). */
  maxPoints: number;
  /** The poll interval: the finest step there is. */
  rawStepMs: number;
  /** Turns answers into stored layers (`layersPerSeries`: one per series, keyed by `seriesKeyOf`). */
  build: LayerBuilder<P>;
  fetch?: (request: SeriesRequest, signal: AbortSignal) => Promise<SeriesAnswer[]>;
}

/** The key of one series of an answer: link, direction and class. */
export function seriesKeyOf(answer: Pick<SeriesAnswer, 'link' | 'dir' | 'class'>): string {
  return `${answer.link}\u0000${answer.dir}\u0000${answer.class}`;
}

/** One layer per series, at the step its points show. */
export function layersPerSeries(
  answers: readonly SeriesAnswer[],
  _window: TimeWindow,
  rawStepMs: number,
): Map<string, { points: HistoryPoint[]; stepMs: number }> {
  return new Map(
    answers.map((answer) => [seriesKeyOf(answer), { points: answer.points, stepMs: answerStepMs(answer.points, rawStepMs, answer.stepMs) }]),
  );
}

/**
 * A page's history over its range. `show(range, nowMs)` (from an effect) fetches what the
 * window lacks: the whole window for a new recent range, then its tail as it slides; for a
 * fixed range only when what is held is too coarse for it (a zoom) or does not cover it.
 */
export class HistoryLoader<P extends { atMs: number }> {
  layers: ReadonlyMap<string, LayeredSeries<P>> = $state.raw(new Map());
  loading = $state(false);
  /** Why the last fetch failed (lib/messages.ts `errorText` words it), or null. */
  error: unknown = $state.raw(null);
  /** The last window fetched (the test hook and the label say what the chart holds). */
  lastFetched: TimeWindow | null = $state.raw(null);
  /** The server's time of the newest answer for a recent range: how far its history reaches. */
  fetchedToMs: number | null = $state(null);

  readonly #options: HistoryLoaderOptions<P>;
  readonly #build: LayerBuilder<P>;
  readonly #fetch: (request: SeriesRequest, signal: AbortSignal) => Promise<SeriesAnswer[]>;
  #shownKey = '';
  #inFlight: AbortController | null = null;
  #tailInFlight = false;
  #stopped = false;

  constructor(options: HistoryLoaderOptions<P>) {
    this.#options = options;
    this.#build = options.build;
    this.#fetch = options.fetch ?? fetchSeries;
  }

  /** Stored points of one key (empty series when none). */
  of(key: string): LayeredSeries<P> {
    return this.layers.get(key) ?? emptySeries<P>();
  }

  show(range: TimeRange, nowMs: number): void {
    untrack(() => this.#show(range, nowMs));
  }

  stop(): void {
    this.#stopped = true;
    this.#inFlight?.abort();
  }

  #show(range: TimeRange, nowMs: number): void {
    if (this.#stopped) return;
    const key = range.kind === 'recent' ? `recent:${range.spanMs}` : `fixed:${range.fromMs}:${range.toMs}`;
    const changed = key !== this.#shownKey;
    this.#shownKey = key;
    const window = rangeWindow(range, nowMs);
    const spanMs = spanOf(range);
    if (range.kind === 'recent') {
      if (changed) {
        this.#load({ from: relativeToken(range.spanMs), to: 'now' }, window, spanMs, true);
        return;
      }
      // The live tail fills the window as it slides; the history is brought up to date now and
      // then, so that a page left open has no hole when the live series reach back less far.
      const refreshAfterMs = Math.min(10 * 60_000, Math.max(60_000, spanMs / 10));
      if (this.fetchedToMs !== null && !this.loading && !this.#tailInFlight && nowMs - this.fetchedToMs > refreshAfterMs) {
        this.#loadTail(this.fetchedToMs, window, spanMs);
      }
      return;
    }
    const plan = fetchPlan(window, [...this.layers.values()], {
      maxPoints: this.#options.maxPoints,
      rawStepMs: this.#options.rawStepMs,
    });
    if (changed && plan === null) {
      this.#inFlight?.abort();
      this.loading = false;
      return;
    }
    if (plan !== null && changed) this.#load({ from: instantToken(plan.fromMs), to: instantToken(plan.toMs) }, window, spanMs, false);
  }

  #keepWindow(window: TimeWindow, spanMs: number): TimeWindow {
    return { fromMs: window.fromMs - spanMs, toMs: window.toMs + spanMs };
  }

  #load(params: { from: string; to: string }, window: TimeWindow, spanMs: number, recent: boolean): void {
    this.#inFlight?.abort();
    const abort = new AbortController();
    this.#inFlight = abort;
    this.loading = true;
    this.error = null;
    const request: SeriesRequest = { ...this.#options.series, ...params, maxPoints: this.#options.maxPoints };
    this.#fetch(request, abort.signal).then(
      (answers) => {
        if (abort.signal.aborted) return;
        this.#inFlight = null;
        const fetched = answerWindow(answers, window);
        this.#store(answers, fetched, this.#keepWindow(fetched, spanMs));
        this.lastFetched = fetched;
        if (recent) this.fetchedToMs = fetched.toMs;
        this.loading = false;
      },
      (error: unknown) => {
        if (abort.signal.aborted) return;
        this.#inFlight = null;
        this.error = error ?? new Error('history not loaded');
        this.loading = false;
      },
    );
  }

  #loadTail(fromMs: number, window: TimeWindow, spanMs: number): void {
    this.#tailInFlight = true;
    const abort = new AbortController();
    const request: SeriesRequest = {
      ...this.#options.series,
      from: instantToken(fromMs),
      to: 'now',
      maxPoints: this.#options.maxPoints,
    };
    this.#fetch(request, abort.signal).then(
      (answers) => {
        this.#tailInFlight = false;
        if (this.#stopped || !this.#shownKey.startsWith('recent:')) return;
        const fetched = answerWindow(answers, { fromMs, toMs: window.toMs });
        this.#store(answers, fetched, this.#keepWindow({ fromMs: fetched.toMs - spanMs, toMs: fetched.toMs }, spanMs));
        this.fetchedToMs = fetched.toMs;
      },
      () => {
        // The live tail still shows; the next slide tries again.
        this.#tailInFlight = false;
        if (this.fetchedToMs !== null) this.fetchedToMs = Math.max(this.fetchedToMs, window.toMs - 60_000);
      },
    );
  }

  #store(answers: readonly SeriesAnswer[], fetched: TimeWindow, keep: TimeWindow): void {
    const built = this.#build(answers, fetched, this.#options.rawStepMs);
    const next = new Map(this.layers);
    for (const [key, layer] of built) {
      next.set(key, addLayer(next.get(key) ?? emptySeries<P>(), { ...fetched, ...layer }, keep));
    }
    this.layers = next;
  }
}

/** The window the server read (its clock), or the asked one when no answer says. */
function answerWindow(answers: readonly SeriesAnswer[], asked: TimeWindow): TimeWindow {
  const first = answers[0];
  return first === undefined ? asked : { fromMs: first.fromMs, toMs: first.toMs };
}
