export { default } from "./++UtilBar.svelte.ts";
export * from "./++UtilBar.svelte.ts";
