import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { probe, interpretProbe, streamRotation, ffmpegAvailable, setMediaTools, getMediaTools, assertFfmpeg } from '../../../libs/media/index.js';
import { isKeycastError } from '../../../libs/config/errors.js';
import { HAMILTON, HAMILTON_ABSENT, TestVideos, ffmpegPresent, hamiltonPresent } from './videos.js';

const haveFfmpeg = ffmpegPresent();
const videos = new TestVideos();
after(() => videos.cleanup());

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    assert.ok(isKeycastError(e), `expected a KeycastError, got ${String(e)}`);
    assert.ok(!e.message.includes('\n'), 'message is one line');
    return e.code;
  }
  return 'no error';
}

describe('probe', { skip: haveFfmpeg ? false : 'ffmpeg/ffprobe not installed' }, () => {
  test('Hamilton clip: 640x360, 29.97 fps, ~10 s, h264', { skip: hamiltonPresent() ? false : HAMILTON_ABSENT }, async () => {
    const v = await probe(HAMILTON);
    assert.equal(v.width, 640);
    assert.equal(v.height, 360);
    assert.ok(Math.abs(v.fps - 29.97) < 1e-9, `fps ${v.fps}`);
    assert.ok(Math.abs(v.duration_s - 10) < 0.05, `duration ${v.duration_s}`);
    assert.equal(v.codec, 'h264');
    assert.equal(v.rotation, 0);
    assert.equal(v.frame_count, 275); // the container's sample count (the video track starts 0.85 s in)
    assert.equal(v.path, HAMILTON);
  });

  test('generated testsrc: exact numbers', async () => {
    const v = await probe(videos.testsrc());
    assert.deepEqual(
      { w: v.width, h: v.height, fps: v.fps, n: v.frame_count, rot: v.rotation, codec: v.codec },
      { w: 320, h: 240, fps: 25, n: 50, rot: 0, codec: 'h264' },
    );
    assert.ok(Math.abs(v.duration_s - 2) < 0.01, `duration ${v.duration_s}`);
  });

  test('rotated by 90°: width and height swapped', async (t) => {
    const p = videos.rotated();
    if (!p) return t.skip('this ffmpeg cannot write a display rotation');
    const v = await probe(p);
    assert.ok(v.rotation === 90 || v.rotation === 270, `rotation ${v.rotation}`);
    assert.equal(v.width, 32);
    assert.equal(v.height, 64);
  });

  test('missing file → NOT_FOUND', async () => {
    assert.equal(await codeOf(probe(`${videos.scratch}/does-not-exist.mp4`)), 'NOT_FOUND');
  });

  test('text file named .mp4 → NOT_A_VIDEO, naming the file', async () => {
    const p = videos.textAsMp4();
    await assert.rejects(probe(p), (e: unknown) => isKeycastError(e) && e.code === 'NOT_A_VIDEO' && e.message.includes(p));
  });

  test('directory → NOT_A_VIDEO', async () => {
    assert.equal(await codeOf(probe(videos.scratch)), 'NOT_A_VIDEO');
  });

  test('audio-only m4a → NO_VIDEO_STREAM', async () => {
    const p = videos.audioOnly();
    await assert.rejects(probe(p), (e: unknown) => isKeycastError(e) && e.code === 'NO_VIDEO_STREAM' && /audio/.test(e.message));
  });

  test('mp4 cut to half its bytes (moov lost) → TRUNCATED_VIDEO', async () => {
    assert.equal(await codeOf(probe(videos.truncatedMp4())), 'TRUNCATED_VIDEO');
  });

  test('faststart mp4 cut to half its bytes (index intact) → TRUNCATED_VIDEO', async () => {
    assert.equal(await codeOf(probe(videos.truncatedFaststart())), 'TRUNCATED_VIDEO');
  });

  test('zero-duration file → ZERO_DURATION', async () => {
    assert.equal(await codeOf(probe(videos.zeroDuration())), 'ZERO_DURATION');
  });

  test('ffmpegAvailable: true here, false (and a clear TOOL_MISSING error) when the binary is missing', async () => {
    assert.equal(await ffmpegAvailable(), true);
    const prev = setMediaTools({ ffprobe: `${videos.scratch}/no-such-ffprobe` });
    try {
      assert.equal(getMediaTools().ffprobe, `${videos.scratch}/no-such-ffprobe`);
      assert.equal(await ffmpegAvailable(), false);
      await assert.rejects(assertFfmpeg(), (e: unknown) => isKeycastError(e) && e.code === 'TOOL_MISSING' && /not found.*install ffmpeg/.test(e.message));
      await assert.rejects(probe(videos.testsrc()), (e: unknown) => isKeycastError(e) && e.code === 'TOOL_MISSING');
    } finally {
      setMediaTools(prev);
    }
  });
});

