import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import {
  copySpec,
  dockerignoreMatcher,
  execForm,
  parseDockerfile,
  readRepoFile,
  repoPath,
  stageChain,
  stageEnv,
  type Dockerfile,
  type Stage,
} from './deploy-files.js';

const API = 'Dockerfile.api';
const WORKER = 'Dockerfile.worker';
const ENTRIES: Record<string, string> = { [API]: 'apps/api/main.ts', [WORKER]: 'apps/worker/main.ts' };
const pkg = JSON.parse(readRepoFile('package.json')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  optionalDependencies: Record<string, string>;
  engines: { node: string };
};

const finalStage = (df: Dockerfile): Stage => df.stages[df.stages.length - 1];
const runs = (stages: Stage[]): string => stages.flatMap((s) => s.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args)).join('\n');
const only = (stage: Stage, keyword: string) => {
  const found = stage.instructions.filter((i) => i.keyword === keyword);
  assert.equal(found.length, 1, `expected one ${keyword} in the final stage, found ${found.length}`);
  return found[0];
};
/** Apt packages installed by `apt-get install` lines of the given stages. */
const aptPackages = (stages: Stage[]): Set<string> => {
  const out = new Set<string>();
  for (const m of runs(stages).matchAll(/apt-get install ([^&;]+)/g)) {
    for (const w of m[1].split(/\s+/)) if (w !== '' && !w.startsWith('-')) out.add(w);
  }
  return out;
};

