import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sampleFrames, setMediaTools } from '../../../libs/media/index.js';
import type { Frame, SampleOptions, SampleRange } from '../../../libs/media/index.js';
import { isKeycastError } from '../../../libs/config/errors.js';
import { HAMILTON, HAMILTON_ABSENT, TestVideos, bytesWritten, childFfmpegPids, ffmpegPresent, hamiltonPresent, md5 } from './videos.js';

const base: SampleOptions = {
  capture_interval_sec: 1,
  use_scene_transition: false,
  scene_threshold: 0.3,
  skip_sec: 0,
  stop_sec: 0,
  resizing_resolution: 1280,
  resizing_ratio: null,
};
const videos = new TestVideos();
after(() => videos.cleanup());
const haveFfmpeg = ffmpegPresent();
const hamiltonSkip = !haveFfmpeg ? 'ffmpeg not installed' : hamiltonPresent() ? false : HAMILTON_ABSENT;
const FPS = 2997 / 100;

interface Seen {
  index: number;
  t: number;
  w: number;
  h: number;
  sw: number;
  sh: number;
  bytes: number;
  md5: string;
}

async function collect(path: string, opts: Partial<SampleOptions>, range?: SampleRange): Promise<Seen[]> {
  const out: Seen[] = [];
  for await (const f of sampleFrames(path, { ...base, ...opts }, range)) {
    out.push({ index: f.index, t: f.t, w: f.width, h: f.height, sw: f.sourceWidth, sh: f.sourceHeight, bytes: f.data.length, md5: md5(f.data) });
  }
  return out;
}

/** Mean RGB over rows [y0, y1) of a frame. */
function meanRgb(f: Frame, y0: number, y1: number): [number, number, number] {
  const s = [0, 0, 0];
  for (let y = y0; y < y1; y++) for (let x = 0; x < f.width; x++) for (let c = 0; c < 3; c++) s[c] += f.data[(y * f.width + x) * 3 + c];
  const n = (y1 - y0) * f.width;
  return [s[0] / n, s[1] / n, s[2] / n];
}

