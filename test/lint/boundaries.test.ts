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

test("a lib's other public faces (eslint.config.js FACES) pass; files past them do not", async () => {
  assert.deepEqual(await boundaryErrors('apps/api/main.ts', "export { configOrExit } from '../../libs/config/node.js';\n"), []);
  assert.deepEqual(await boundaryErrors('libs/pipeline/face-pool.ts', "export { nativeBackendPossible } from '../vision/backends.js';\n"), []);
  const past = await boundaryErrors('libs/pipeline/face-pool.ts', "export { tf } from '../vision/tf.js';\n");
  assert.equal(past.length, 1);
  assert.match(past[0], /reaches past libs\/vision\/index\.ts: import the lib's public face \(libs\/vision\/index\.js or backends\.js\)/);
});

test('the browser app imports only the browser-safe faces (config and sdk index.ts)', async () => {
  assert.deepEqual(await boundaryErrors('apps/web/src/api.ts', "export { createClient } from '../../../libs/sdk/index.js';\n"), []);
  assert.deepEqual(await boundaryErrors('apps/web/src/api.ts', "export { KeycastError } from '../../../libs/config/index.js';\n"), []);
  for (const source of ['../../../libs/sdk/node.js', '../../../libs/config/node.js', '../../../libs/webhooks/index.js', '../../../libs/clustering/index.js']) {
    const errors = await boundaryErrors('apps/web/src/api.ts', `export * from '${source}';\n`);
    assert.equal(errors.length, 1, source);
    assert.match(errors[0], /apps\/web runs in a browser: .* is not a browser-safe face \(the index\.ts of libs config, sdk\)/);
  }
});

test('dynamic imports are checked too', async () => {
  const errors = await boundaryErrors('libs/clustering/index.ts', "export const load = () => import('../../apps/api/app.js');\n");
  assert.equal(errors.length, 1);
});

test('tests may reach lib internals (unit tests of one module)', async () => {
  assert.deepEqual(await boundaryErrors('test/libs/clustering/pdist.test.ts', "export * from '../../../libs/clustering/pdist.js';\n"), []);
});
