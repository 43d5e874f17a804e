import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// The review app (apps/web): built into apps/web/dist, which the API serves at / (apps/api/plugins/web-app.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  // Preact's automatic JSX runtime; no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every asset a file of its own: the page's policy allows no inline data: URLs.
    assetsInlineLimit: 0,
    // No modulepreload polyfill: it would be an inline script, which the page's policy forbids.
    modulePreload: { polyfill: false },
    // libs/sdk also exports webhook verification (node:crypto) for receivers; the page never calls it and the bundler
    // drops it, so its "externalized for browser compatibility" notices say nothing (scripts/build-web.mjs fails
    // the build if a Node built-in ever reaches the bundle).
    rollupOptions: {
      onLog(level, log, handler) {
        if (/externalized for browser compatibility, imported by .*libs\/webhooks\//.test(log.message)) return;
        handler(level, log);
      },
    },
  },
});
