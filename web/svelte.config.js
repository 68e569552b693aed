// Read by @sveltejs/vite-plugin-svelte (web/vite.config.ts) and by svelte-check --workspace web.
/** @type {import('@sveltejs/vite-plugin-svelte').SvelteConfig} */
export default {
  compilerOptions: { runes: true },
};