describe('interpretProbe (ffprobe JSON → VideoInfo)', () => {
  const stream = {
    index: 0,
    codec_type: 'video',
    codec_name: 'h264',
    width: 1920,
    height: 1080,
    avg_frame_rate: '30000/1001',
    r_frame_rate: '30000/1001',
    duration: '12.5',
    nb_frames: '375',
  };
  test('display matrix rotation -90 → 90 clockwise, size swapped; exact rational fps kept', () => {
    const r = interpretProbe(
      'x.mp4',
      { streams: [{ ...stream, side_data_list: [{ side_data_type: 'Display Matrix', rotation: -90 }] }], format: { format_name: 'mov,mp4', duration: '12.5' } },
      0,
    );
    assert.deepEqual([r.info.rotation, r.info.width, r.info.height], [90, 1080, 1920]);
    assert.deepEqual(r.fps, { num: 30000, den: 1001 });
  });
  test('legacy rotate tag and 180°', () => {
    assert.equal(streamRotation({ tags: { rotate: '270' } }), 270);
    assert.equal(streamRotation({ side_data_list: [{ rotation: 180 }] }), 180);
    assert.equal(streamRotation({ side_data_list: [{ rotation: 90 }] }), 270);
    assert.equal(streamRotation({}), 0);
  });
  test('avg_frame_rate 0/0 falls back to r_frame_rate; nb_frames missing → duration * fps', () => {
    const r = interpretProbe(
      'x.mkv',
      {
        streams: [{ ...stream, avg_frame_rate: '0/0', r_frame_rate: '25/1', nb_frames: undefined, duration: undefined }],
        format: { format_name: 'matroska,webm', duration: '4.0' },
      },
      0,
    );
    assert.equal(r.info.fps, 25);
    assert.equal(r.info.frame_count, 100);
    assert.equal(r.info.duration_s, 4);
  });
  test('video stream starting late: duration runs to the end of the video on the file timeline', () => {
    const r = interpretProbe(
      'x.mp4',
      {
        streams: [{ ...stream, start_time: '0.852019', duration: '9.175843' }],
        format: { format_name: 'mov,mp4', start_time: '0.008005', duration: '10.008' },
      },
      0,
    );
    assert.ok(Math.abs(r.info.duration_s - 10.019857) < 1e-9);
    // where its first frame is presented: sampling counts frames and times from there
    assert.ok(Math.abs(r.start_s - 0.844014) < 1e-9);
    const audioFirst = interpretProbe('y.mp4', { streams: [{ ...stream, start_time: '0' }], format: { format_name: 'mov,mp4', start_time: '0.1' } }, 0);
    assert.equal(audioFirst.start_s, 0);
    assert.equal(interpretProbe('z.mkv', { streams: [stream], format: { format_name: 'matroska,webm' } }, 0).start_s, 0);
  });
  test('cover art is not a video stream; unknown duration → ZERO_DURATION; tty → NOT_A_VIDEO', () => {
    const cover = { ...stream, codec_name: 'mjpeg', disposition: { attached_pic: 1 } };
    assert.throws(() => interpretProbe('a.mp3', { streams: [cover, { index: 1, codec_type: 'audio' }], format: { format_name: 'mp3' } }, 0), {
      code: 'NO_VIDEO_STREAM',
    });
    assert.throws(() => interpretProbe('x.ts', { streams: [{ ...stream, duration: 'N/A' }], format: { format_name: 'mpegts', duration: 'N/A' } }, 0), {
      code: 'ZERO_DURATION',
    });
    assert.throws(() => interpretProbe('x.txt', { streams: [{ ...stream, codec_name: 'ansi' }], format: { format_name: 'tty', duration: '3' } }, 0), {
      code: 'NOT_A_VIDEO',
    });
  });
});
