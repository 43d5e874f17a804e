import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { QueueKeys } from 'bullmq';
import YAML from 'yaml';
import { loadServiceConfig } from '../../libs/config/node.js';
import { QUEUE_NAMES } from '../../libs/queue/names.js';
import {
  byKind,
  containerEnv,
  findObject,
  k8sObjects,
  listYamlFiles,
  parseYamlDocs,
  podContainers,
  repoPath,
  repoRoot,
  secretEntries,
  type Obj,
} from './deploy-files.js';

const objs = k8sObjects();
const config = findObject(objs, 'ConfigMap', 'keycast-config').data as Record<string, string>;
const keycastContainers = () =>
  [...byKind(objs, 'Deployment'), ...byKind(objs, 'StatefulSet')]
    .flatMap((w) => podContainers(w).map((c) => ({ workload: w, container: c })))
    .filter(({ container }) => /^keycast-/.test(container.image));
const labelsMatch = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels?.[k] === v);

test('every YAML file under k8s/ parses, and every object has apiVersion, kind and metadata.name', () => {
  const files = listYamlFiles('k8s');
  assert.ok(files.length >= 10, `only ${files.length} YAML files under k8s/`);
  let docs = 0;
  for (const file of files) {
    const parsed = parseYamlDocs(file);
    assert.ok(parsed.length >= 1, `${file} is empty`);
    for (const doc of parsed) {
      docs++;
      assert.equal(typeof doc.apiVersion, 'string', `${file}: a document without apiVersion`);
      assert.equal(typeof doc.kind, 'string', `${file}: a document without kind`);
      if (doc.kind === 'Kustomization') continue;
      assert.match(doc.metadata?.name ?? '', /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, `${file}: ${doc.kind} without a valid metadata.name`);
      if (doc.kind !== 'Namespace') assert.equal(doc.metadata.namespace, 'keycast', `${file}: ${doc.kind}/${doc.metadata.name} outside the keycast namespace`);
    }
  }
  const kinds = objs.map((o) => `${o.doc.kind}/${o.doc.metadata.name}`).sort();
  assert.deepEqual(kinds, [
    'ConfigMap/keycast-config',
    'Deployment/keycast-api',
    'Deployment/keycast-worker-cpu',
    'Deployment/keycast-worker-gpu',
    'Namespace/keycast',
    'PersistentVolumeClaim/keycast-storage',
    'ScaledObject/keycast-worker-gpu',
    'Secret/keycast-api-secrets',
    'Secret/keycast-postgres',
    'Secret/keycast-secrets',
    'Service/keycast-api',
    'Service/keycast-postgres',
    'Service/keycast-redis',
    'StatefulSet/keycast-postgres',
    'StatefulSet/keycast-redis',
  ]);
  assert.equal(docs, kinds.length + 1, 'one Kustomization besides the objects');
});

test('kustomization.yaml lists every manifest, and only existing ones', () => {
  const [k] = parseYamlDocs('k8s/kustomization.yaml');
  assert.equal(k.kind, 'Kustomization');
  assert.equal(k.namespace, 'keycast');
  const listed = (k.resources as string[]).map((r) => `k8s/${r}`).sort();
  for (const r of listed) assert.ok(existsSync(repoPath(r)), `${r} is listed but missing`);
  assert.deepEqual(
    listed,
    listYamlFiles('k8s').filter((f) => f !== 'k8s/kustomization.yaml'),
  );
  const images = new Set((k.images as Obj[]).map((i) => i.name));
  for (const { container } of keycastContainers()) assert.ok(images.has(container.image), `image ${container.image} has no entry in kustomization images`);
});

test('kubectl kustomize renders the objects with registry images', (t) => {
  const probe = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    t.skip('kubectl absent');
    return;
  }
  const r = spawnSync('kubectl', ['kustomize', 'k8s'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const rendered = YAML.parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
  assert.equal(rendered.length, objs.length);
  const images = rendered.flatMap((o) => (o.spec?.template?.spec?.containers ?? []).map((c: Obj) => c.image as string));
  assert.deepEqual(images.filter((i) => i.includes('keycast')).sort(), [
    'registry.example.com/keycast/api:0.1.0',
    'registry.example.com/keycast/api:0.1.0',
    'registry.example.com/keycast/worker-gpu:0.1.0',
  ]);
});

test('Deployments and StatefulSets select their own pods, and Services reach named container ports', () => {
  const workloads = [...byKind(objs, 'Deployment'), ...byKind(objs, 'StatefulSet')];
  assert.equal(workloads.length, 5);
  for (const w of workloads) {
    assert.ok(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels), `${w.metadata.name}: selector does not match its pods`);
    for (const other of workloads.filter((o) => o !== w)) {
      assert.ok(
        !labelsMatch(w.spec.selector.matchLabels, other.spec.template.metadata.labels),
        `${w.metadata.name} also selects ${other.metadata.name}'s pods`,
      );
    }
  }
  for (const svc of byKind(objs, 'Service')) {
    const targets = workloads.filter((w) => labelsMatch(svc.spec.selector, w.spec.template.metadata.labels));
    assert.equal(targets.length, 1, `Service ${svc.metadata.name} selects ${targets.length} workloads`);
    const portNames = podContainers(targets[0]).flatMap((c) => (c.ports ?? []).map((p: Obj) => p.name));
    for (const p of svc.spec.ports) assert.ok(portNames.includes(p.targetPort), `Service ${svc.metadata.name}: no container port named ${p.targetPort}`);
  }
  for (const sts of byKind(objs, 'StatefulSet')) findObject(objs, 'Service', sts.spec.serviceName);
});

