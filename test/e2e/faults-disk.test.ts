// Disk full while an upload is stored: the API's STORAGE_DIR is a tiny tmpfs (needs root to mount; skipped otherwise).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startApi, call, type RunningApi } from './support/api.js';
import { createTestKey, type TestKey } from './support/auth.js';
import { sql, tempDir } from './support/services.js';
import { testVideo } from './support/media.js';

const big = testVideo();
const bigBytes = readFileSync(big.path);
// The tmpfs holds 60% of the big video: its upload cannot fit, a small video can.
const SIZE = Math.floor((bigBytes.length * 0.6) / 4096) * 4096;
const mountPoint = mkdtempSync(join(tmpdir(), 'keycast-full-'));
const scratch = tempDir('disk-full');
let mounted = false;
let skipReason: string | false = false;
let api: RunningApi | null = null;
let key: TestKey;
let smallBytes: Buffer;

before(async () => {
  if (process.getuid?.() !== 0) skipReason = 'mounting a tmpfs needs root';
  else {
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${SIZE},mode=0755`, 'tmpfs', mountPoint], { stdio: 'pipe' });
      mounted = true;
    } catch (e) {
      skipReason = `mount -t tmpfs failed: ${String((e as { stderr?: Buffer }).stderr ?? e).trim()}`;
    }
  }
  if (skipReason) return;
  // A small real video (2 s test pattern, about 30 KB) that fits beside nothing else.
  const small = join(scratch.dir, 'small.mp4');
  execFileSync('ffmpeg', [
    '-v',
    'error',
    '-y',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240:rate=10',
    '-t',
    '2',
    '-c:v',
    'libx264',
    '-pix_fmt',
    'yuv420p',
    small,
  ]);
  smallBytes = readFileSync(small);
  assert.ok(smallBytes.length < SIZE / 4 && bigBytes.length > SIZE, `small ${smallBytes.length} B, big ${bigBytes.length} B, tmpfs ${SIZE} B`);
  api = await startApi('keycast_test_faults_disk', { storageDir: mountPoint });
  key = await createTestKey(api.databaseUrl, 'disk-fault');
});
after(async () => {
  await api?.close();
  if (mounted) execFileSync('umount', [mountPoint]);
  rmSync(mountPoint, { recursive: true, force: true });
  scratch.cleanup();
});

/** Every file under the storage root (the temporary `.part` names included). */
function storedFiles(dir = mountPoint): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? storedFiles(p) : [p];
  });
}

async function upload(bytes: Buffer, name: string) {
  const form = new FormData();
  form.append('capture_interval_sec', '1');
  form.append('file', new Blob([bytes]), name);
  return call(api!.baseUrl, 'POST', '/videos', { body: form, headers: key.headers });
}

const videoRows = async () => Number((await sql<{ n: string }>(api!.databaseUrl, 'SELECT count(*) AS n FROM videos'))[0].n);

test('an upload larger than the free space: 507 STORAGE_FULL, no partial file, no video row; the API keeps serving and the space is back', async (t) => {
  if (skipReason) return t.skip(skipReason);
  const r = await upload(bigBytes, big.name);
  assert.equal(r.status, 507, JSON.stringify(r.body));
  assert.equal(r.body.error.code, 'STORAGE_FULL');
  assert.doesNotMatch(r.body.error.message, new RegExp(mountPoint), 'no storage path in the answer');
  assert.deepEqual(storedFiles(), [], 'nothing of the upload is left in storage');
  assert.equal(await videoRows(), 0, 'no video row');
  assert.equal((await call(api!.baseUrl, 'GET', '/health')).status, 200);
  const list = await call(api!.baseUrl, 'GET', '/videos', { headers: key.headers });
  assert.equal(list.status, 200);
  assert.equal(list.body.items.length, 0);

  // The partial file's space was given back: a small upload fits, is stored whole and queued.
  const ok = await upload(smallBytes, 'small.mp4');
  assert.equal(ok.status, 202, JSON.stringify(ok.body));
  const files = storedFiles();
  assert.equal(files.length, 1);
  assert.equal(statSync(files[0]).size, smallBytes.length);
  assert.equal(await videoRows(), 1);

  // Full again for a second big upload, refused the same way; the stored small video is untouched.
  const again = await upload(bigBytes, big.name);
  assert.equal(again.status, 507, JSON.stringify(again.body));
  assert.deepEqual(storedFiles(), files);
  assert.equal(await videoRows(), 1);
  console.log(
    `# tmpfs of ${SIZE} B: a ${bigBytes.length} B upload refused 507 twice, nothing left behind; a ${smallBytes.length} B upload accepted between them`,
  );
});
