// Shot boundaries recorded while sampling: every frame names its shot by the frame index where the shot starts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleFrames, shotStart, type SampleOptions, type SampleRange } from '../../../libs/media/index.js';
import { HAMILTON, HAMILTON_ABSENT, TestVideos, ffmpegPresent, hamiltonPresent } from './videos.js';

const base: SampleOptions = {
  capture_interval_sec: 0.2,
  use_scene_transition: false,
  scene_threshold: 0.2,
  skip_sec: 0,
  stop_sec: 0,
  resizing_resolution: 1280,
  resizing_ratio: null,
};

async function shots(path: string, opts: Partial<SampleOptions>, range?: SampleRange): Promise<[number, number][]> {
  const out: [number, number][] = [];
  for await (const f of sampleFrames(path, { ...base, ...opts }, range)) out.push([f.index, f.shot]);
  return out;
}

test('shotStart: the latest cut at or before the frame, else where the range starts', () => {
  assert.equal(shotStart([], 40, 0), 0);
  assert.equal(shotStart([25, 60], 40, 0), 25);
  assert.equal(shotStart([25, 60], 60, 0), 60);
  assert.equal(shotStart([25, 60], 24, 0), 0);
  // a segment that starts at 100 saw no cut since its preroll: its first shot is named by its start
  assert.equal(shotStart([], 120, 100), 100);
  // a cut in the preroll (before the segment's start) keeps the name the whole run gives the shot
  assert.equal(shotStart([97], 120, 100), 97);
});

describe('shots while sampling', { skip: ffmpegPresent() ? false : 'ffmpeg not installed' }, () => {
  test('interval mode: frames before the hard cut at frame 25 are shot 0, frames after it shot 25', async () => {
    const videos = new TestVideos();
    try {
      const got = await shots(videos.sceneCut(), {});
      assert.ok(got.length >= 8, `${got.length} frames`);
      const shotOfCut = got.find(([i]) => i >= 26)![1];
      assert.ok(Math.abs(shotOfCut - 25) <= 1, `the cut names the second shot: ${shotOfCut}`);
      for (const [index, shot] of got) assert.equal(shot, index < shotOfCut ? 0 : shotOfCut, `frame ${index}: shot ${shot}`);
      assert.ok(new Set(got.map(([, s]) => s)).size === 2, JSON.stringify(got));
    } finally {
      videos.cleanup();
    }
  });

  test(
    'the Hamilton clip: the cuts at 1.5, 3.57 and 7.87 s name its shots; a segment names the shot it starts in by its own start',
    { skip: hamiltonPresent() ? false : HAMILTON_ABSENT },
    async () => {
      const whole = await shots(HAMILTON, { capture_interval_sec: 0.333 });
      // frames of the video stream, which starts at 0.844 s: the cuts are its frames 20, 82 and 211 (1.511, 3.580, 7.884 s)
      assert.deepEqual([...new Set(whole.map(([, s]) => s))], [0, 20, 82, 211]);
      for (const [index, shot] of whole) assert.ok(shot <= index, `frame ${index} in shot ${shot}`);
      const second = await shots(HAMILTON, { capture_interval_sec: 0.333 }, { start_s: 5 });
      assert.deepEqual([...new Set(second.map(([, s]) => s))], [125, 211]); // frame 125: the first presented at or after 5 s
      // same frames as the whole run, and the same shot wherever the segment saw the cut itself
      for (const [index, shot] of second) {
        const w = whole.find(([i]) => i === index)!;
        assert.ok(w, `frame ${index}`);
        if (index >= 211) assert.equal(shot, w[1]);
      }
    },
  );
});
