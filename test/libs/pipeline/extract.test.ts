import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExtractOptions } from '../../../libs/config/index.js';
import { createFacePool, extractFaces, type ExtractProgress, type FacePool, type FaceRecord, type FaceSink } from '../../../libs/pipeline/index.js';
import { HAMILTON, needsSharedData } from '../../helpers/paths.js';

class MemorySink implements FaceSink {
  batches: { faces: FaceRecord[]; progress: ExtractProgress }[] = [];
  async writeBatch(faces: FaceRecord[], progress: ExtractProgress) {
    this.batches.push({ faces, progress });
  }
  get faces() {
    return this.batches.flatMap((b) => b.faces);
  }
}

let pool: FacePool;
before(async () => {
  pool = await createFacePool();
});
after(async () => {
  await pool.close();
});

const skip = needsSharedData(HAMILTON);

test('extracts faces in frame order, one batch per frame_batch_size sampled frames', { skip }, async () => {
  const sink = new MemorySink();
  const progress: number[] = [];
  const s = await extractFaces({
    path: HAMILTON,
    options: resolveExtractOptions({ capture_interval_sec: 0.5, stop_sec: 4, frame_batch_size: 3 }),
    sink,
    pool,
    onProgress: (p) => progress.push(p.fraction),
  });
  // the video stream starts at 0.844 s: what is on screen at 1.0, 1.5, … 3.5 s, its frames 5, 20, … 80
  assert.equal(s.frames, 6, 'frames at 1.0, 1.5, … 3.5 s');
  assert.equal(sink.batches.length, Math.ceil(6 / 3));
  assert.ok(s.faces >= 3, `faces ${s.faces}`); // before, two copies of the first frame (presented at 0.844 s) added two faces
  assert.equal(sink.faces.length, s.faces);
  const frames = sink.faces.map((f) => f.frame);
  assert.deepEqual(
    frames,
    [...frames].sort((a, b) => a - b),
  );
  for (const f of sink.faces) {
    assert.equal(f.face.length, 128);
    assert.equal(f.cloth.length, 128);
    assert.ok(f.t >= 0.844 && f.t < 4, `t ${f.t}`);
    assert.ok(f.box[0] >= -1 && f.box[0] + f.box[2] <= 641 && f.box[3] > 10, `box in source pixels: ${f.box}`);
    assert.deepEqual([...f.thumbnail.subarray(0, 2)], [0xff, 0xd8]);
    // quality features for the clustering's quality weighting
    assert.ok(typeof f.sharpness === 'number' && f.sharpness > 0, `sharpness ${f.sharpness}`);
    assert.ok(typeof f.yaw === 'number' && Math.abs(f.yaw) < 2, `yaw ${f.yaw}`);
    // the shot of the face's frame: the clip cuts at frame 20 (1.511 s), so frames before it are shot 0
    assert.equal(f.shot, f.frame < 20 ? 0 : 20, `frame ${f.frame}: shot ${f.shot}`);
  }
  assert.deepEqual(
    progress,
    [...progress].sort((a, b) => a - b),
    'progress only grows',
  );
  assert.ok(progress.at(-1)! > 0.8);
});

test('stops after face_cnt faces', { skip }, async () => {
  const sink = new MemorySink();
  const s = await extractFaces({ path: HAMILTON, options: resolveExtractOptions({ capture_interval_sec: 0.5, face_cnt: 3 }), sink, pool });
  assert.equal(s.faces, 3);
  assert.equal(sink.faces.length, 3);
  assert.equal(s.truncated, true);
});

