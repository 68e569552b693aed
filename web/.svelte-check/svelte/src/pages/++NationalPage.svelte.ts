///<reference types="svelte" />
;// National page: the operators' summary line, the live chart of the national tier-1 total,
// and every tier-1 link in a dense table sortable by utilization.

import UtilBar from '../components/UtilBar.svelte';
import type { Topology } from '../lib/api.ts';
import { nationalColumns } from '../lib/chart-data.ts';
import { nationalChartOptions } from '../lib/chart-options.ts';
import { getAppContext } from '../lib/context.ts';
import { sortRows, summarizeProvinces, tierOneRows, type SortKey, type SortOrder } from '../lib/national.ts';
import { linkHref } from '../lib/route.ts';
import { uplotChart } from '../lib/uplot.svelte.ts';

;type $$ComponentProps =  { topology: Topology };function $$render() {

  
  
  
  
  
  
  
  
  
  

  let { topology }:/*Ωignore_startΩ*/$$ComponentProps/*Ωignore_endΩ*/ = $props();

  const { live, locale } = getAppContext();
  const fmt = $derived(locale.fmt);

  let sort: SortOrder = $state({ key: 'province', descending: false });

  const rows = $derived(tierOneRows(topology, live.data.latest, live.data.newestAtMs, live.limits.staleIntervals));
  const sortedRows = $derived(sortRows(rows, sort));
  const summary = $derived(summarizeProvinces(rows));
  const summaryText = $derived(
    fmt.t('national.summary', { low: summary.low, total: summary.total, mid: summary.mid, high: summary.high }),
  );
  const chartColumns = $derived(nationalColumns(live.data.national, topology.intervalMs * 2.5));

  function sortBy(key: SortKey): void {
    sort =
      sort.key === key ? { key, descending: !sort.descending } : { key, descending: key === 'utilization' };
  }

  function ariaSort(key: SortKey): 'ascending' | 'descending' | 'none' {
    if (sort.key !== key) return 'none';
    return sort.descending ? 'descending' : 'ascending';
  }

  function sortMark(key: SortKey): string {
    if (sort.key !== key) return '↕';
    return sort.descending ? '▼' : '▲';
  }
;
async () => {

 { svelteHTML.createElement("section", {   "class":`national`,...__sveltets_2_empty({"data-testid":`national-page`}),});
   { svelteHTML.createElement("div", { "class":`top`,});
     { svelteHTML.createElement("div", { "class":`title`,});
       { svelteHTML.createElement("h1", {});fmt.t('national.title'); }
       { svelteHTML.createElement("p", {   "class":`summary`,...__sveltets_2_empty({"data-testid":`summary`}),});
         { svelteHTML.createElement("span", {});summaryText; }
        if(summary.noData > 0){
           { svelteHTML.createElement("span", { "class":`nodata`,}); fmt.t('national.summaryNoData', { count: summary.noData }); }
        }
       }
      if(live.data.newestAtMs !== null){
         { svelteHTML.createElement("p", { "class":`updated muted`,});fmt.t('common.updatedAt', { time: fmt.dateTime(live.data.newestAtMs) }); }
      }
     }
     { svelteHTML.createElement("div", { "class":`legend muted`,});
       { svelteHTML.createElement("span", {}); { svelteHTML.createElement("i", { "class":`chip low`,}); }fmt.t('band.low'); }
       { svelteHTML.createElement("span", {}); { svelteHTML.createElement("i", { "class":`chip mid`,}); }fmt.t('band.mid'); }
       { svelteHTML.createElement("span", {}); { svelteHTML.createElement("i", { "class":`chip high`,}); }fmt.t('band.high'); }
     }
   }

   { svelteHTML.createElement("div", { "class":`panel chart-panel`,});
     { svelteHTML.createElement("h2", {});fmt.t('national.chartTitle'); }
     { svelteHTML.createElement("div", {      "class":`chart`,...__sveltets_2_empty({"data-testid":`live-chart`}),[Symbol("@attach")]:uplotChart({ options: () => nationalChartOptions(fmt), data: () => chartColumns, heightPx: 220 }),}); }
   }

  if(rows.length === 0){
     { svelteHTML.createElement("p", { "class":`panel empty`,});fmt.t('national.empty'); }
  }else{
     { svelteHTML.createElement("div", {  "class":`panel table-panel`,});live.connection !== 'open';
       { svelteHTML.createElement("table", { ...__sveltets_2_empty({"data-testid":`national-table`}),});
         { svelteHTML.createElement("caption", {});fmt.t('table.caption'); }
         { svelteHTML.createElement("thead", {});
           { svelteHTML.createElement("tr", {});
             { svelteHTML.createElement("th", { "class":`num rank`,});  }
             { svelteHTML.createElement("th", { "aria-sort":ariaSort('province'),});
               { svelteHTML.createElement("button", {     "type":`button`,"title":fmt.t('table.sortByProvince'),"onclick":() => sortBy('province'),});
                fmt.t('table.province');  { svelteHTML.createElement("span", { "class":`mark`,});sortMark('province'); }
               }
             }
             { svelteHTML.createElement("th", {});fmt.t('table.link'); }
             { svelteHTML.createElement("th", { "class":`num`,});fmt.t('table.capacity'); }
             { svelteHTML.createElement("th", { "class":`num`,});fmt.t('table.down'); }
             { svelteHTML.createElement("th", { "class":`num`,});fmt.t('table.up'); }
             { svelteHTML.createElement("th", {   "aria-sort":ariaSort('utilization'),"class":`util-head`,});
               { svelteHTML.createElement("button", {         "type":`button`,...__sveltets_2_empty({"data-testid":`sort-utilization`}),"title":fmt.t('table.sortByUtil'),"onclick":() => sortBy('utilization'),});
                fmt.t('table.utilization');  { svelteHTML.createElement("span", { "class":`mark`,});sortMark('utilization'); }
               }
             }
           }
         }
         { svelteHTML.createElement("tbody", {});
              for(let row of __sveltets_2_ensureArray(sortedRows)){let index = 1;row.link.id;
             { svelteHTML.createElement("tr", {      ...__sveltets_2_empty({"data-testid":`link-row`}),...__sveltets_2_empty({"data-link":row.link.id}),"title":row.stale ? fmt.t('common.stale') : undefined,});row.stale;
               { svelteHTML.createElement("td", { "class":`num rank`,});index + 1; }
               { svelteHTML.createElement("td", { "class":`province`,}); { svelteHTML.createElement("a", { "href":linkHref(row.link.id),});row.provinceName; } }
               { svelteHTML.createElement("td", { "class":`name`,}); { svelteHTML.createElement("a", { "href":linkHref(row.link.id),});row.linkName; } }
               { svelteHTML.createElement("td", { "class":`num`,});fmt.capacity(row.capacityBps); }
               { svelteHTML.createElement("td", {   "class":`num rate`,...__sveltets_2_empty({"data-testid":`rate-down`}),});fmt.bitRate(row.down?.bitsPerSecond); }
               { svelteHTML.createElement("td", {   "class":`num rate`,...__sveltets_2_empty({"data-testid":`rate-up`}),});fmt.bitRate(row.up?.bitsPerSecond); }
               { svelteHTML.createElement("td", {     "class":`util`,...__sveltets_2_empty({"data-testid":`utilization`}),...__sveltets_2_empty({"data-utilization":row.utilization ?? ''}),});
                 { svelteHTML.createElement("div", { "class":`utils`,});
                 { const $$_raBlitU7C = __sveltets_2_ensureComponent(UtilBar); new $$_raBlitU7C({ target: __sveltets_2_any(), props: {         "label":`↓`,"utilization":row.down?.utilization ?? null,"text":fmt.utilization(row.down?.utilization),"stale":row.stale,}});}
                 { const $$_raBlitU7C = __sveltets_2_ensureComponent(UtilBar); new $$_raBlitU7C({ target: __sveltets_2_any(), props: {         "label":`↑`,"utilization":row.up?.utilization ?? null,"text":fmt.utilization(row.up?.utilization),"stale":row.stale,}});}
                 }
               }
             }
          }
         }
       }
     }
  }
 }


};
return { props: {} as any as $$ComponentProps, exports: {}, bindings: __sveltets_$$bindings(''), slots: {}, events: {} }}
const NationalPage__SvelteComponent_ = __sveltets_2_fn_component($$render());
/*Ωignore_startΩ*/type NationalPage__SvelteComponent_ = ReturnType<typeof NationalPage__SvelteComponent_>;
/*Ωignore_endΩ*/export default NationalPage__SvelteComponent_;