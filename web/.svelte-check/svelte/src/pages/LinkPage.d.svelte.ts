export { default } from "./++LinkPage.svelte.ts";
export * from "./++LinkPage.svelte.ts";
