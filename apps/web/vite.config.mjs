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
    // libs/sdk also exports webhook verification for receivers (libs/webhooks: node:crypto, node:net, a BlockList
    // built at import). The page never calls it: its modules are declared free of side effects so the bundler drops
    // them, and their "externalized for browser compatibility" notices say nothing. The browser tests (test/apps/web)
    // load the built page, so a Node-only module that reached the bundle would fail them.
    rollupOptions: {
      treeshake: { moduleSideEffects: (id) => !/[\\/]libs[\\/]webhooks[\\/]/.test(id) },
      onLog(level, log, handler) {
        if (/externalized for browser compatibility, imported by .*libs\/webhooks\//.test(log.message)) return;
        handler(level, log);
      },
    },
  },
});