test('API: probes on /ready and /health at the configured PORT, resources set, non-root', () => {
  const api = findObject(objs, 'Deployment', 'keycast-api');
  const [c] = podContainers(api);
  const httpPort = c.ports.find((p: Obj) => p.name === 'http');
  assert.equal(String(httpPort.containerPort), config.PORT);
  assert.equal(c.readinessProbe.httpGet.path, '/ready');
  assert.equal(c.livenessProbe.httpGet.path, '/health');
  assert.equal(c.readinessProbe.httpGet.port, 'http');
  assert.equal(c.livenessProbe.httpGet.port, 'http');
  assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory);
  assert.equal(api.spec.template.spec.securityContext.runAsNonRoot, true);
  assert.equal(api.spec.template.spec.securityContext.runAsUser, 1000);
});

test('every keycast pod mounts the ReadWriteMany storage claim at STORAGE_DIR', () => {
  const pvc = findObject(objs, 'PersistentVolumeClaim', 'keycast-storage');
  assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
  const mounted = keycastContainers();
  assert.equal(mounted.length, 3);
  for (const { workload, container } of mounted) {
    const vol = workload.spec.template.spec.volumes.find((v: Obj) => v.persistentVolumeClaim?.claimName === 'keycast-storage');
    assert.ok(vol, `${workload.metadata.name} does not use the storage claim`);
    const mount = container.volumeMounts.find((m: Obj) => m.name === vol.name);
    assert.equal(mount?.mountPath, containerEnv(container, objs).get('STORAGE_DIR')?.value);
    assert.equal(mount.mountPath, '/data/storage');
  }
});

test('GPU worker: requests nvidia.com/gpu, lands on GPU nodes, and has time to shut down gracefully', () => {
  const w = findObject(objs, 'Deployment', 'keycast-worker-gpu');
  const pod = w.spec.template.spec;
  const [c] = podContainers(w);
  assert.equal(c.image, 'keycast-worker-gpu');
  assert.equal(Number(c.resources.limits['nvidia.com/gpu']), 1);
  assert.ok(Object.keys(pod.nodeSelector ?? {}).length > 0, 'no nodeSelector for GPU nodes');
  assert.ok(pod.tolerations.some((t: Obj) => t.key === 'nvidia.com/gpu' && t.effect === 'NoSchedule'));
  assert.ok(pod.terminationGracePeriodSeconds >= 300, `terminationGracePeriodSeconds ${pod.terminationGracePeriodSeconds} is too short`);
  assert.equal(w.spec.replicas, undefined, 'the autoscaler owns replicas');
  const env = containerEnv(c, objs);
  assert.equal(env.get('KEYCAST_TF_BACKEND'), undefined, 'the GPU worker must not force a TF.js backend');
  assert.equal(c.command, undefined, 'keep the image entrypoint (tini) and CMD');
});

test('CPU worker: API image with the worker command as args (keeps tini), scaled to 0 by default', () => {
  const w = findObject(objs, 'Deployment', 'keycast-worker-cpu');
  const [c] = podContainers(w);
  assert.equal(c.image, 'keycast-api');
  assert.equal(c.command, undefined);
  assert.deepEqual(c.args, ['node', '--import', 'tsx', 'apps/worker/main.ts']);
  assert.equal(w.spec.replicas, 0);
  assert.equal(c.resources.limits?.['nvidia.com/gpu'], undefined);
});