test(
  'every face records its descriptor version and chip: face-api by default, dlib where trusted with face_chips guarded, the same boxes',
  { skip },
  async () => {
    const opts = { capture_interval_sec: 0.5 };
    const plain = new MemorySink();
    await extractFaces({ path: HAMILTON, options: resolveExtractOptions(opts), sink: plain, pool });
    const guarded = new MemorySink();
    await extractFaces({ path: HAMILTON, options: resolveExtractOptions({ ...opts, face_chips: 'guarded' }), sink: guarded, pool });
    assert.ok(plain.faces.length >= 3, `${plain.faces.length} faces`);
    assert.deepEqual(
      plain.faces.map((f) => [f.descriptorVersion, f.chip]),
      plain.faces.map(() => [1, 'face-api']),
    );
    // Same detections, another chip where trusted: the boxes agree, the versions say how each descriptor was made.
    assert.deepEqual(
      guarded.faces.map((f) => f.box),
      plain.faces.map((f) => f.box),
    );
    assert.ok(guarded.faces.every((f) => f.descriptorVersion === 2));
    const aligned = guarded.faces.filter((f) => f.chip === 'dlib');
    assert.ok(aligned.length > 0, 'some face trusted');
    for (const f of aligned) {
      const twin = plain.faces.find((p) => p.frame === f.frame && p.k === f.k)!;
      assert.notDeepEqual([...f.face], [...twin.face], 'a dlib chip gives another descriptor');
    }
    for (const f of guarded.faces.filter((x) => x.chip === 'face-api')) {
      const twin = plain.faces.find((p) => p.frame === f.frame && p.k === f.k)!;
      assert.deepEqual([...f.face], [...twin.face], "an untrusted face keeps face-api's chip and descriptor");
    }
  },
);

test('skips crowd frames with more than max_faces_per_frame faces', { skip }, async () => {
  const all = new MemorySink();
  const opts = { capture_interval_sec: 0.5, skip_sec: 0, stop_sec: 2 };
  await extractFaces({ path: HAMILTON, options: resolveExtractOptions(opts), sink: all, pool });
  const perFrame = new Map<number, number>();
  for (const f of all.faces) perFrame.set(f.frame, (perFrame.get(f.frame) ?? 0) + 1);
  const most = Math.max(...perFrame.values());
  assert.ok(most >= 2, 'the opening shot has two people');
  const few = new MemorySink();
  const s = await extractFaces({ path: HAMILTON, options: resolveExtractOptions({ ...opts, max_faces_per_frame: most - 1 }), sink: few, pool });
  const crowded = [...perFrame.values()].filter((n) => n > most - 1).length;
  assert.equal(s.crowd_frames, crowded);
  assert.equal(few.faces.length, all.faces.length - [...perFrame.values()].filter((n) => n > most - 1).reduce((a, b) => a + b, 0));
});

test("every face's t is its frame's presentation time; no frame is sampled twice, even at the smallest interval", { skip }, async () => {
  // The clip's video starts at 0.852 s (0.844 s on the file's timeline). Before, sampling started at the file's 0: the
  // first picture filled 26 frames, and its faces came back 26 times, at t = 0, 0.033, … 0.834.
  const sink = new MemorySink();
  const s = await extractFaces({ path: HAMILTON, options: resolveExtractOptions({ capture_interval_sec: 1e-9, stop_sec: 1.2 }), sink, pool });
  assert.equal(s.frames, 11, 'frames 0 … 10 of the stream (0.844 … 1.178 s)');
  const byFrame = new Map<number, FaceRecord[]>();
  for (const f of sink.faces) byFrame.set(f.frame, [...(byFrame.get(f.frame) ?? []), f]);
  assert.ok(byFrame.size >= 8, `frames with faces: ${[...byFrame.keys()]}`);
  let prevT = -Infinity;
  for (const [frame, faces] of byFrame) {
    const t = faces[0].t;
    assert.ok(Math.abs(t - (0.844014 + frame / 29.97)) < 1e-4, `frame ${frame} at t ${t}`);
    for (const f of faces) assert.equal(f.t, t, `faces of frame ${frame} share its t`);
    assert.ok(t > prevT, `t strictly increases from frame to frame: ${prevT} then ${t}`);
    prevT = t;
  }
  assert.ok(Math.abs(sink.faces[0].t - 0.844014) < 1e-4, `first face at ${sink.faces[0].t}`);
  // no two faces are the same appearance: each frame is a different picture
  const descriptors = new Set(sink.faces.map((f) => Array.from(f.face).join(',')));
  assert.equal(descriptors.size, sink.faces.length);
});
