///<reference types="svelte" />
;// The shell: creates the shared parts (language, live client, health poller, router) once,
// starts them on mount and stops them in reverse order; loads the topology; picks the page.

import { onMount } from 'svelte';
import Header from './components/Header.svelte';
import LinkPage from './pages/LinkPage.svelte';
import NationalPage from './pages/NationalPage.svelte';
import { errorMessage, fetchTopology, liveUrl, type Topology } from './lib/api.ts';
import { setAppContext } from './lib/context.ts';
import { HealthMonitor } from './lib/health.svelte.ts';
import { LiveClient } from './lib/live.svelte.ts';
import { LocaleState } from './lib/locale.svelte.ts';
import { HashRouter } from './lib/router.svelte.ts';
function $$render() {

  
  
  
  
  
  
  
  
  
  
  
  

  function browserStorage(): Storage | null {
    try {
      return window.localStorage;
    } catch {
      return null;
    }
  }

  const locale = new LocaleState({ storage: browserStorage() });
  const live = new LiveClient({ url: liveUrl(window.location) });
  const health = new HealthMonitor();
  const router = new HashRouter({ window });
  setAppContext({ live, health, locale });

  onMount(() => {
    router.start();
    live.start();
    health.start();
    return () => {
      health.stop();
      live.stop();
      router.stop();
    };
  });

  let topology = $state.raw<Topology | null>(null);
  let topologyError = $state<string | null>(null);
  let topologyAttempt = $state(0);

  $effect(() => {
    void topologyAttempt;
    const abort = new AbortController();
    fetchTopology(abort.signal).then(
      (loaded) => {
        topology = loaded;
        topologyError = null;
      },
      (error: unknown) => {
        if (!abort.signal.aborted) topologyError = errorMessage(error);
      },
    );
    return () => abort.abort();
  });

  const fmt = $derived(locale.fmt);
  const route = $derived(router.route);
  const currentLink = $derived(
    route.page === 'link' && topology !== null ? (topology.links.find((link) => link.id === route.linkId) ?? null) : null,
  );
  const pageTitle = $derived(
    route.page === 'link' ? (currentLink?.name ?? route.linkId) : fmt.t('national.title'),
  );

  $effect(() => {
    document.documentElement.lang = locale.locale;
  });
  $effect(() => {
    document.title = `${pageTitle} · ${fmt.t('app.name')}`;
  });
;
async () => {

 { const $$_redaeH0C = __sveltets_2_ensureComponent(Header); new $$_redaeH0C({ target: __sveltets_2_any(), props: {   route,"linkName":route.page === 'link' ? (currentLink?.name ?? route.linkId) : null,}});}

 { svelteHTML.createElement("main", {});
  if(topologyError !== null){
     { svelteHTML.createElement("div", {   "class":`message error panel`,"role":`alert`,});
       { svelteHTML.createElement("p", {});fmt.t('error.topology', { message: topologyError }); }
       { svelteHTML.createElement("button", {   "type":`button`,"onclick":() => (topologyAttempt += 1),});fmt.t('common.retry'); }
     }
  } else if (topology === null){
     { svelteHTML.createElement("p", { "class":`message muted`,});fmt.t('common.loading'); }
  } else if (route.page === 'national'){
     { const $$_egaPlanoitaN1C = __sveltets_2_ensureComponent(NationalPage); new $$_egaPlanoitaN1C({ target: __sveltets_2_any(), props: { topology,}});}
  } else if (route.page === 'link'){
    route.linkId; {
       { const $$_egaPkniL1C = __sveltets_2_ensureComponent(LinkPage); new $$_egaPkniL1C({ target: __sveltets_2_any(), props: {   topology,"linkId":route.linkId,}});}
    }
  }else{
     { svelteHTML.createElement("div", { "class":`message panel`,});
       { svelteHTML.createElement("p", {});fmt.t('error.notFound', { path: route.path }); }
       { svelteHTML.createElement("a", { "href":`#/`,});fmt.t('link.back'); }
     }
  }
 }


};
return { props: {} as Record<string, never>, exports: {}, bindings: __sveltets_$$bindings(''), slots: {}, events: {} }}
const App__SvelteComponent_ = __sveltets_2_fn_component($$render());
/*Ωignore_startΩ*/type App__SvelteComponent_ = ReturnType<typeof App__SvelteComponent_>;
/*Ωignore_endΩ*/export default App__SvelteComponent_;