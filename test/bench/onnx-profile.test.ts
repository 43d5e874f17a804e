// bench/onnx-profile.ts turns onnxruntime's profile (one event per node run) into per-op rows: the warm-up runs must
// not count, depthwise convolutions are filed apart from dense ones, and multiply-adds come from the node's shapes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { summariseProfile } from '../../bench/onnx-profile.js';

const run = (ts: number, dur: number) => ({ cat: 'Session', name: 'model_run', ts, dur });
const conv = (ts: number, dur: number, x: number[], w: number[], y: number[]) => ({
  cat: 'Node',
  name: `Conv_${ts}_kernel_time`,
  ts,
  dur,
  args: { op_name: 'Conv', input_type_shape: [{ float: x }, { float: w }], output_type_shape: [{ float: y }] },
});
const relu = (ts: number, dur: number) => ({ cat: 'Node', name: `Relu_${ts}_kernel_time`, ts, dur, args: { op_name: 'Relu' } });

test('summariseProfile: per-op sums over the timed runs only, depthwise apart, MACs from the shapes', () => {
  const events = [
    // Warm-up run: ignored.
    run(0, 1000),
    conv(10, 900, [1, 3, 8, 8], [4, 3, 3, 3], [1, 4, 8, 8]),
    // Two timed runs.
    ...[2000, 4000].flatMap((t) => [
      run(t, 1000),
      conv(t + 10, 600, [1, 3, 8, 8], [4, 3, 3, 3], [1, 4, 8, 8]),
      conv(t + 20, 200, [1, 4, 8, 8], [4, 1, 3, 3], [1, 4, 8, 8]),
      relu(t + 30, 100),
      { cat: 'Node', name: `Relu_${t}_fence_before`, ts: t + 29, dur: 50 },
    ]),
  ];
  const p = summariseProfile(events, 1);
  assert.equal(p.runs, 2);
  assert.equal(p.session_ms_per_run, 1);
  assert.equal(p.kernel_ms_per_run, 0.9);
  assert.deepEqual(
    p.ops.map((o) => [o.op, o.calls, o.ms_per_run, o.macs_per_run]),
    [
      ['Conv', 1, 0.6, 4 * 8 * 8 * 3 * 3 * 3],
      ['Conv (depthwise)', 1, 0.2, 4 * 8 * 8 * 3 * 3],
      ['Relu', 1, 0.1, undefined],
    ],
  );
  assert.ok(Math.abs(p.ops[0].share - 2 / 3) < 1e-12);
});