describe('sampleFrames: interval mode on the Hamilton clip', { skip: hamiltonSkip }, () => {
  test('0.333 s at 29.97 fps → step 10: indices 0, 10, …, 290, t = index / fps, RGB24 bytes', async () => {
    const fr = await collect(HAMILTON, { capture_interval_sec: 0.333 });
    assert.deepEqual(
      fr.map((f) => f.index),
      Array.from({ length: 30 }, (_, i) => i * 10),
    );
    for (const f of fr) {
      assert.ok(Math.abs(f.t - f.index / FPS) < 1e-9);
      assert.deepEqual([f.w, f.h, f.sw, f.sh, f.bytes], [640, 360, 640, 360, 640 * 360 * 3]);
    }
    assert.equal(fr[1].t.toFixed(3), '0.334');
    assert.equal(fr[2].t.toFixed(3), '0.667');
  });

  test('skip_sec 2, stop_sec 4 → t in [2, 4): indices 60 … 110', async () => {
    const fr = await collect(HAMILTON, { capture_interval_sec: 0.333, skip_sec: 2, stop_sec: 4 });
    assert.deepEqual(
      fr.map((f) => f.index),
      [60, 70, 80, 90, 100, 110],
    );
    assert.ok(fr.every((f) => f.t >= 2 && f.t < 4));
  });

  test('segments [0, 5) + [5, 10) == the whole video, frame for frame (indices and pixels)', async () => {
    const opts = { capture_interval_sec: 0.333, resizing_resolution: 160 };
    const whole = await collect(HAMILTON, opts);
    const a = await collect(HAMILTON, opts, { start_s: 0, end_s: 5 });
    const b = await collect(HAMILTON, opts, { start_s: 5, end_s: 10 });
    assert.equal(a.at(-1)!.index, 140);
    assert.equal(b[0].index, 150);
    assert.deepEqual([...a, ...b], whole);
  });

  test('after a seek, every frame equals the full decode at the same index (step 1 around 5 s)', async () => {
    const opts = { capture_interval_sec: 0.001, resizing_resolution: 160 }; // step 1: every frame
    const full = await collect(HAMILTON, { ...opts, stop_sec: 6.2 });
    assert.equal(full.length, Math.ceil(6.2 * FPS)); // slots 0 … 185 (the first 25 repeat the first picture, shown from t = 0)
    const byIndex = new Map(full.map((f) => [f.index, f.md5]));
    const a = await collect(HAMILTON, opts, { start_s: 4.3, end_s: 5.2 });
    const b = await collect(HAMILTON, opts, { start_s: 5.2, end_s: 6.2 });
    assert.deepEqual(
      a.map((f) => f.index),
      Array.from({ length: 156 - 129 }, (_, i) => 129 + i),
    );
    assert.deepEqual(
      b.map((f) => f.index),
      Array.from({ length: 186 - 156 }, (_, i) => 156 + i),
    );
    for (const f of [...a, ...b]) assert.equal(f.md5, byIndex.get(f.index), `pixels of frame ${f.index}`);
    // the comparison can fail: neighbouring frames differ
    assert.notEqual(byIndex.get(150), byIndex.get(151));
  });

  test('resizing: to resizing_resolution, or by resizing_ratio, only when wider', async () => {
    const one = { capture_interval_sec: 1, stop_sec: 0.5 };
    const sizes = async (o: Partial<SampleOptions>) => (await collect(HAMILTON, { ...one, ...o })).map((f) => [f.w, f.h, f.sw, f.sh, f.bytes]);
    assert.deepEqual(await sizes({ resizing_resolution: 320 }), [[320, 180, 640, 360, 320 * 180 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 200 }), [[200, 112, 640, 360, 200 * 112 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 320, resizing_ratio: 0.25 }), [[160, 90, 640, 360, 160 * 90 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 1280, resizing_ratio: 0.25 }), [[640, 360, 640, 360, 640 * 360 * 3]]);
  });

  test('scene mode: segments [0, 5) + [5, 10) == whole; cuts land on real frame times', async () => {
    const opts = { use_scene_transition: true, scene_threshold: 0.15, resizing_resolution: 160 };
    const whole = await collect(HAMILTON, opts);
    const a = await collect(HAMILTON, opts, { start_s: 0, end_s: 5 });
    const b = await collect(HAMILTON, opts, { start_s: 5, end_s: 10 });
    assert.deepEqual([...a, ...b], whole);
    assert.equal(whole[0].index, 0);
    assert.ok(whole.length >= 3, `cuts found: ${whole.map((f) => f.index)}`);
    for (const f of whole) assert.ok(Math.abs(f.t - f.index / FPS) < 1e-9);
  });
});

