// Deliberate boundary breaks must fail `npm run lint`: the repo's own eslint.config.js lints snippets
// placed (by filePath) inside libs/ and apps/.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

async function boundaryErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}${filePath}` });
  return result.messages.filter((m) => m.ruleId === 'keycast/boundaries').map((m) => m.message);
}

test('a lib importing an app fails lint', async () => {
  const errors = await boundaryErrors('libs/clustering/index.ts', "export { main } from '../../apps/cli/main.js';\n");
  assert.equal(errors.length, 1);
  assert.match(errors[0], /a lib never imports an app/);
});

test('a deep import past a lib index fails lint, from an app and from another lib', async () => {
  const fromApp = await boundaryErrors('apps/cli/main.ts', "import { pdist } from '../../libs/clustering/pdist.js';\nexport { pdist };\n");
  assert.equal(fromApp.length, 1);
  assert.match(fromApp[0], /reaches past libs\/clustering\/index\.ts/);
  const fromLib = await boundaryErrors('libs/media/index.ts', "export { loadConfig } from '../config/env.js';\n");
  assert.equal(fromLib.length, 1);
  assert.match(fromLib[0], /reaches past libs\/config\/index\.ts/);
});

test('a lib importing a lib above it (against the graph) fails lint; downward through index.ts passes', async () => {
  const upward = await boundaryErrors('libs/clustering/index.ts', "export * from '../config/index.js';\n");
  assert.equal(upward.length, 1);
  assert.match(upward[0], /libs\/clustering may not import libs\/config/);
  assert.deepEqual(await boundaryErrors('libs/media/index.ts', "export * from '../config/index.js';\n"), []);
  assert.deepEqual(await boundaryErrors('apps/cli/main.ts', "export * from '../../libs/clustering/index.js';\n"), []);
});

test('dynamic imports are checked too', async () => {
  const errors = await boundaryErrors('libs/clustering/index.ts', "export const load = () => import('../../apps/api/app.js');\n");
  assert.equal(errors.length, 1);
});

test('tests may reach lib internals (unit tests of one module)', async () => {
  assert.deepEqual(await boundaryErrors('test/libs/clustering/pdist.test.ts', "export * from '../../../libs/clustering/pdist.js';\n"), []);
});
