import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { browserOnly } from './browser-only.mjs';

// The review app (apps/web): built into apps/web/dist, which the API serves at / (apps/api/plugins/web-app.ts).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  // Preact's automatic JSX runtime; no framework plugin needed.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // Any Node built-in reached from the page fails the build (test/apps/web/bundle.test.ts).
  plugins: [browserOnly()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every asset a file of its own: the page's policy allows no inline data: URLs.
    assetsInlineLimit: 0,
    // No modulepreload polyfill: it would be an inline script, which the page's policy forbids.
    modulePreload: { polyfill: false },
  },
});