describe('sampleFrames on generated videos', { skip: haveFfmpeg ? false : 'ffmpeg not installed' }, () => {
  test('scene mode finds the hard cut at frame 25 (t = 1.0 s), and the frame is the new scene', async () => {
    const p = videos.sceneCut();
    const frames: Frame[] = [];
    for await (const f of sampleFrames(p, { ...base, use_scene_transition: true, scene_threshold: 0.3 })) frames.push(f);
    assert.equal(frames.length, 2);
    assert.equal(frames[0].index, 0);
    assert.ok(Math.abs(frames[1].index - 25) <= 1, `cut at ${frames[1].index}`);
    assert.ok(Math.abs(frames[1].t - 1.0) <= 0.04 + 1e-9, `cut at t=${frames[1].t}`);
    const [r0, , b0] = meanRgb(frames[0], 0, 120);
    const [r1, , b1] = meanRgb(frames[1], 0, 120);
    assert.ok(r0 > 200 && b0 < 60, `first frame red: ${r0},${b0}`);
    assert.ok(b1 > 200 && r1 < 60, `cut frame blue: ${r1},${b1}`);
  });

  test('scene mode with skip_sec: the range starts with its first frame; segments still add up', async () => {
    const p = videos.sceneCut();
    const opts = { use_scene_transition: true, scene_threshold: 0.3, skip_sec: 0.5 };
    const whole = await collect(p, opts);
    assert.deepEqual(
      whole.map((f) => f.index),
      [13, 25],
    ); // ceil(0.5 * 25) = 13 (t = 0.52)
    const a = await collect(p, opts, { end_s: 0.9 });
    const b = await collect(p, opts, { start_s: 0.9 });
    assert.deepEqual([...a, ...b], whole);
  });

  test('interval mode with a seek into a GOP: absolute indices, exact pixels', async () => {
    const p = videos.testsrc();
    const full = await collect(p, { capture_interval_sec: 0.04 });
    assert.equal(full.length, 50);
    assert.deepEqual(
      full.map((f) => f.index),
      Array.from({ length: 50 }, (_, i) => i),
    );
    const seg = await collect(p, { capture_interval_sec: 0.2 }, { start_s: 1.13 }); // step 5, first slot 29 → 30
    assert.deepEqual(
      seg.map((f) => f.index),
      [30, 35, 40, 45],
    );
    for (const f of seg) assert.equal(f.md5, full[f.index].md5);
  });

  test('rotated video: frames come out upright at the display size', async (t) => {
    const p = videos.rotated();
    if (!p) return t.skip('this ffmpeg cannot write a display rotation');
    const { probe } = await import('../../../libs/media/index.js');
    const info = await probe(p);
    const frames: Frame[] = [];
    for await (const f of sampleFrames(p, { ...base, capture_interval_sec: 1 })) frames.push(f);
    assert.equal(frames.length, 1);
    const f = frames[0];
    assert.deepEqual([f.width, f.height, f.sourceWidth, f.sourceHeight], [32, 64, 32, 64]);
    // The source's left half is red. Turned 90° clockwise it ends on top; turned 270° clockwise, at the bottom.
    const top = meanRgb(f, 4, 28);
    const bottom = meanRgb(f, 36, 60);
    const redOnTop = top[0] > 200 && bottom[2] > 200;
    const redAtBottom = bottom[0] > 200 && top[2] > 200;
    assert.ok(info.rotation === 90 ? redOnTop : info.rotation === 270 && redAtBottom, `rotation ${info.rotation}, top ${top}, bottom ${bottom}`);
  });

  test('range past the end → no frames, no error; empty range → no frames', async () => {
    assert.deepEqual(await collect(videos.testsrc(), {}, { start_s: 5 }), []);
    assert.deepEqual(await collect(videos.testsrc(), {}, { start_s: 1, end_s: 1 }), []);
  });

  test('errors: truncated mp4, audio only, text, missing file, zero duration, ffmpeg missing', async () => {
    const code = async (p: string, o: Partial<SampleOptions> = {}, r?: SampleRange) => {
      try {
        await collect(p, o, r);
        return 'no error';
      } catch (e) {
        assert.ok(isKeycastError(e), String(e));
        assert.ok(e.message.includes(p), `message names the file: ${e.message}`);
        return e.code;
      }
    };
    assert.equal(await code(videos.truncatedMp4()), 'TRUNCATED_VIDEO');
    assert.equal(await code(videos.audioOnly()), 'NO_VIDEO_STREAM');
    assert.equal(await code(videos.textAsMp4()), 'NOT_A_VIDEO');
    assert.equal(await code(`${videos.scratch}/missing.mp4`), 'NOT_FOUND');
    assert.equal(await code(videos.zeroDuration()), 'ZERO_DURATION');
    // Matroska cut in half: probe still reads 2 s; the second half yields nothing → TRUNCATED_VIDEO with ffmpeg's words.
    assert.equal(await code(videos.truncatedMkv(), { capture_interval_sec: 0.2 }, { start_s: 1.6 }), 'TRUNCATED_VIDEO');
    // ... and reading all of it yields the first part, then fails instead of passing for complete.
    const got: number[] = [];
    await assert.rejects(
      (async () => {
        for await (const f of sampleFrames(videos.truncatedMkv(), { ...base, capture_interval_sec: 0.2 })) got.push(f.index);
      })(),
      (e: unknown) => isKeycastError(e) && e.code === 'TRUNCATED_VIDEO' && /decoding stopped at/.test(e.message),
    );
    assert.ok(got.length >= 2 && got.length < 10, `frames before the cut: ${got}`);
    const prev = setMediaTools({ ffmpeg: `${videos.scratch}/no-such-ffmpeg` });
    try {
      await assert.rejects(collect(videos.testsrc(), {}), (e: unknown) => isKeycastError(e) && e.code === 'TOOL_MISSING' && /ffmpeg not found/.test(e.message));
    } finally {
      setMediaTools(prev);
    }
  });
});

