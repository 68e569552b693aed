///<reference types="svelte" />
;// Link page: what the link is, its current rates per service class, and a chart of the last
// hour (from /history) continued by the live tail from the WebSocket.

import { onMount } from 'svelte';
import UtilBar from '../components/UtilBar.svelte';
import { errorMessage, fetchHistory, type HistoryPoint, type Topology, type TrafficClass } from '../lib/api.ts';
import { constantColumn, joinSeries, lastWindow, medianStepMs, mergeHistoryAndLive, type ChartColumns } from '../lib/chart-data.ts';
import { linkChartOptions } from '../lib/chart-options.ts';
import { getAppContext } from '../lib/context.ts';
import type { MessageKey } from '../lib/i18n.ts';
import { isStale, sampleKey } from '../lib/live-store.ts';
import { uplotChart } from '../lib/uplot.svelte.ts';

;type $$ComponentProps =  { topology: Topology; linkId: string };function $$render() {

  
  
  
  
  
  
  
  
  
  
  

  // The parent keys this page by linkId: a new link mounts a new page.
  let { topology, linkId }:/*Ωignore_startΩ*/$$ComponentProps/*Ωignore_endΩ*/ = $props();

  const { live, locale } = getAppContext();
  const fmt = $derived(locale.fmt);

  const historyWindowMs = 60 * 60 * 1000;
  const classes: readonly TrafficClass[] = ['total', 'internet', 'docex', 'video', 'other'];
  const classKeys: Record<TrafficClass, MessageKey> = {
    total: 'class.total',
    internet: 'class.internet',
    docex: 'class.docex',
    video: 'class.video',
    other: 'class.other',
  };

  const link = $derived(topology.links.find((candidate) => candidate.id === linkId) ?? null);
  const province = $derived(topology.provinces.find((candidate) => candidate.id === link?.province) ?? null);
  const router = $derived(topology.routers.find((candidate) => candidate.id === link?.router) ?? null);

  let history = $state.raw<{ down: HistoryPoint[]; up: HistoryPoint[] } | null>(null);
  let historyError = $state<string | null>(null);

  onMount(() => {
    if (link === null) return;
    const release = live.watch(linkId);
    const abort = new AbortController();
    Promise.all([
      fetchHistory({ link: linkId, dir: 'down', class: 'total', from: '-1h', to: 'now' }, abort.signal),
      fetchHistory({ link: linkId, dir: 'up', class: 'total', from: '-1h', to: 'now' }, abort.signal),
    ]).then(
      ([down, up]) => {
        history = { down: down.points, up: up.points };
      },
      (error: unknown) => {
        if (!abort.signal.aborted) historyError = errorMessage(error);
      },
    );
    return () => {
      abort.abort();
      release();
    };
  });

  const latestByClass = $derived(
    classes.map((trafficClass) => ({
      trafficClass,
      down: live.data.latest.get(sampleKey(linkId, 'down', trafficClass)) ?? null,
      up: live.data.latest.get(sampleKey(linkId, 'up', trafficClass)) ?? null,
    })),
  );
  const total = $derived(latestByClass[0] ?? { trafficClass: 'total', down: null, up: null });
  const capacityBps = $derived(link?.capacityBps ?? total.down?.capacityBps ?? total.up?.capacityBps ?? null);
  const stale = $derived(
    [total.down, total.up].every(
      (sample) => sample === null || isStale(sample, live.data.newestAtMs, live.limits.staleIntervals),
    ) &&
      (total.down !== null || total.up !== null),
  );

  const chartColumns: ChartColumns = $derived.by(() => {
    const down = mergeHistoryAndLive(history?.down ?? [], live.series(linkId, 'down'));
    const up = mergeHistoryAndLive(history?.up ?? [], live.series(linkId, 'up'));
    const newestAtMs = Math.max(down[down.length - 1]?.atMs ?? 0, up[up.length - 1]?.atMs ?? 0);
    // A gap is a hole of more than 2.5 polls, or of 2.5 history steps when it is rolled up.
    const gapAfterMs = 2.5 * Math.max(topology.intervalMs, medianStepMs(history?.down ?? []));
    const [xs, ...ys] = joinSeries(
      [lastWindow(down, historyWindowMs, newestAtMs), lastWindow(up, historyWindowMs, newestAtMs)],
      gapAfterMs,
    );
    return [xs, ...ys, constantColumn(xs, capacityBps)];
  });

  const downIsKey: MessageKey = $derived(link?.downIs === 'in' ? 'link.downIs.in' : 'link.downIs.out');
;
async () => {

if(link === null){
   { svelteHTML.createElement("div", {   "class":`panel missing`,...__sveltets_2_empty({"data-testid":`link-missing`}),});
     { svelteHTML.createElement("p", {});fmt.t('link.notFound', { id: linkId }); }
     { svelteHTML.createElement("a", { "href":`#/`,});fmt.t('link.back'); }
   }
}else{
   { svelteHTML.createElement("section", {     "class":`link-page`,...__sveltets_2_empty({"data-testid":`link-page`}),...__sveltets_2_empty({"data-link":link.id}),});
     { svelteHTML.createElement("div", { "class":`heading`,});
       { svelteHTML.createElement("a", {   "class":`back`,"href":`#/`,});fmt.t('link.back'); }
       { svelteHTML.createElement("h1", {});link.name ?? link.id; }
      if(total.down !== null || total.up !== null){
         { svelteHTML.createElement("p", {  "class":`updated muted`,});stale;
          fmt.t('common.updatedAt', { time: fmt.dateTime(Math.max(total.down?.atMs ?? 0, total.up?.atMs ?? 0)) });
          if(stale){ fmt.t('common.stale');}
         }
      }
     }

     { svelteHTML.createElement("div", { "class":`grid`,});
       { svelteHTML.createElement("div", { "class":`panel info`,});
         { svelteHTML.createElement("dl", {});
           { svelteHTML.createElement("dt", {});fmt.t('link.province'); }
           { svelteHTML.createElement("dd", {});province?.name ?? link.province; }
           { svelteHTML.createElement("dt", {});fmt.t('link.tier'); }
           { svelteHTML.createElement("dd", {});fmt.t('link.tierValue', { tier: link.tier }); }
           { svelteHTML.createElement("dt", {});fmt.t('link.router'); }
           { svelteHTML.createElement("dd", {});router?.name ?? link.router; }
           { svelteHTML.createElement("dt", {});fmt.t('link.interface'); }
           { svelteHTML.createElement("dd", {}); { svelteHTML.createElement("code", {});link.ifName; } }
           { svelteHTML.createElement("dt", {});fmt.t('link.capacity'); }
           { svelteHTML.createElement("dd", {});fmt.capacity(capacityBps); }
           { svelteHTML.createElement("dt", {});fmt.t('link.downIs'); }
           { svelteHTML.createElement("dd", {});fmt.t(downIsKey); }
         }
       }

       { svelteHTML.createElement("div", { "class":`panel now`,});
         { svelteHTML.createElement("div", { "class":`big`,});
           { svelteHTML.createElement("div", {});
             { svelteHTML.createElement("span", { "class":`label`,});fmt.t('chart.down'); }
             { svelteHTML.createElement("span", {   "class":`value down`,...__sveltets_2_empty({"data-testid":`link-rate-down`}),});fmt.bitRate(total.down?.bitsPerSecond); }
             { const $$_raBlitU5C = __sveltets_2_ensureComponent(UtilBar); new $$_raBlitU5C({ target: __sveltets_2_any(), props: {        "label":`↓`,"utilization":total.down?.utilization ?? null,"text":fmt.utilization(total.down?.utilization),stale,}});}
           }
           { svelteHTML.createElement("div", {});
             { svelteHTML.createElement("span", { "class":`label`,});fmt.t('chart.up'); }
             { svelteHTML.createElement("span", {   "class":`value up`,...__sveltets_2_empty({"data-testid":`link-rate-up`}),});fmt.bitRate(total.up?.bitsPerSecond); }
             { const $$_raBlitU5C = __sveltets_2_ensureComponent(UtilBar); new $$_raBlitU5C({ target: __sveltets_2_any(), props: {        "label":`↑`,"utilization":total.up?.utilization ?? null,"text":fmt.utilization(total.up?.utilization),stale,}});}
           }
         }
         { svelteHTML.createElement("table", { "class":`classes`,});
           { svelteHTML.createElement("caption", {});fmt.t('link.byClass'); }
           { svelteHTML.createElement("thead", {});
             { svelteHTML.createElement("tr", {});
               { svelteHTML.createElement("th", {});fmt.t('link.class'); }
               { svelteHTML.createElement("th", { "class":`num`,});fmt.t('table.down'); }
               { svelteHTML.createElement("th", { "class":`num`,});fmt.t('table.up'); }
               { svelteHTML.createElement("th", { "class":`num`,});fmt.t('link.drops'); }
             }
           }
           { svelteHTML.createElement("tbody", {});
               for(let row of __sveltets_2_ensureArray(latestByClass)){row.trafficClass;
               { svelteHTML.createElement("tr", { });row.trafficClass === 'total';
                 { svelteHTML.createElement("td", {});fmt.t(classKeys[row.trafficClass]); }
                 { svelteHTML.createElement("td", { "class":`num`,});fmt.bitRate(row.down?.bitsPerSecond); }
                 { svelteHTML.createElement("td", { "class":`num`,});fmt.bitRate(row.up?.bitsPerSecond); }
                 { svelteHTML.createElement("td", { "class":`num`,});
                  row.down?.dropBitsPerSecond === undefined && row.up?.dropBitsPerSecond === undefined
                    ? fmt.t('common.dash')
                    : fmt.bitRate((row.down?.dropBitsPerSecond ?? 0) + (row.up?.dropBitsPerSecond ?? 0));
                 }
               }
            }
           }
         }
       }
     }

     { svelteHTML.createElement("div", { "class":`panel chart-panel`,});
       { svelteHTML.createElement("h2", {});
        fmt.t('link.chartTitle');
        if(history === null && historyError === null){ { svelteHTML.createElement("span", { "class":`muted`,}); fmt.t('common.loading'); }}
       }
      if(historyError !== null){
         { svelteHTML.createElement("p", {   "class":`error`,"role":`alert`,});fmt.t('error.history', { message: historyError }); }
      }
       { svelteHTML.createElement("div", {        "class":`chart`,...__sveltets_2_empty({"data-testid":`link-chart`}),...__sveltets_2_empty({"data-history-points":history === null ? '' : history.down.length}),[Symbol("@attach")]:uplotChart({ options: () => linkChartOptions(fmt), data: () => chartColumns, heightPx: 300 }),}); }
     }
   }
}


};
return { props: {} as any as $$ComponentProps, exports: {}, bindings: __sveltets_$$bindings(''), slots: {}, events: {} }}
const LinkPage__SvelteComponent_ = __sveltets_2_fn_component($$render());
/*Ωignore_startΩ*/type LinkPage__SvelteComponent_ = ReturnType<typeof LinkPage__SvelteComponent_>;
/*Ωignore_endΩ*/export default LinkPage__SvelteComponent_;