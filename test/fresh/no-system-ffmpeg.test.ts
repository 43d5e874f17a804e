// A machine with Node and nothing else: ffmpeg and ffprobe hidden from PATH (bind-mounted over with an
// empty, non-executable file in a private mount namespace), the README's first command still analyses
// the Hamilton clip to faces and clusters, with the static build of the optional npm dependencies.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { REPO_ROOT, SHARED_DATA, tempDir } from '../e2e/support/services.js';

const VIDEO = join(SHARED_DATA, 'videos/short_hamilton_clip.mp4');
const unshare = spawnSync('unshare', ['--version']).status === 0;
const skip =
  process.getuid?.() !== 0
    ? 'hiding ffmpeg needs root (a private mount namespace with bind mounts)'
    : !unshare
      ? 'unshare(1) is not installed'
      : !existsSync(VIDEO)
        ? `${VIDEO} is absent (../shared/data)`
        : process.platform !== 'linux' || !['x64', 'arm64'].includes(process.arch)
          ? 'the bundled ffmpeg packages are for linux x64/arm64'
          : false;

const tmp = tempDir('no-ffmpeg');
after(() => tmp.cleanup());

/** Runs `script` with bash in a private mount namespace where no ffmpeg/ffprobe is on PATH. */
function withoutSystemFfmpeg(script: string) {
  const empty = join(tmp.dir, 'not-ffmpeg');
  writeFileSync(empty, '', { mode: 0o644 });
  // bash's `command -v` falls back to a non-executable file, so look for executables ourselves.
  const hide = `set -e
executables() { local IFS=:; for d in $PATH; do [ -n "$d" ] && [ -x "$d/$1" ] && [ -f "$d/$1" ] && echo "$d/$1"; done; return 0; }
for tool in ffmpeg ffprobe; do
  for p in $(executables "$tool"); do mount --bind ${JSON.stringify(empty)} "$p"; done
  if [ -n "$(executables "$tool")" ]; then echo "could not hide $tool" >&2; exit 97; fi
done
`;
  const env = { ...process.env };
  delete env.FFMPEG_PATH;
  delete env.FFPROBE_PATH;
  return spawnSync('unshare', ['--mount', '--propagation', 'private', 'bash', '-c', hide + script], {
    cwd: REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: 600_000,
  });
}

test("without ffmpeg on PATH the README's first command analyses a real video with the bundled build", { skip }, () => {
  const out = join(tmp.dir, 'ham');
  const r = withoutSystemFfmpeg(`
node --import tsx -e "const m = await import('./libs/media/index.ts'); console.log(JSON.stringify(m.mediaToolSources()))"
npx keycast analyze ${JSON.stringify(VIDEO)} --capture-interval-sec 0.333 --out ${JSON.stringify(out)}
`);
  assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
  assert.deepEqual(JSON.parse(r.stdout.split('\n')[0]), { ffmpeg: 'bundled', ffprobe: 'bundled' });
  const result = JSON.parse(readFileSync(join(out, 'result.json'), 'utf8')) as {
    faces: unknown[];
    clusters: { size: number }[];
    video: { duration_s: number };
  };
  assert.ok(result.video.duration_s > 5, 'ffprobe (bundled) read the duration');
  // The bundled build finds 21 faces in 4 clusters (8, 5, 4, 2) with these options (24 and 12 before copies of the
  // video's first frame, presented at 0.844 s, stopped being sampled at 0, 0.333 and 0.667 s).
  assert.ok(result.faces.length >= 18, `faces: ${result.faces.length}`);
  assert.ok(result.clusters.length >= 3, `clusters: ${result.clusters.length}`);
});

test('in production the service refuses the bundled build: one line, UNSAFE_TOOL', { skip }, () => {
  const r = withoutSystemFfmpeg(`
NODE_ENV=production node --import tsx -e "const m = await import('./libs/media/index.ts'); try { m.assertServiceTools() } catch (e) { console.log(e.code + ': ' + e.message) }"
`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^UNSAFE_TOOL: refusing the ffmpeg build bundled in @ffmpeg-installer\/linux-/);
});
