export { default } from "./++NationalPage.svelte.ts";
export * from "./++NationalPage.svelte.ts";
