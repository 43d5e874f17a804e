// ESLint rule `keycast/boundaries`: the architecture's import rules, checked on every relative import.
//   - a lib never imports an app; an app never imports another app;
//   - libs import each other only along the allowed graph (options.libs: lib → libs it may use), which
//     must be acyclic ("only downward"), and only through the other lib's public faces (below);
//   - apps use libs only through their public faces: index.ts, or a face options.faces names (lib → file names);
//   - a browser app (options.browser.apps) imports only the browser libs (options.browser.libs), through index.ts.
// Files inside one lib (or one app) import each other freely. Folders listed in options.internalAccess
// (tests, benchmarks) may import lib internals, never the other way round.
import { dirname, relative, resolve, sep } from 'node:path';

function acyclic(libs) {
  const state = new Map();
  const visit = (lib, path) => {
    if (state.get(lib) === 'done') return;
    if (state.get(lib) === 'open') throw new Error(`keycast/boundaries: the lib graph has a cycle: ${[...path, lib].join(' → ')}`);
    state.set(lib, 'open');
    for (const dep of libs[lib] ?? []) {
      if (!(dep in libs)) throw new Error(`keycast/boundaries: libs.${lib} names unknown lib ${dep}`);
      visit(dep, [...path, lib]);
    }
    state.set(lib, 'done');
  };
  for (const lib of Object.keys(libs)) visit(lib, []);
}

/** Where a file sits: { kind: 'app' | 'lib' | 'other', name, rest } (rest: path inside the app or lib). */
function place(root, file) {
  const parts = relative(root, file).split(sep);
  if ((parts[0] === 'apps' || parts[0] === 'libs') && parts.length > 2) {
    return { kind: parts[0] === 'apps' ? 'app' : 'lib', name: parts[1], rest: parts.slice(2).join('/'), top: parts[0] };
  }
  return { kind: 'other', name: parts[0], rest: parts.slice(1).join('/'), top: parts[0] };
}

const isIndex = (rest) => /^index\.(js|ts|mjs)$/.test(rest);
const isFace = (rest, faces = []) => isIndex(rest) || faces.some((f) => new RegExp(`^${f}\\.(js|ts|mjs)$`).test(rest));

export const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'apps use libs; libs never import apps; libs import each other downward and only through index.ts' },
    schema: [
      {
        type: 'object',
        properties: {
          libs: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          faces: { type: 'object', additionalProperties: { type: 'array', items: { type: 'string' } } },
          browser: {
            type: 'object',
            properties: { apps: { type: 'array', items: { type: 'string' } }, libs: { type: 'array', items: { type: 'string' } } },
            additionalProperties: false,
          },
          internalAccess: { type: 'array', items: { type: 'string' } },
        },
        required: ['libs'],
        additionalProperties: false,
      },
    ],
    messages: {
      libImportsApp: 'libs/{{from}} imports apps/{{to}}: a lib never imports an app (apps compose libs)',
      appImportsApp: 'apps/{{from}} imports apps/{{to}}: apps do not import each other (move the shared part into a lib)',
      notAllowed: 'libs/{{from}} may not import libs/{{to}}: its allowed libs are [{{allowed}}] (the graph in eslint.config.js)',
      unknownLib: 'libs/{{to}} is not in the lib graph of eslint.config.js: add it with the libs it may use',
      deepImport: "'{{source}}' reaches past libs/{{to}}/index.ts: import the lib's public face (libs/{{to}}/index.js{{faces}})",
      notBrowser: "apps/{{from}} runs in a browser: '{{source}}' is not a browser-safe face (the index.ts of libs {{allowed}})",
      intoTests: "'{{source}}': {{from}} code never imports {{to}}/",
    },
  },
  create(context) {
    const { libs, faces = {}, browser = { apps: [], libs: [] }, internalAccess = [] } = context.options[0];
    acyclic(libs);
    const root = context.cwd;
    const file = context.filename;
    const from = place(root, file);

    function check(node, source) {
      if (typeof source !== 'string' || !source.startsWith('.')) return;
      const to = place(root, resolve(dirname(file), source));
      if (from.kind !== 'other' && to.kind === 'other' && to.top !== from.top && ['test', 'bench'].includes(to.top)) {
        context.report({ node, messageId: 'intoTests', data: { source, from: from.top, to: to.top } });
        return;
      }
      if (to.kind === 'other') return;
      const same = from.kind === to.kind && from.name === to.name;
      if (same) return;
      if (to.kind === 'app') {
        if (from.kind === 'lib') context.report({ node, messageId: 'libImportsApp', data: { from: from.name, to: to.name } });
        else if (from.kind === 'app') context.report({ node, messageId: 'appImportsApp', data: { from: from.name, to: to.name } });
        return;
      }
      // to.kind === 'lib'
      if (!(to.name in libs)) {
        context.report({ node, messageId: 'unknownLib', data: { to: to.name } });
        return;
      }
      if (from.kind === 'lib' && !libs[from.name]?.includes(to.name)) {
        context.report({ node, messageId: 'notAllowed', data: { from: from.name, to: to.name, allowed: (libs[from.name] ?? []).join(', ') } });
        return;
      }
      if (from.kind === 'app' && browser.apps?.includes(from.name) && !(browser.libs?.includes(to.name) && isIndex(to.rest))) {
        context.report({ node, messageId: 'notBrowser', data: { source, from: from.name, allowed: (browser.libs ?? []).join(', ') } });
        return;
      }
      if (!isFace(to.rest, faces[to.name]) && !(from.kind === 'other' && internalAccess.includes(from.top))) {
        const more = (faces[to.name] ?? []).map((f) => ` or ${f}.js`).join('');
        context.report({ node, messageId: 'deepImport', data: { source, to: to.name, faces: more } });
      }
    }

    const fromSource = (node) => check(node.source, node.source?.value);
    return {
      ImportDeclaration: fromSource,
      ExportNamedDeclaration: fromSource,
      ExportAllDeclaration: fromSource,
      ImportExpression(node) {
        if (node.source.type === 'Literal') check(node.source, node.source.value);
      },
    };
  },
};

export default { rules: { boundaries } };