describe('sampleFrames: process lifetime and back-pressure', { skip: hamiltonSkip }, () => {
  test('breaking out of the loop kills ffmpeg (no orphan)', async (t) => {
    if (childFfmpegPids() === null) return t.skip('no /proc');
    let running: number[] = [];
    let n = 0;
    for await (const f of sampleFrames(HAMILTON, { ...base, capture_interval_sec: 0.001 })) {
      assert.equal(f.data.length, 640 * 360 * 3);
      running = childFfmpegPids()!;
      if (++n === 3) break;
    }
    assert.equal(running.length, 1, 'ffmpeg was running while frames were consumed');
    assert.deepEqual(childFfmpegPids(), [], 'no ffmpeg left after break');
  });

  test('ffmpeg is read only as fast as frames are taken: a paused consumer stops it within a few frames', async (t) => {
    if (childFfmpegPids() === null) return t.skip('no /proc');
    const frameBytes = 640 * 360 * 3;
    const gen = sampleFrames(HAMILTON, { ...base, capture_interval_sec: 0.001 });
    await gen.next();
    const [pid] = childFfmpegPids()!;
    const w0 = bytesWritten(pid);
    if (w0 === null) {
      await gen.return(undefined);
      return t.skip('/proc/PID/io not readable');
    }
    await sleep(400); // unthrottled, ffmpeg writes the remaining ~200 MB in well under a second
    const w1 = bytesWritten(pid)!;
    assert.ok(w1 < 6 * frameBytes, `ffmpeg wrote ${w1} bytes (${(w1 / frameBytes).toFixed(1)} frames) while the consumer held 1 frame`);
    const next = await gen.next();
    assert.equal(next.value?.index, 1);
    await gen.return(undefined);
    assert.deepEqual(childFfmpegPids(), []);
  });

  test('aborting the signal kills ffmpeg and rejects with AbortError', async (t) => {
    if (childFfmpegPids() === null) return t.skip('no /proc');
    const ac = new AbortController();
    let n = 0;
    await assert.rejects(
      (async () => {
        for await (const _f of sampleFrames(HAMILTON, { ...base, capture_interval_sec: 0.001 }, { signal: ac.signal })) {
          if (++n === 2) ac.abort();
        }
      })(),
      (e: unknown) => (e as Error).name === 'AbortError',
    );
    assert.equal(n, 2);
    assert.deepEqual(childFfmpegPids(), []);
  });
});

test('a playlist naming a URL: a typed error, and nothing is requested from the URL', { skip: haveFfmpeg ? false : 'ffmpeg not installed' }, async () => {
  let hits = 0;
  const server = createServer((_req, res) => {
    hits++;
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const port = (server.address() as { port: number }).port;
    const playlist = join(videos.scratch, 'hostile.m3u8');
    writeFileSync(playlist, `#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\nhttp://127.0.0.1:${port}/segment.ts\n#EXT-X-ENDLIST\n`);
    await assert.rejects(collect(playlist, {}), (e: unknown) => isKeycastError(e), 'a typed error, not a fetch');
    assert.equal(hits, 0, 'nothing was requested from the URL in the playlist');
  } finally {
    server.close();
  }
});
