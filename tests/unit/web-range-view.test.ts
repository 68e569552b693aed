// A page's range as its charts show it (web/src/lib/time-range.svelte.ts, `pageRange`): the
// national, province and link pages build it the same way, so the data's now (history's reach
// or the live clock, whichever is later), the default range and the window shown cannot drift
// between them. The window stays the same object while now stays put (a page's rows redraw
// only for their own links), and moves with the URL's range.
import { describe, expect, it } from 'vitest';
import type * as TimeRangeModule from '../../web/src/lib/time-range.svelte.ts';
import { importSvelteModule } from '../helpers/svelte-module.ts';

const { dataNowMs, pageRange, HistoryLoader } = await importSvelteModule<typeof TimeRangeModule>('web/src/lib/time-range.svelte.ts');

const hourMs = 3_600_000;
const intervalMs = 10_000;
const openedAtMs = 1_000_000;

describe('dataNowMs', () => {
  const cases: [string, number | null, number | null, number][] = [
    ['nothing yet: when the page opened', null, null, openedAtMs],
    ['a live sample later than the opening', null, 1_200_000, 1_200_000],
    ['a live sample earlier than the opening', null, 900_000, openedAtMs],
    ['history reaching further than the live clock', 1_500_000, 1_200_000, 1_500_000],
    ['the live clock further than history', 1_100_000, 1_200_000, 1_200_000],
    ['history earlier than the opening (the opening no longer counts)', 800_000, null, 800_000],
  ];
  it.each(cases)('%s', (_, fetchedToMs, liveClockMs, nowMs) => {
    expect(dataNowMs(fetchedToMs, openedAtMs, liveClockMs)).toBe(nowMs);
  });
});

/** A browser window whose URL hash the test sets (with its `hashchange`). */
function fakeWindow(hash: string): TimeRangeModule.RangeWindow & { go(next: string): void } {
  const events = new EventTarget();
  const location = { hash };
  return {
    location,
    addEventListener: (type: string, listener: EventListenerOrEventListenerObject) => events.addEventListener(type, listener),
    removeEventListener: (type: string, listener: EventListenerOrEventListenerObject) => events.removeEventListener(type, listener),
    go(next: string): void {
      location.hash = next;
      events.dispatchEvent(new Event('hashchange'));
    },
  };
}

/** A page's range over a real history loader and a live clock whose newest sample the test moves (both tracked). */
function pageOf(hash: string) {
  const window = fakeWindow(hash);
  const loaderOptions = { series: { links: ['t1-hue'], dirs: ['down' as const], classes: ['total' as const] }, maxPoints: 10, rawStepMs: intervalMs, build: () => new Map() };
  const history = new HistoryLoader(loaderOptions);
  // The newest live sample, held in a second loader's tracked field (any `$state` would do).
  const newest = new HistoryLoader(loaderOptions);
  const live = {
    clockMs: (stepMs: number): number | null => (newest.fetchedToMs === null ? null : Math.ceil(newest.fetchedToMs / stepMs) * stepMs),
  };
  const view = pageRange({ window, intervalMs, history: () => history, live, openedAtMs });
  return { window, history, newest, view };
}

describe('pageRange', () => {
  it('shows the last hour up to the opening until data comes, then up to the data', () => {
    const { view, history, newest } = pageOf('#/');
    expect(view.range.range).toEqual({ kind: 'recent', spanMs: hourMs });
    expect(view.intervalMs).toBe(intervalMs);
    expect(view.shown).toEqual({ fromMs: openedAtMs - hourMs, toMs: openedAtMs });
    newest.fetchedToMs = 1_234_567;
    expect(view.nowMs).toBe(1_240_000);
    expect(view.shown).toEqual({ fromMs: 1_240_000 - hourMs, toMs: 1_240_000 });
    history.fetchedToMs = 1_300_001;
    expect(view.nowMs).toBe(1_300_001);
  });

  it('moves now once per step of live samples: nowAt a coarser step for a sparkline', () => {
    const { view, newest } = pageOf('#/');
    newest.fetchedToMs = 1_201_000;
    expect(view.nowMs).toBe(1_210_000);
    expect(view.nowAt(37_500)).toBe(1_237_500);
    newest.fetchedToMs = 1_236_000;
    expect(view.nowMs).toBe(1_240_000);
    expect(view.nowAt(37_500)).toBe(1_237_500);
  });

  it('keeps the same window object while now stays put, and a new one when it moves', () => {
    const { view, history, newest } = pageOf('#/');
    newest.fetchedToMs = 1_201_000;
    const shown = view.shown;
    // Samples inside the same interval, a history answer short of the live clock: now stays.
    newest.fetchedToMs = 1_209_000;
    history.fetchedToMs = 1_205_000;
    expect(view.shown).toBe(shown);
    newest.fetchedToMs = 1_211_000;
    expect(view.shown).not.toBe(shown);
    expect(view.shown.toMs).toBe(1_220_000);
  });

  it('reads the range the URL names, and follows the URL once started', () => {
    const { view, window } = pageOf('#/province/hue?from=-6h&to=now');
    expect(view.range.range).toEqual({ kind: 'recent', spanMs: 6 * hourMs });
    expect(view.range.query).toBe('from=-6h&to=now');
    view.range.start();
    window.go('#/province/hue?from=1700000000000&to=1700003600000');
    expect(view.shown).toEqual({ fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000 });
    expect(view.range.following).toBe(false);
    view.range.stop();
    window.go('#/province/hue');
    expect(view.range.range).toEqual({ kind: 'fixed', fromMs: 1_700_000_000_000, toMs: 1_700_003_600_000 });
  });

  it('zooms through the URL, up to the data\'s now', () => {
    const { view, window, newest } = pageOf('#/');
    newest.fetchedToMs = 1_201_000;
    view.range.start();
    view.zoomTo({ fromMs: 1_210_000 - hourMs, toMs: 1_210_000 - hourMs / 2 });
    window.go(window.location.hash);
    expect(view.shown).toEqual({ fromMs: 1_210_000 - hourMs, toMs: 1_210_000 - hourMs / 2 });
    view.range.stop();
  });
});
