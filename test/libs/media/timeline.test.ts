import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { samplingStep } from '../../../libs/config/index.js';
import {
  planSampling,
  planExpectsFrames,
  planTime,
  seekTime,
  selectExpression,
  firstSlotAtOrAfter,
  parseRational,
  slotTime,
  resizeTarget,
} from '../../../libs/media/index.js';
import { PLAIN_SAMPLING } from '../../helpers/media.js';

const base = PLAIN_SAMPLING;
const ntsc = { num: 2997, den: 100 };

describe('sampling step and grid', () => {
  test('step = max(1, round(interval * round(fps)))', () => {
    assert.equal(samplingStep(0.333, 29.97), 10);
    assert.equal(samplingStep(1, 29.97), 30);
    assert.equal(samplingStep(1, 23.976), 24);
    assert.equal(samplingStep(0.5, 25), 13); // round(12.5) = 13 (JS rounds .5 up)
    assert.equal(samplingStep(0.001, 30), 1);
  });
  test('parseRational', () => {
    assert.deepEqual(parseRational('30000/1001'), { num: 30000, den: 1001 });
    assert.deepEqual(parseRational('25'), { num: 25, den: 1 });
    assert.equal(parseRational('0/0'), null);
    assert.equal(parseRational('N/A'), null);
  });
  test('slot ↔ time round-trips exactly on the grid', () => {
    for (const k of [0, 1, 149, 150, 299, 123456]) assert.equal(firstSlotAtOrAfter(slotTime(k, ntsc), ntsc), k);
    assert.equal(firstSlotAtOrAfter(5, ntsc), 150); // 149 / 29.97 = 4.9716 < 5 <= 150 / 29.97
  });
});

describe('planSampling', () => {
  test('skip/stop bound [skip, stop) on the grid', () => {
    const p = planSampling({ ...base, capture_interval_sec: 0.333, skip_sec: 2, stop_sec: 4 }, ntsc);
    assert.deepEqual([p.step, p.rangeFirstSlot, p.startSlot, p.endSlot], [10, 60, 60, 120]);
  });
  test('segments restrict emission, not the pattern; seek is before the start by the preroll', () => {
    const p = planSampling({ ...base, skip_sec: 1 }, ntsc, { start_s: 5, end_s: 10 });
    assert.deepEqual([p.rangeFirstSlot, p.startSlot, p.endSlot, p.seekSlot], [30, 150, 300, 120]);
    assert.equal(selectExpression(p), 'between(n,30,179)*not(mod(n+120,30))');
  });
  test('a stream presented from start_s: slot 0 is its first frame; skip, stop and segment bounds are file times', () => {
    // the Hamilton clip: its video starts 0.844014 s into the file
    const p = planSampling({ ...base, capture_interval_sec: 0.333, skip_sec: 2, stop_sec: 4 }, ntsc, {}, 0.844014);
    assert.deepEqual([p.step, p.rangeFirstSlot, p.startSlot, p.endSlot], [10, 35, 35, 95]); // 2 s is frame 34.65, 4 s frame 94.6
    // its frame 0 is place 25 of the file's grid: interval sampling takes frames 35, 45, … (places 60, 70, …)
    assert.equal(p.lead, 25);
    assert.equal(selectExpression(p), `between(n,${35 - p.seekSlot},${94 - p.seekSlot})*not(mod(n+${p.seekSlot + 25},10))`);
    assert.ok(Math.abs(planTime(p, 0) - 0.844014) < 1e-12 && Math.abs(planTime(p, 40) - (0.844014 + 40 / 29.97)) < 1e-12);
    // bounds before the first frame hold nothing of the video
    const early = planSampling({ ...base, stop_sec: 0.5 }, ntsc, {}, 0.844014);
    assert.equal(early.startSlot >= early.endSlot, true);
    assert.equal(planExpectsFrames(planSampling(base, ntsc, {}, 0.844014), 10.02), true);
    // decoding starts a quarter frame before the first slot it needs, so -ss never drops that frame
    assert.ok(Math.abs(seekTime(planSampling(base, ntsc, {}, 0.844014)) - (0.844014 - 0.25 / 29.97)) < 1e-12);
    const seg = planSampling(base, ntsc, { start_s: 5 }, 0.844014);
    assert.equal(seg.seekSlot, seg.startSlot - 30);
    assert.ok(Math.abs(seekTime(seg) - planTime(seg, seg.seekSlot) + 0.25 / 29.97) < 1e-12);
    // a stream from the file's start needs no seek at its start
    assert.equal(seekTime(planSampling(base, ntsc)), 0);
    assert.throws(() => planSampling(base, ntsc, {}, -1), { code: 'INVALID_OPTION' });
  });
  test('scene mode: first frame of the range only in the segment that holds it', () => {
    const scene = { ...base, use_scene_transition: true, scene_threshold: 0.2 };
    assert.equal(selectExpression(planSampling(scene, { num: 25, den: 1 }, { end_s: 1 })), 'between(n,0,24)*gt(eq(n,0)+gt(scene,0.2),0)');
    assert.equal(selectExpression(planSampling(scene, { num: 25, den: 1 }, { start_s: 1 })), 'gte(n,25)*gt(scene,0.2)');
  });
  test('expects frames only where a certain frame lies inside the video', () => {
    const p = planSampling({ ...base, capture_interval_sec: 1 }, { num: 25, den: 1 }, { start_s: 1.5, end_s: 2.5 });
    assert.equal(planExpectsFrames(p, 4), true); // slot 50 (t = 2.0)
    assert.equal(planExpectsFrames(p, 1.9), false);
    assert.equal(planExpectsFrames(planSampling(base, { num: 25, den: 1 }, { start_s: 1.1, end_s: 1.9 }), 4), false);
  });
  test('invalid options → INVALID_OPTION', () => {
    assert.throws(() => planSampling({ ...base, capture_interval_sec: 0 }, ntsc), { code: 'INVALID_OPTION' });
    assert.throws(() => planSampling({ ...base, skip_sec: 5, stop_sec: 3 }, ntsc), { code: 'INVALID_OPTION' });
    assert.throws(() => planSampling({ ...base, skip_sec: -1 }, ntsc), { code: 'INVALID_OPTION' });
    assert.throws(() => planSampling({ ...base, use_scene_transition: true, scene_threshold: 1.5 }, ntsc), { code: 'INVALID_OPTION' });
  });
});

describe('resizeTarget', () => {
  test('only frames wider than resizing_resolution are resized; height even, aspect kept', () => {
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 1280, resizing_ratio: null }), { width: 640, height: 360 });
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 1280, resizing_ratio: 0.5 }), { width: 640, height: 360 });
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 640, resizing_ratio: null }), { width: 640, height: 360 });
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 320, resizing_ratio: null }), { width: 320, height: 180 });
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 200, resizing_ratio: null }), { width: 200, height: 112 });
    assert.deepEqual(resizeTarget(640, 360, { resizing_resolution: 320, resizing_ratio: 0.25 }), { width: 160, height: 90 });
    assert.deepEqual(resizeTarget(3840, 2160, { resizing_resolution: 1280, resizing_ratio: null }), { width: 1280, height: 720 });
    assert.throws(() => resizeTarget(640, 360, { resizing_resolution: 320, resizing_ratio: 2 }), { code: 'INVALID_OPTION' });
  });
});