for (const file of [API, WORKER]) {
  test(`${file}: every COPY source exists and is inside the build context (.dockerignore)`, () => {
    const df = parseDockerfile(file);
    const ignored = dockerignoreMatcher();
    let checked = 0;
    for (const stage of df.stages) {
      for (const ins of stage.instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD')) {
        assert.equal(ins.keyword, 'COPY', `${file}:${ins.line} uses ADD; COPY is explicit`);
        const spec = copySpec(ins);
        if (spec.from !== undefined) continue;
        for (const src of spec.sources) {
          assert.ok(existsSync(repoPath(src)), `${file}:${spec.line} copies ${src}, which is not in the repository`);
          if (src !== '.') assert.equal(ignored(src), false, `${file}:${spec.line} copies ${src}, which .dockerignore excludes`);
          checked++;
        }
      }
    }
    assert.ok(checked >= 8, `only ${checked} COPY sources found: the parser missed some`);
  });

  test(`${file}: COPY --from names an earlier stage that produces the copied path`, () => {
    const df = parseDockerfile(file);
    let checked = 0;
    df.stages.forEach((stage, idx) => {
      for (const spec of stage.instructions.filter((i) => i.keyword === 'COPY').map(copySpec)) {
        if (spec.from === undefined) continue;
        const producer = df.stages.findIndex((s) => s.name === spec.from);
        assert.ok(producer >= 0 && producer < idx, `${file}:${spec.line} copies from unknown or later stage ${spec.from}`);
        const chainRuns = runs(stageChain(df, df.stages[producer]));
        for (const src of spec.sources) {
          if (src === '/app/node_modules') assert.match(chainRuns, /npm ci\b/, `${spec.from} never runs npm ci`);
          else if (src === '/app/libs/store/generated') {
            assert.match(chainRuns, /node scripts\/generate\.mjs --prisma-only/, `${spec.from} never generates the Prisma client`);
            assert.ok(existsSync(repoPath('scripts/generate.mjs')));
          } else if (src === '/app/apps/web/dist') {
            assert.match(chainRuns, /node scripts\/generate\.mjs\s*($|\n)/, `${spec.from} never builds the review app (generate.mjs without --prisma-only)`);
            assert.ok(existsSync(repoPath('scripts/build-web.mjs')));
          } else assert.fail(`${file}:${spec.line}: no rule says which step makes ${src}`);
          checked++;
        }
      }
    });
    // The API image also serves the review app, built in a stage with the dev dependencies.
    assert.equal(checked, file === API ? 3 : 2, "expected node_modules, the generated Prisma client (and the API's review app) to come from build stages");
  });

  test(`${file}: the build context keeps host node_modules and generated code out, and sources in`, () => {
    const ignored = dockerignoreMatcher();
    for (const p of [
      'node_modules',
      'node_modules/tsx/package.json',
      'libs/store/generated',
      'libs/store/generated/client.ts',
      'apps/api/node_modules',
      '.git',
      '.env',
      'test/x.test.ts',
      'clip.mp4',
      'var/storage/a.mp4',
    ]) {
      assert.equal(ignored(p), true, `${p} should be excluded from the build context`);
    }
    for (const p of [
      'package.json',
      'package-lock.json',
      'tsconfig.json',
      'apps/api/main.ts',
      'libs/store/index.ts',
      'prisma/schema.prisma',
      'prisma/migrations/0001_init/migration.sql',
      'scripts/migrate.ts',
      'scripts/generate.mjs',
      'prisma.config.ts',
      'bin/keycast.js',
    ]) {
      assert.equal(ignored(p), false, `${p} must reach the build context`);
    }
  });

  test(`${file}: CMD runs the documented entry through tsx, behind tini`, (t) => {
    const df = parseDockerfile(file);
    const last = finalStage(df);
    assert.deepEqual(execForm(only(last, 'CMD')), ['node', '--import', 'tsx', ENTRIES[file]]);
    assert.deepEqual(execForm(only(last, 'ENTRYPOINT')), ['/usr/bin/tini', '--']);
    assert.ok(aptPackages(stageChain(df, last)).has('tini'), 'tini is not installed in the final image');
    assert.ok('tsx' in pkg.dependencies, 'tsx must be a runtime dependency: the images install with --omit=dev');
    if (!existsSync(repoPath(ENTRIES[file]))) {
      t.todo(`${ENTRIES[file]} does not exist yet`);
      return;
    }
    assert.ok(existsSync(repoPath(ENTRIES[file])));
  });

  test(`${file}: final image has ffmpeg, runs as uid 1000 and keeps storage on a volume`, () => {
    const df = parseDockerfile(file);
    const last = finalStage(df);
    const chain = stageChain(df, last);
    assert.ok(aptPackages(chain).has('ffmpeg'), 'ffmpeg is not installed in the final image');
    const user = only(last, 'USER').args;
    assert.notEqual(user, 'root');
    assert.notEqual(user, '0');
    // uid 1000 in both images: `node` in the node image, created with --uid 1000 in the CUDA image.
    if (user !== 'node') assert.match(runs(chain), new RegExp(`useradd --uid 1000 [^&]*\\b${user}\\b`));
    const env = Object.assign({}, ...chain.reverse().map(stageEnv)) as Record<string, string>;
    assert.equal(env.STORAGE_DIR, '/data/storage');
    assert.deepEqual(execForm(only(last, 'VOLUME')), [env.STORAGE_DIR]);
    assert.match(runs([last]), new RegExp(`chown -R ${user}:${user} /data`));
    // No devDependency at runtime: the runtime node_modules comes from an --omit=dev install.
    const nodeModulesFrom = last.instructions
      .map((i) => (i.keyword === 'COPY' ? copySpec(i) : undefined))
      .find((c) => c?.sources.includes('/app/node_modules'))?.from;
    const producer = df.stages.find((s) => s.name === nodeModulesFrom);
    assert.ok(producer, 'the runtime node_modules must come from a build stage');
    assert.match(runs([producer]), /npm ci --omit=dev --ignore-scripts/);
  });
}

