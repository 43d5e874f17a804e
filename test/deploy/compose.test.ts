import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execForm, parseDockerfile, parseYamlDocs, serviceEnv, stageEnv, type Obj } from './deploy-files.js';

const docs = parseYamlDocs('docker-compose.yml');
const compose = docs[0];
const services = compose.services as Record<string, Obj>;
const KEYCAST_SERVICES = ['api', 'worker', 'worker-gpu'];

/** Compose's `${NAME:-default}` interpolation, resolved to the default (what a bare `docker compose up` sees). */
const interpolate = (v: string) => v.replace(/\$\{(\w+)(?::?-([^}]*))?\}/g, (_, _name, dflt) => dflt ?? '');
const volumeTarget = (svc: Obj, volume: string) => (svc.volumes as string[] | undefined)?.map((v) => v.split(':')).find(([src]) => src === volume)?.[1];

test('docker-compose.yml parses as one document with the expected services', () => {
  assert.equal(docs.length, 1);
  assert.deepEqual(Object.keys(services).sort(), ['api', 'postgres', 'redis', 'worker', 'worker-gpu']);
  assert.equal(compose.name, 'keycast');
});

test('postgres 16 and redis 7 have healthchecks; redis never evicts (BullMQ)', () => {
  assert.equal(services.postgres.image, 'postgres:16');
  assert.match(services.postgres.healthcheck.test.join(' '), /pg_isready/);
  assert.equal(services.redis.image, 'redis:7');
  assert.deepEqual(services.redis.healthcheck.test, ['CMD', 'redis-cli', 'ping']);
  assert.match(services.redis.command.join(' '), /--maxmemory-policy noeviction/);
});

test('api: built from Dockerfile.api, waits for healthy postgres and redis, publishes PORT', () => {
  const api = services.api;
  assert.equal(api.build.dockerfile, 'Dockerfile.api');
  assert.equal(api.build.context, '.');
  assert.deepEqual(api.depends_on, { postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  const env = serviceEnv(api);
  assert.deepEqual(api.ports, [`${env.PORT}:${env.PORT}`]);
  const imagePort = stageEnv(parseDockerfile('Dockerfile.api').stages.at(-1)!).PORT;
  assert.equal(env.PORT, imagePort);
});

test('worker: the API image with the worker command, no HTTP healthcheck, long stop grace period', () => {
  const w = services.worker;
  assert.equal(w.image, services.api.image, 'the CPU worker runs the API image');
  assert.deepEqual(w.build, services.api.build);
  const workerCmd = execForm(
    parseDockerfile('Dockerfile.worker')
      .stages.at(-1)!
      .instructions.find((i) => i.keyword === 'CMD')!,
  );
  assert.deepEqual(w.command, workerCmd);
  assert.deepEqual(w.command, ['node', '--import', 'tsx', 'apps/worker/main.ts']);
  assert.deepEqual(w.healthcheck, { disable: true });
  assert.equal(w.depends_on.api.condition, 'service_healthy', 'workers start once the API has migrated the database');
  assert.match(String(w.stop_grace_period), /^\d+m$/);
});

test('worker-gpu: profile gpu, Dockerfile.worker, NVIDIA device reservation, backend left to auto-detection', () => {
  const g = services['worker-gpu'];
  assert.deepEqual(g.profiles, ['gpu']);
  assert.equal(g.build.dockerfile, 'Dockerfile.worker');
  assert.equal(g.command, undefined, 'the image CMD runs the worker');
  const devices = g.deploy.resources.reservations.devices as Obj[];
  assert.equal(devices.length, 1);
  assert.equal(devices[0].driver, 'nvidia');
  assert.deepEqual(devices[0].capabilities, ['gpu']);
  assert.equal(serviceEnv(g).KEYCAST_TF_BACKEND, undefined);
  for (const name of ['api', 'worker', 'postgres', 'redis']) assert.equal(services[name].profiles, undefined, `${name} must run without a profile`);
});

test('api and every worker share the storage volume at STORAGE_DIR and reach postgres/redis with its credentials', () => {
  assert.ok('storage' in compose.volumes);
  const pg = serviceEnv(services.postgres);
  for (const name of KEYCAST_SERVICES) {
    const env = serviceEnv(services[name]);
    assert.equal(volumeTarget(services[name], 'storage'), env.STORAGE_DIR, `${name}: storage volume not mounted at STORAGE_DIR`);
    const db = new URL(interpolate(env.DATABASE_URL));
    assert.equal(db.hostname, 'postgres');
    assert.equal(db.username, pg.POSTGRES_USER);
    assert.equal(db.password, pg.POSTGRES_PASSWORD);
    assert.equal(db.pathname, `/${pg.POSTGRES_DB}`);
    assert.ok(new URL(interpolate(env.REDIS_URL)).hostname in services, `${name}: REDIS_URL host is not a service`);
    assert.match(env.WEBHOOK_SECRET, /^\$\{WEBHOOK_SECRET:\?[^}]+\}$/, 'the webhook secret comes from the host environment, which must set it (no default)');
  }
  assert.equal(serviceEnv(services.api).STORAGE_DIR, stageEnv(parseDockerfile('Dockerfile.api').stages.at(-1)!).STORAGE_DIR);
  // The media tokens' key: the API's only, from the host environment (no default), never the workers'.
  assert.match(serviceEnv(services.api).MEDIA_TOKEN_SECRET, /^\$\{MEDIA_TOKEN_SECRET:\?[^}]+\}$/);
  for (const name of KEYCAST_SERVICES.filter((n) => n !== 'api')) assert.equal(serviceEnv(services[name]).MEDIA_TOKEN_SECRET, undefined, name);
});
