// Builds the Svelte UI from web/ into web/dist; in dev, /api (REST and the live WebSocket)
// goes to the server on 127.0.0.1:8080 (LANEWATCH_API_URL points it elsewhere).
import { fileURLToPath } from 'node:url';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { defineConfig } from 'vite';

const webDir = fileURLToPath(new URL('.', import.meta.url));
const apiTarget = process.env['LANEWATCH_API_URL'] ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: webDir,
  base: './',
  plugins: [svelte({ configFile: fileURLToPath(new URL('./svelte.config.js', import.meta.url)) })],
  build: {
    outDir: fileURLToPath(new URL('./dist', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
  },
  server: {
    host: '127.0.0.1',
    proxy: {
      '/api': { target: apiTarget, changeOrigin: false, ws: true },
    },
  },
  preview: { host: '127.0.0.1' },
});
