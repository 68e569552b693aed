///<reference types="svelte" />
;// Product name, page nav, InfluxDB / collector health, live connection and language switch.

import { getAppContext } from '../lib/context.ts';
import { locales } from '../lib/i18n.ts';
import type { Route } from '../lib/route.ts';
;

  type Tone = 'good' | 'warn' | 'bad' | 'unknown';;
;type $$ComponentProps =  { route: Route; linkName: string | null };function $$render() {

  
  
  
  

  let { route, linkName }:/*Ωignore_startΩ*/$$ComponentProps/*Ωignore_endΩ*/ = $props();

  const { live, health, locale } = getAppContext();
  const fmt = $derived(locale.fmt);


  const influx: { tone: Tone; text: string } = $derived.by(() => {
    if (health.error !== null || health.health === null) return { tone: 'unknown', text: fmt.t('health.unknown') };
    return health.health.influx.reachable
      ? { tone: 'good', text: fmt.t('health.ok') }
      : { tone: 'bad', text: fmt.t('health.unreachable') };
  });

  const collector: { tone: Tone; text: string } = $derived.by(() => {
    if (health.error !== null || health.health === null) return { tone: 'unknown', text: fmt.t('health.unknown') };
    const state = health.health.collector;
    if (state === null) return { tone: 'unknown', text: fmt.t('health.none') };
    if (!state.running) return { tone: 'bad', text: fmt.t('health.notRunning') };
    const text = fmt.t('health.devices', { up: state.devicesUp, total: state.devices });
    return { tone: state.devicesUp < state.devices ? 'warn' : 'good', text };
  });

  const collectorTitle = $derived.by(() => {
    const lastPollAtMs = health.health?.collector?.lastPollAtMs;
    return lastPollAtMs === null || lastPollAtMs === undefined ? '' : fmt.t('health.lastPoll', { time: fmt.time(lastPollAtMs) });
  });

  const connLabel = $derived(
    live.connection === 'open' ? fmt.t('conn.open') : live.connection === 'connecting' ? fmt.t('conn.connecting') : fmt.t('conn.closed'),
  );
;
async () => {

 { svelteHTML.createElement("header", {});
   { svelteHTML.createElement("a", {   "class":`brand`,"href":`#/`,});
     { svelteHTML.createElement("svg", {   "viewBox":`0 0 16 16`,"aria-hidden":`true`,}); { svelteHTML.createElement("path", {  "d":`M1 11h3l2-6 2 8 2-4h5`,});} }
     { svelteHTML.createElement("span", {});fmt.t('app.name'); }
   }

   { svelteHTML.createElement("nav", { "aria-label":fmt.t('nav.label'),});
     { svelteHTML.createElement("a", {    "href":`#/`,"aria-current":route.page === 'national' ? 'page' : undefined,});route.page === 'national';
      fmt.t('nav.national');
     }
    if(route.page === 'link'){
       { svelteHTML.createElement("span", {   "class":`sep`,"aria-hidden":`true`,});  }
       { svelteHTML.createElement("span", {   "class":`active`,"aria-current":`page`,});fmt.t('nav.link'); linkName; }
    }
   }

   { svelteHTML.createElement("div", { "class":`status`,});
     { svelteHTML.createElement("span", {     "class":`pill ${influx.tone}`,...__sveltets_2_empty({"data-testid":`health-influx`}),...__sveltets_2_empty({"data-tone":influx.tone}),});
       { svelteHTML.createElement("span", { "class":`dot`,}); }fmt.t('health.influx'); influx.text;
     }
     { svelteHTML.createElement("span", {       "class":`pill ${collector.tone}`,...__sveltets_2_empty({"data-testid":`health-collector`}),...__sveltets_2_empty({"data-tone":collector.tone}),"title":collectorTitle,});
       { svelteHTML.createElement("span", { "class":`dot`,}); }fmt.t('health.collector'); collector.text;
     }
     { svelteHTML.createElement("span", {       "class":`pill conn ${live.connection}`,...__sveltets_2_empty({"data-testid":`conn`}),...__sveltets_2_empty({"data-state":live.connection}),"title":fmt.t('conn.title'),});
       { svelteHTML.createElement("span", { "class":`dot`,}); }connLabel;
     }
     { svelteHTML.createElement("div", {     "class":`lang`,"role":`group`,"aria-label":fmt.t('lang.label'),});
         for(let code of __sveltets_2_ensureArray(locales)){code;
         { svelteHTML.createElement("button", {          "type":`button`,...__sveltets_2_empty({"data-testid":`lang-${code}`}),"aria-pressed":locale.locale === code,"onclick":() => locale.set(code),});locale.locale === code;
          fmt.t(code === 'vi' ? 'lang.vi' : 'lang.en');
         }
      }
     }
   }
 }


};
return { props: {} as any as $$ComponentProps, exports: {}, bindings: __sveltets_$$bindings(''), slots: {}, events: {} }}
const Header__SvelteComponent_ = __sveltets_2_fn_component($$render());
/*Ωignore_startΩ*/type Header__SvelteComponent_ = ReturnType<typeof Header__SvelteComponent_>;
/*Ωignore_endΩ*/export default Header__SvelteComponent_;