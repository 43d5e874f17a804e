import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ffmpegSampleArgs, planSampling, probeVideo, resizeTarget, sampleFrames, setMediaTools, vsyncPassthrough } from '../../../libs/media/index.js';
import type { Frame, SampleOptions, SampleRange } from '../../../libs/media/index.js';
import { PLAIN_SAMPLING } from '../../helpers/media.js';
import { isKeycastError } from '../../../libs/config/errors.js';
import { HAMILTON, HAMILTON_ABSENT, TestVideos, bytesWritten, childFfmpegPids, ffmpegPresent, framePresentationTimes, hamiltonPresent, md5 } from './videos.js';

const base = PLAIN_SAMPLING;
const videos = new TestVideos();
after(() => videos.cleanup());
const haveFfmpeg = ffmpegPresent();
const hamiltonSkip = !haveFfmpeg ? 'ffmpeg not installed' : hamiltonPresent() ? false : HAMILTON_ABSENT;

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

/** Asserts each frame's t is the presentation time ffprobe reads for the stream's frame `index` (to 0.1 ms: ffprobe prints microseconds). */
function assertPresentationTimes(frames: readonly Seen[], pts: readonly number[]): void {
  for (const f of frames) {
    assert.ok(f.index >= 0 && f.index < pts.length, `frame ${f.index} of ${pts.length}`);
    assert.ok(Math.abs(f.t - pts[f.index]) < 1e-4, `frame ${f.index}: t ${f.t}, presented at ${pts[f.index]}`);
  }
}

/** Indices of the frames presented in [from, to). */
function framesIn(pts: readonly number[], from: number, to: number): number[] {
  return pts.flatMap((t, i) => (t >= from && t < to ? [i] : []));
}

