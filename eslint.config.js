// `npm run lint`: typescript-eslint's type-checked rules and the architecture's import boundaries.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';
import keycast from './scripts/eslint-boundaries.mjs';

// The lib graph: each lib → the libs it may import (through their index.ts). It must stay acyclic:
// libs import each other only downward. A lib that is not listed here cannot be imported at all.
export const LIBS = {
  logger: [],
  config: [],
  clustering: [], // pure maths
  recognition: [], // pure logic on face descriptors: exact search, person galleries, open-set identification
  sdk: ['webhooks'], // the generated HTTP client of the API (tests, the review app); its Node face: the webhook verifier
  media: ['config', 'logger'],
  vision: ['config', 'logger'],
  report: ['config'],
  flow: ['config', 'clustering', 'report', 'logger'],
  pipeline: ['config', 'media', 'vision', 'logger'],
  store: ['config', 'media', 'logger'], // media: the probe's VideoInfo type, stored with each video
  queue: ['config', 'logger'],
  webhooks: ['config', 'logger'],
  ingest: ['config', 'webhooks'], // downloads a video from a URL under the outbound address rules (worker and CLI)
  services: ['config', 'clustering', 'flow', 'recognition', 'store', 'queue', 'logger'], // clustering: the CachedLinkage type
};

// A lib's public faces: its index.ts and the files named here. config and sdk: index.ts runs in the browser too
// (the review app's bundle), node.ts adds what needs Node (the environment; webhook verification). vision:
// backends.ts plans the TF.js backend without loading TF.js (the pipeline's main thread).
export const FACES = { config: ['node'], sdk: ['node'], vision: ['backends'] };

// The browser app and the libs it may import, through their index.ts only (the bundle itself is checked by
// test/apps/web/bundle.test.ts: any Node built-in reached fails the build).
export const BROWSER = { apps: ['web'], libs: ['config', 'sdk'] };

// Tests and benchmarks may reach lib internals (unit tests of one module); apps and libs may not.
const INTERNAL_ACCESS = ['test', 'bench'];

export default defineConfig(
  { ignores: ['**/node_modules/**', '**/generated/**', 'dist/**', 'apps/web/dist/**', 'bench/out/**', 'out/**', 'tmp/**', 'test/fixtures/**'] },
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.{js,mjs}'],
    extends: [js.configs.recommended],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        setInterval: 'readonly',
        clearTimeout: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    files: ['apps/**/*.ts', 'apps/web/**/*.tsx', 'libs/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.ts'],
    extends: [js.configs.recommended, tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Async functions that implement a promise-returning contract (Fastify plugins, encoders) need no await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  {
    // node:test's test()/describe() return promises that the runner itself awaits. Tests read JSON answers
    // (`await res.json()`, parsed files) as `any` and assert on their shape at run time, so the no-unsafe-*
    // family would flag every such read without finding anything; it stays on for apps, libs and bench.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite', 'before', 'after', 'beforeEach', 'afterEach'] },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Assertion messages print numbers and arrays of numbers; objects still need an explicit format.
      '@typescript-eslint/restrict-template-expressions': [
        'error',
        { allowAny: true, allowArray: true, allowBoolean: true, allowNullish: true, allowNumber: true, allowRegExp: true },
      ],
    },
  },
  {
    files: ['apps/**/*.{ts,tsx,js,mjs}', 'libs/**/*.{ts,js,mjs}', 'test/**/*.ts', 'bench/**/*.ts', 'scripts/**/*.{ts,mjs}', 'bin/**/*.js'],
    plugins: { keycast },
    rules: { 'keycast/boundaries': ['error', { libs: LIBS, faces: FACES, browser: BROWSER, internalAccess: INTERNAL_ACCESS }] },
  },
);
