// prisma/migrations/*_linkage_key: the text variants stored before the linkage key had its own columns are migrated onto
// exactly the key the code now computes (libs/flow linkageKey), so a cached tree of a large video is not recomputed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_CLUSTER, resolveClusterOptions } from '../../../libs/config/index.js';
import { linkageKey, linkageKeyText } from '../../../libs/flow/index.js';
import { createStore, migrate, readMigrations, DEFAULT_MIGRATIONS_DIR, type Store } from '../../../libs/store/index.js';
import { freshDatabase, dropDatabase, sql, tempDir } from '../../e2e/support/services.js';
import { storedLinkageKeys } from '../../helpers/linkages.js';

const DB = 'keycast_test_linkage_key_migration';
const MIGRATION = '20261206190000_linkage_key';
let url: string;
let store: Store | undefined;
const dirs = tempDir('linkage-key-migration');

before(async () => {
  url = await freshDatabase(DB);
});
after(async () => {
  await store?.close();
  await dropDatabase(DB);
  dirs.cleanup();
});

test('old variant rows become their typed keys: method, weights, flow, switches on, people', async () => {
  // The schema as it was just before the migration.
  const earlier = join(dirs.dir, 'earlier');
  for (const m of readMigrations().filter((m) => m.name < MIGRATION)) cpSync(join(DEFAULT_MIGRATIONS_DIR, m.name), join(earlier, m.name), { recursive: true });
  await migrate(url, { dir: earlier });
  const [tenant] = await sql<{ id: string }>(url, "INSERT INTO tenants (name) VALUES ('t') RETURNING id");
  const [video] = await sql<{ id: string }>(
    url,
    "INSERT INTO videos (tenant_id, status, options, source_key, size_bytes) VALUES ($1, 'ready', '{}', 'x', 1) RETURNING id",
    [tenant.id],
  );
  const old: [string, string, Record<string, unknown>, string | null][] = [
    ['1,1', 'average', { sim: 0.5, cannot_link: false, quality_weighting: false, shot_aware: false }, null],
    [
      '1,0.5',
      'complete',
      { sim: 0.5, cannot_link: false, quality_weighting: false, shot_aware: false, face_cloth_weights: [1, 0.5], method: 'complete' },
      null,
    ],
    ['1,1', 'average+units', { sim: 'auto', cannot_link: false, quality_weighting: false, shot_aware: false }, null],
    ['1,1', 'average+units+quality+cannot_link+shots', {}, null],
    ['1,1', 'single+units+quality+cannot_link+tracks+shots', { method: 'single', tracks: true }, null],
    ['1,1', 'average+units+quality+cannot_link+shots+people:0123456789abcdef', {}, '0123456789abcdef'],
    ['1,1', 'average+people:fedcba9876543210', { sim: 0.5, cannot_link: false, quality_weighting: false, shot_aware: false }, 'fedcba9876543210'],
  ];
  for (const [weights, method] of old) {
    await sql(url, "INSERT INTO linkages (video_id, weights, method, z, max_dist, n) VALUES ($1, $2, $3, '\\x', 1, 1)", [video.id, weights, method]);
  }
  await migrate(url);
  assert.deepEqual(
    await storedLinkageKeys(url, video.id),
    old.map(([, , o, people]) => linkageKeyText(linkageKey(resolveClusterOptions(o), people))),
  );
  // And the repository finds them under the keys the services compute.
  store = createStore({ databaseUrl: url, storageDir: dirs.dir });
  assert.ok(await store.linkages.get(video.id, linkageKey({ ...DEFAULT_CLUSTER })));
  assert.ok(await store.linkages.get(video.id, linkageKey({ ...DEFAULT_CLUSTER }, '0123456789abcdef')));
});