test('Dockerfile.api: node:24-bookworm-slim, port 3000, /health healthcheck, the measured CPU path (onnx face nets, wasm TF.js)', () => {
  const df = parseDockerfile(API);
  for (const s of df.stages) assert.equal(s.base, 'node:24-bookworm-slim');
  const last = finalStage(df);
  assert.equal(only(last, 'EXPOSE').args, '3000');
  assert.equal(stageEnv(last).PORT, '3000');
  const hc = only(last, 'HEALTHCHECK').args;
  assert.match(hc, /\/health/);
  assert.match(hc, /process\.env\.PORT/);
  // bench/RESULTS.md measures face nets on onnxruntime-node and TF.js on wasm; a native TF.js package would make the
  // detector default to TF.js (libs/vision/detector.ts), a path no benchmark measured. So: onnxruntime-node is
  // installed and checked to load, both native TF.js packages are removed and no install script runs, and the
  // runtime names the path (a container where onnxruntime does not load fails instead of switching).
  assert.equal(pkg.optionalDependencies['onnxruntime-node'], '1.30.0');
  const deps = runs(df.stages);
  assert.doesNotMatch(deps, /npm rebuild/);
  assert.match(deps, /node -e "require\('onnxruntime-node'\)"/);
  assert.match(deps, /rm -rf node_modules\/@tensorflow\/tfjs-node node_modules\/@tensorflow\/tfjs-node-gpu/);
  const env = Object.assign({}, ...stageChain(df, last).reverse().map(stageEnv)) as Record<string, string>;
  assert.equal(env.KEYCAST_DETECTOR, 'onnx');
  assert.equal(env.KEYCAST_TF_BACKEND, 'wasm');
  assert.ok('prisma' in pkg.devDependencies, 'the generate stage installs dev dependencies for the prisma CLI');
});

test('Dockerfile.worker: CUDA 11.8 + cuDNN 8 base with Node 24 LTS from the official binaries, tfjs-node-gpu built', () => {
  const df = parseDockerfile(WORKER);
  const last = finalStage(df);
  const chain = stageChain(df, last);
  assert.equal(chain[chain.length - 1].base, 'nvidia/cuda:11.8.0-cudnn8-runtime-ubuntu22.04');
  const nodeBase = df.stages.find((s) => s.name === 'node-base');
  assert.ok(nodeBase);
  const nodeVersion = /ARG NODE_VERSION=(\d+)\.(\d+)\.(\d+)/.exec(nodeBase.instructions.map((i) => `${i.keyword} ${i.args}`).join('\n'));
  assert.ok(nodeVersion, 'NODE_VERSION is pinned');
  const [, major, minor] = nodeVersion.map(Number);
  const [, emaj, emin] = /(\d+)\.(\d+)/.exec(pkg.engines.node)!.map(Number);
  assert.equal(major, 24);
  assert.ok(major > emaj || (major === emaj && minor >= emin), `Node ${major}.${minor} does not satisfy engines ${pkg.engines.node}`);
  assert.match(runs([nodeBase]), /sha256sum -c/);
  // Native addons must be installed on the distribution they run on.
  const prodDeps = df.stages.find((s) => s.name === 'prod-deps');
  assert.ok(prodDeps && stageChain(df, prodDeps).includes(nodeBase), 'prod-deps must build on node-base');
  assert.equal(pkg.optionalDependencies['@tensorflow/tfjs-node-gpu'], '4.22.0');
  assert.match(runs([prodDeps]), /npm rebuild @tensorflow\/tfjs-node-gpu/);
  assert.match(runs([prodDeps]), /rm -rf node_modules\/@tensorflow\/tfjs-node(\s|$)/);
});

test('Prisma client generation: the schema writes to the path the Dockerfiles copy', (t) => {
  if (!existsSync(repoPath('prisma/schema.prisma'))) {
    t.todo('prisma/schema.prisma does not exist yet');
    return;
  }
  const schema = readFileSync(repoPath('prisma/schema.prisma'), 'utf8');
  const output = /generator\s+\w+\s*\{[^}]*\boutput\s*=\s*"([^"]+)"/s.exec(schema)?.[1];
  assert.ok(output, 'the generator block names no output');
  assert.equal(new URL(output.replace(/\/?$/, '/'), 'file:///repo/prisma/').pathname, '/repo/libs/store/generated/');
});