describe('sampleFrames: interval mode on the Hamilton clip', { skip: hamiltonSkip }, () => {
  // The clip's video stream starts at 0.852 s (0.844 s on the file's timeline, which starts with its audio): frame k of
  // the stream is presented at 0.844 + k / 29.97 s, at place k + 25 of the file's 1 / fps grid. Interval sampling takes
  // the frames on screen at multiples of the interval on that timeline (the ground truth's 0, 1/3, 2/3 … s), numbers
  // each by its place in the stream and reports it at its own presentation time. Before, the grid's slots before the
  // stream's first frame were filled with copies of it: at 0.333 s it was sampled three times (t = 0, 0.334, 0.667 s;
  // nothing is on screen then), indices were the grid's (25 past the stream's numbers) and every t about 0.01 s early.
  const pts = hamiltonSkip ? [] : framePresentationTimes(HAMILTON);

  test('the smallest interval samples every frame exactly once, each at its presentation time', async () => {
    assert.ok(pts.length > 250 && Math.abs(pts[0] - 0.844) < 0.001, `${pts.length} frames from ${pts[0]} s`);
    const fr = await collect(HAMILTON, { capture_interval_sec: 1e-9, resizing_resolution: 160 });
    // Before: 300 frames, the first picture 26 times, the first at t = 0.
    assert.equal(new Set(fr.map((f) => f.md5)).size, fr.length, 'no picture twice');
    assert.deepEqual(
      fr.map((f) => f.index),
      pts.map((_, i) => i),
    );
    assertPresentationTimes(fr, pts);
  });

  test('0.333 s at 29.97 fps → step 10: frames 5, 15, …, 265 of the stream (places 30, 40, … of the file), at their presentation times', async () => {
    const fr = await collect(HAMILTON, { capture_interval_sec: 0.333 });
    assert.deepEqual(
      fr.map((f) => f.index),
      Array.from({ length: 27 }, (_, i) => 5 + i * 10),
    );
    assertPresentationTimes(fr, pts);
    for (const f of fr) assert.deepEqual([f.w, f.h, f.sw, f.sh, f.bytes], [640, 360, 640, 360, 640 * 360 * 3]);
    assert.equal(new Set(fr.map((f) => f.md5)).size, fr.length, 'no picture twice');
    assert.equal(fr[0].t.toFixed(3), '1.011');
    assert.equal(fr[1].t.toFixed(3), '1.345');
  });

  test('skip_sec 2, stop_sec 4 → t in [2, 4): frames 35 … 85', async () => {
    const fr = await collect(HAMILTON, { capture_interval_sec: 0.333, skip_sec: 2, stop_sec: 4 });
    assert.deepEqual(
      fr.map((f) => f.index),
      [35, 45, 55, 65, 75, 85],
    );
    assert.ok(fr.every((f) => f.t >= 2 && f.t < 4));
    assertPresentationTimes(fr, pts);
  });

  test('segments [0, 5) + [5, 10) == the whole video, frame for frame (indices and pixels)', async () => {
    const opts = { capture_interval_sec: 0.333, resizing_resolution: 160 };
    const whole = await collect(HAMILTON, opts);
    const a = await collect(HAMILTON, opts, { start_s: 0, end_s: 5 });
    const b = await collect(HAMILTON, opts, { start_s: 5, end_s: 10 });
    assert.equal(a.at(-1)!.index, 115); // presented at 4.681 s
    assert.equal(b[0].index, 125); // 5.015 s
    assert.deepEqual([...a, ...b], whole);
  });

  test('after a seek, every frame equals the full decode at the same index (step 1 around 5 s)', async () => {
    const opts = { capture_interval_sec: 0.001, resizing_resolution: 160 }; // step 1: every frame
    const full = await collect(HAMILTON, { ...opts, stop_sec: 6.2 });
    assert.deepEqual(
      full.map((f) => f.index),
      framesIn(pts, 0, 6.2),
    );
    const byIndex = new Map(full.map((f) => [f.index, f.md5]));
    const a = await collect(HAMILTON, opts, { start_s: 4.3, end_s: 5.2 });
    const b = await collect(HAMILTON, opts, { start_s: 5.2, end_s: 6.2 });
    assert.deepEqual(
      a.map((f) => f.index),
      framesIn(pts, 4.3, 5.2),
    );
    assert.deepEqual(
      b.map((f) => f.index),
      framesIn(pts, 5.2, 6.2),
    );
    assertPresentationTimes([...full, ...a, ...b], pts);
    for (const f of [...a, ...b]) assert.equal(f.md5, byIndex.get(f.index), `pixels of frame ${f.index}`);
    // the comparison can fail: neighbouring frames differ
    assert.notEqual(byIndex.get(125), byIndex.get(126));
  });

  test('resizing: to resizing_resolution, or by resizing_ratio, only when wider', async () => {
    const one = { capture_interval_sec: 1, stop_sec: 1.2 }; // one frame: the stream's first, presented at 0.844 s
    const sizes = async (o: Partial<SampleOptions>) => (await collect(HAMILTON, { ...one, ...o })).map((f) => [f.w, f.h, f.sw, f.sh, f.bytes]);
    assert.deepEqual(await sizes({ resizing_resolution: 320 }), [[320, 180, 640, 360, 320 * 180 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 200 }), [[200, 112, 640, 360, 200 * 112 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 320, resizing_ratio: 0.25 }), [[160, 90, 640, 360, 160 * 90 * 3]]);
    assert.deepEqual(await sizes({ resizing_resolution: 1280, resizing_ratio: 0.25 }), [[640, 360, 640, 360, 640 * 360 * 3]]);
  });

  test("without the frame log (the benches' plain loop), ffmpeg's command yields the pipeline's frames, byte for byte, and no scene scores", async () => {
    const { info, streamIndex, fps, start_s } = await probeVideo(HAMILTON);
    const plan = planSampling({ ...base, capture_interval_sec: 0.333, skip_sec: 2, stop_sec: 4 }, fps, {}, start_s);
    const out = resizeTarget(info.width, info.height, { resizing_resolution: 320, resizing_ratio: null });
    const vsync = await vsyncPassthrough();
    const frames = (frameLog: boolean) => {
      const args = ffmpegSampleArgs(HAMILTON, streamIndex, plan, out, true, vsync, frameLog);
      const r = spawnSync('ffmpeg', args, { maxBuffer: 1 << 26 });
      assert.equal(r.status, 0, r.stderr.toString());
      return { filters: args[args.indexOf('-vf') + 1], rgb: r.stdout };
    };
    const logged = frames(true);
    const bare = frames(false);
    assert.match(logged.filters, /scene.*showinfo/);
    assert.doesNotMatch(bare.filters, /scene|metadata|showinfo/);
    assert.equal(bare.rgb.length, 6 * 320 * 180 * 3, 'frames 35 … 85 (t in [2, 4))');
    assert.ok(bare.rgb.equals(logged.rgb));
  });

  test('scene mode: segments [0, 5) + [5, 10) == whole; cuts land on real frame times', async () => {
    const opts = { use_scene_transition: true, scene_threshold: 0.15, resizing_resolution: 160 };
    const whole = await collect(HAMILTON, opts);
    const a = await collect(HAMILTON, opts, { start_s: 0, end_s: 5 });
    const b = await collect(HAMILTON, opts, { start_s: 5, end_s: 10 });
    assert.deepEqual([...a, ...b], whole);
    assert.equal(whole[0].index, 0);
    assert.ok(whole.length >= 3, `cuts found: ${whole.map((f) => f.index)}`);
    assertPresentationTimes(whole, pts);
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

  test('a video stream starting at 0.52 s: frames numbered from its first, each once, at its own presentation time', async () => {
    const p = videos.lateStart();
    const pts = framePresentationTimes(p);
    assert.equal(pts.length, 50);
    assert.ok(Math.abs(pts[0] - 0.52) < 1e-6, `first frame at ${pts[0]} s`);
    const every = await collect(p, { capture_interval_sec: 1e-9 });
    // Before: 63 frames, the first picture 14 times (t = 0, 0.04, … 0.52).
    assert.deepEqual(
      every.map((f) => f.index),
      pts.map((_, i) => i),
    );
    assert.equal(new Set(every.map((f) => f.md5)).size, 50, 'no picture twice');
    assertPresentationTimes(every, pts);
    // every 0.2 s of the file's timeline: frames 2, 7, … (0.6, 0.8, … s); at 0.2 and 0.4 s nothing is on screen
    const step5 = await collect(p, { capture_interval_sec: 0.2 });
    assert.deepEqual(
      step5.map((f) => f.index),
      [2, 7, 12, 17, 22, 27, 32, 37, 42, 47],
    );
    assertPresentationTimes(step5, pts);
    step5.forEach((f, i) => assert.ok(Math.abs(f.t - 0.2 * (i + 3)) < 1e-6, `frame ${f.index} at ${f.t} s`));
    for (const f of step5) assert.equal(f.md5, every[f.index].md5, `pixels of frame ${f.index}`);
    // skip_sec and segment bounds are times on the file's timeline: frame k is at 0.52 + k / 25 s
    const skipped = await collect(p, { capture_interval_sec: 0.2, skip_sec: 1 });
    assert.deepEqual(
      skipped.map((f) => f.index),
      [12, 17, 22, 27, 32, 37, 42, 47],
    );
    const a = await collect(p, { capture_interval_sec: 0.2 }, { end_s: 1.3 });
    const b = await collect(p, { capture_interval_sec: 0.2 }, { start_s: 1.3 });
    assert.deepEqual([...a, ...b], step5);
    assert.equal(b[0].index, 22);
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
