///<reference types="svelte" />
;// One direction's utilization: a small bar coloured by band (< 60% green, 60–80% amber,
// ≥ 80% red) and the percentage.

import { utilizationBand } from '../lib/national.ts';

;type $$ComponentProps =  { utilization: number | null; label: string; text: string; stale?: boolean };function $$render() {

  
  
  

  let {
    utilization,
    label,
    text,
    stale = false,
  }:/*Ωignore_startΩ*/$$ComponentProps/*Ωignore_endΩ*/ = $props();

  const band = $derived(utilization === null ? 'none' : utilizationBand(utilization));
  const widthPercent = $derived(utilization === null ? 0 : Math.min(Math.max(utilization, 0), 1) * 100);
;
async () => {

 { svelteHTML.createElement("span", {   "class":`util ${band}`,...__sveltets_2_empty({"data-band":band}),});stale;
   { svelteHTML.createElement("span", { "class":`dir`,});label; }
   { svelteHTML.createElement("span", { "class":`track`,}); { svelteHTML.createElement("span", {  "class":`fill`,});__sveltets_2_ensureType(String, Number, `${widthPercent} `); } }
   { svelteHTML.createElement("span", { "class":`value`,});text; }
 }


};
return { props: {} as any as $$ComponentProps, exports: {}, bindings: __sveltets_$$bindings(''), slots: {}, events: {} }}
const UtilBar__SvelteComponent_ = __sveltets_2_fn_component($$render());
/*Ωignore_startΩ*/type UtilBar__SvelteComponent_ = ReturnType<typeof UtilBar__SvelteComponent_>;
/*Ωignore_endΩ*/export default UtilBar__SvelteComponent_;