test('secrets: DATABASE_URL and REDIS_URL point at the bundled Services with the bundled credentials', () => {
  const s = secretEntries(findObject(objs, 'Secret', 'keycast-secrets'));
  const pg = secretEntries(findObject(objs, 'Secret', 'keycast-postgres'));
  assert.deepEqual(Object.keys(s).sort(), ['DATABASE_URL', 'REDIS_URL', 'WEBHOOK_SECRET']);
  const db = new URL(s.DATABASE_URL);
  assert.equal(db.protocol, 'postgresql:');
  assert.equal(db.username, pg.POSTGRES_USER);
  assert.equal(decodeURIComponent(db.password), pg.POSTGRES_PASSWORD);
  assert.equal(db.pathname, `/${pg.POSTGRES_DB}`);
  const pgSvc = findObject(objs, 'Service', db.hostname);
  assert.equal(String(pgSvc.spec.ports[0].port), db.port);
  const redis = new URL(s.REDIS_URL);
  const redisSvc = findObject(objs, 'Service', redis.hostname);
  assert.equal(String(redisSvc.spec.ports[0].port), redis.port);
  const apiOnly = secretEntries(findObject(objs, 'Secret', 'keycast-api-secrets'));
  assert.deepEqual(Object.keys(apiOnly), ['MEDIA_TOKEN_SECRET']);
  for (const v of [s.WEBHOOK_SECRET, pg.POSTGRES_PASSWORD, apiOnly.MEDIA_TOKEN_SECRET])
    assert.match(v, /CHANGE_ME/, 'secrets in the repository must be visible placeholders');
  // Only the API signs media tokens: the workers' pods do not get its secret.
  const refs = (name: string) => podContainers(findObject(objs, 'Deployment', name)).flatMap((c) => (c.envFrom ?? []).map((e: Obj) => e.secretRef?.name));
  assert.ok(refs('keycast-api').includes('keycast-api-secrets'));
  for (const w of ['keycast-worker-cpu', 'keycast-worker-gpu']) assert.ok(!refs(w).includes('keycast-api-secrets'), w);
});

test('KEDA autoscaler: targets the GPU worker and reads the BullMQ wait/active lists of the queues workers process', () => {
  const so = findObject(objs, 'ScaledObject', 'keycast-worker-gpu');
  findObject(objs, 'Deployment', so.spec.scaleTargetRef.name);
  const prefix = config.QUEUE_PREFIX ?? loadServiceConfig({}).queuePrefix;
  const expected = [QUEUE_NAMES.extract, QUEUE_NAMES.segment]
    .flatMap((q) => {
      const keys = new QueueKeys(prefix).getKeys(q);
      return [keys.wait, keys.active];
    })
    .sort();
  assert.deepEqual(expected, ['keycast:extract:active', 'keycast:extract:wait', 'keycast:segment:active', 'keycast:segment:wait']);
  const triggers = so.spec.triggers as Obj[];
  assert.deepEqual(triggers.map((t) => t.metadata.listName).sort(), expected);
  const redisSvc = findObject(objs, 'Service', new URL(secretEntries(findObject(objs, 'Secret', 'keycast-secrets')).REDIS_URL).hostname);
  const gpu = findObject(objs, 'Deployment', 'keycast-worker-gpu');
  const concurrency = containerEnv(podContainers(gpu)[0], objs).get('WORKER_CONCURRENCY')?.value;
  for (const t of triggers) {
    assert.equal(t.type, 'redis');
    // KEDA runs in another namespace: host:port with the Service's fully qualified name.
    assert.equal(t.metadata.address, `${redisSvc.metadata.name}.${redisSvc.metadata.namespace}.svc.cluster.local:${redisSvc.spec.ports[0].port}`);
    assert.equal(t.metadata.listLength, concurrency, "listLength should equal the GPU workers' WORKER_CONCURRENCY");
  }
  assert.ok(so.spec.minReplicaCount >= 0 && so.spec.maxReplicaCount > so.spec.minReplicaCount);
});

test('postgres and redis StatefulSets: pinned majors, probes, persistent volumes, Redis never evicts', () => {
  const pg = findObject(objs, 'StatefulSet', 'keycast-postgres');
  const [pgc] = podContainers(pg);
  assert.equal(pgc.image, 'postgres:16');
  assert.match(pgc.readinessProbe.exec.command.join(' '), /pg_isready/);
  assert.equal(
    containerEnv(pgc, objs)
      .get('PGDATA')
      ?.value?.startsWith(pgc.volumeMounts[0].mountPath + '/'),
    true,
  );
  const redis = findObject(objs, 'StatefulSet', 'keycast-redis');
  const [rc] = podContainers(redis);
  assert.equal(rc.image, 'redis:7');
  const args = rc.args.join(' ');
  assert.match(args, /--maxmemory-policy noeviction/);
  assert.match(args, /--appendonly yes/);
  for (const s of [pg, redis]) assert.equal(s.spec.volumeClaimTemplates.length, 1);
});

test("every keycast container's kept tree memory (TREE_MEMORY_MB) is at most half its memory limit", () => {
  const bytes = (q: string) => {
    const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)?$/.exec(q);
    assert.ok(m, `memory quantity ${q}`);
    return Number(m[1]) * 1024 ** ['', 'Ki', 'Mi', 'Gi', 'Ti'].indexOf(m[2] ?? '');
  };
  for (const { workload, container } of keycastContainers()) {
    const limit = container.resources?.limits?.memory as string | undefined;
    assert.ok(limit, `${workload.metadata.name}: no memory limit`);
    const env = containerEnv(container, objs);
    const kept = loadServiceConfig({ TREE_MEMORY_MB: env.get('TREE_MEMORY_MB')?.value }).treeMemoryBytes;
    assert.ok(kept <= bytes(limit) / 2, `${workload.metadata.name}: TREE_MEMORY_MB ${kept / 2 ** 20} MiB against a ${limit} limit`);
  }
});
