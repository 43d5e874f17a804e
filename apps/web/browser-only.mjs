import { builtinModules } from 'node:module';

const NODE_BUILTINS = new Set(builtinModules);

/** Whether an import specifier names a Node built-in (`node:fs`, `fs`, `fs/promises` …). */
export function isNodeBuiltin(source) {
  return source.startsWith('node:') || NODE_BUILTINS.has(source) || NODE_BUILTINS.has(source.split('/')[0]);
}

/**
 * A Vite plugin that fails the build on any import of a Node built-in, wherever in the graph it is (used or not, so
 * tree-shaking cannot hide one), naming the importing file. Without it Vite only warns ("externalized for browser
 * compatibility") and the page breaks at run time. Server code stays out of the bundle by the libs' faces: the page
 * imports libs/sdk/index.ts (browser-safe), never libs/sdk/node.ts.
 */
export function browserOnly() {
  return {
    name: 'keycast:browser-only',
    enforce: 'pre',
    resolveId(source, importer) {
      if (importer && isNodeBuiltin(source)) {
        this.error(`Node-only import "${source}" in the browser bundle, imported by ${importer}`);
      }
      return null;
    },
  };
}
