// Every environment variable the deployment files set must be one keycast reads (libs/config/env.ts
// ENV_VARS), or one that a third-party program in the same container reads, listed here with why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ENV_VARS } from '../../libs/config/node.js';
import {
  byKind,
  containerEnv,
  k8sObjects,
  parseDockerfile,
  parseYamlDocs,
  podContainers,
  readRepoFile,
  secretEntries,
  serviceEnv,
  stageEnv,
  type Obj,
} from './deploy-files.js';

const KEYCAST = new Set<string>(ENV_VARS);

/** Read by the postgres image itself, only in the postgres container (compose service, StatefulSet, its Secret). */
const POSTGRES_OWN: Record<string, string> = {
  POSTGRES_USER: 'postgres image: role created at initdb',
  POSTGRES_PASSWORD: "postgres image: that role's password",
  POSTGRES_DB: 'postgres image: database created at initdb',
  PGDATA: 'postgres: data directory (a subdirectory of the volume, away from lost+found)',
};

/** Set with ENV in the Dockerfiles for Node, npm, apt, libtensorflow and the NVIDIA runtime, not for keycast. */
const IMAGE_OWN: Record<string, string> = {
  NODE_ENV: 'Node ecosystem convention (production)',
  DEBIAN_FRONTEND: 'apt-get during the build',
  TF_FORCE_GPU_ALLOW_GROWTH: 'libtensorflow: allocate GPU memory on demand',
  TF_CPP_MIN_LOG_LEVEL: 'libtensorflow: log verbosity',
  NVIDIA_DRIVER_CAPABILITIES: 'NVIDIA container toolkit: which driver libraries to mount',
};

function unknown(names: Iterable<string>, allowed: (n: string) => boolean): string[] {
  return [...new Set(names)].filter((n) => !allowed(n)).sort();
}

test('ENV_VARS is non-empty and the whitelists do not shadow keycast variables', () => {
  assert.ok(KEYCAST.size >= 13);
  for (const n of [...Object.keys(POSTGRES_OWN), ...Object.keys(IMAGE_OWN)]) assert.equal(KEYCAST.has(n), false, n);
});

test('docker-compose.yml: keycast services set only ENV_VARS; postgres only its own; interpolations only ENV_VARS', () => {
  const compose = parseYamlDocs('docker-compose.yml')[0];
  const services = compose.services as Record<string, Obj>;
  const keycastNames: string[] = [];
  for (const [name, svc] of Object.entries(services)) {
    const names = Object.keys(serviceEnv(svc));
    if (name === 'postgres')
      assert.deepEqual(
        unknown(names, (n) => n in POSTGRES_OWN),
        [],
        'postgres',
      );
    else if (name === 'redis') assert.deepEqual(names, [], 'redis is configured by its command line');
    else {
      assert.deepEqual(
        unknown(names, (n) => KEYCAST.has(n)),
        [],
        name,
      );
      keycastNames.push(...names);
    }
  }
  for (const n of ['DATABASE_URL', 'REDIS_URL', 'STORAGE_DIR', 'WEBHOOK_SECRET', 'PORT']) assert.ok(keycastNames.includes(n), `compose never sets ${n}`);
  const interpolated = [...readRepoFile('docker-compose.yml').matchAll(/\$\{(\w+)/g)].map((m) => m[1]);
  assert.ok(interpolated.length >= 2);
  assert.deepEqual(
    unknown(interpolated, (n) => KEYCAST.has(n)),
    [],
  );
});

test('k8s: the ConfigMap, the Secrets and every container set only ENV_VARS (postgres: its own)', () => {
  const objs = k8sObjects();
  for (const cm of byKind(objs, 'ConfigMap'))
    assert.deepEqual(
      unknown(Object.keys(cm.data ?? {}), (n) => KEYCAST.has(n)),
      [],
      cm.metadata.name,
    );
  for (const s of byKind(objs, 'Secret')) {
    const keys = Object.keys(secretEntries(s));
    if (s.metadata.name === 'keycast-postgres')
      assert.deepEqual(
        unknown(keys, (n) => n in POSTGRES_OWN),
        [],
        s.metadata.name,
      );
    else
      assert.deepEqual(
        unknown(keys, (n) => KEYCAST.has(n)),
        [],
        s.metadata.name,
      );
  }
  let containers = 0;
  for (const w of [...byKind(objs, 'Deployment'), ...byKind(objs, 'StatefulSet')]) {
    for (const c of podContainers(w)) {
      containers++;
      const names = [...containerEnv(c, objs).keys()];
      if (c.image.startsWith('postgres:'))
        assert.deepEqual(
          unknown(names, (n) => n in POSTGRES_OWN),
          [],
          w.metadata.name,
        );
      else if (c.image.startsWith('redis:')) assert.deepEqual(names, [], w.metadata.name);
      else {
        assert.deepEqual(
          unknown(names, (n) => KEYCAST.has(n)),
          [],
          w.metadata.name,
        );
        for (const n of ['DATABASE_URL', 'REDIS_URL', 'STORAGE_DIR', 'WEBHOOK_SECRET', 'QUEUE_PREFIX'])
          assert.ok(names.includes(n), `${w.metadata.name} lacks ${n}`);
      }
    }
  }
  assert.equal(containers, 5);
});

test('Dockerfiles: ENV sets only ENV_VARS or the documented third-party variables', () => {
  for (const file of ['Dockerfile.api', 'Dockerfile.worker']) {
    const names = parseDockerfile(file).stages.flatMap((s) => Object.keys(stageEnv(s)));
    assert.ok(names.includes('STORAGE_DIR'), `${file} sets no STORAGE_DIR`);
    assert.deepEqual(
      unknown(names, (n) => KEYCAST.has(n) || n in IMAGE_OWN),
      [],
      file,
    );
  }
});

test('docs/DEPLOY.md documents every variable in ENV_VARS', () => {
  const doc = readRepoFile('docs/DEPLOY.md');
  const missing = ENV_VARS.filter((n) => !new RegExp(`\\|\\s*\`${n}\`\\s*\\|`).test(doc));
  assert.deepEqual(missing, [], 'add a row to the table in docs/DEPLOY.md');
});
