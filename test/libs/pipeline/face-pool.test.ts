import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveExtractOptions } from '../../../libs/config/index.js';
import { sampleFrames, type Frame } from '../../../libs/media/index.js';
import { createFacePool, type FacePool } from '../../../libs/pipeline/index.js';
import { loadOrt } from '../../../libs/vision/onnx/runtime.js';
import { HAMILTON, needsSharedData, REPO_ROOT } from '../../helpers/paths.js';

const noOnnx = loadOrt() ? false : 'onnxruntime-node does not load here: the default detector is TF.js, which loads face-api nets';

/** The first sampled frame of the Hamilton clip with a face in it (1.0 s: one face). */
async function frameWithFace(): Promise<Frame> {
  for await (const f of sampleFrames(HAMILTON, resolveExtractOptions({ capture_interval_sec: 1, stop_sec: 1.5 }), {})) return f;
  throw new Error('no frame');
}

describe('what an inference thread loads at its start', { skip: needsSharedData(HAMILTON) || noOnnx }, () => {
  let pool: FacePool;
  before(async () => {
    pool = await createFacePool({ size: 1, clothEncoder: 'histogram' });
  });
  after(async () => {
    await pool?.close();
  });

  test("onnx detector + histogram clothing: face-api's TF.js nets are not loaded", () => {
    assert.match(pool.backend, /detector onnx/);
    assert.equal(pool.threads.length, 1);
    assert.equal(pool.threads[0].faceModels, false, 'histogram clothing and the onnx nets need no face-api TF.js weights');
    assert.ok(pool.threads[0].initMs.detector > 0, 'step times reported');
  });

  test('a CNN clothing job on that thread loads them at its first frame and gets real vectors', async () => {
    const frame = await frameWithFace();
    const job = { rgb: frame.data, width: frame.width, height: frame.height, minScore: 0.5, maxFaces: 10 };
    const hist = await pool.analyze({ ...job, clothEncoder: 'histogram' });
    const cnn = await pool.analyze({ ...job, clothEncoder: 'cnn' });
    assert.ok(cnn.faces.length >= 1, `faces ${cnn.faces.length}`);
    assert.equal(cnn.faces.length, hist.faces.length);
    for (const f of cnn.faces) {
      assert.equal(f.cloth.length, 128);
      assert.ok(
        f.cloth.some((v) => v !== 0),
        'a CNN vector, not the zero vector',
      );
    }
    assert.notDeepEqual(cnn.faces[0].cloth, hist.faces[0].cloth, 'the CNN encoder, not the histogram');
  });

  test("a pool made for CNN clothing loads face-api's nets while its threads start", async () => {
    const cnnPool = await createFacePool({ size: 1, clothEncoder: 'cnn' });
    try {
      assert.equal(cnnPool.threads[0].faceModels, true);
      assert.ok(cnnPool.threads[0].initMs.cloth > 0, `cloth step ${cnnPool.threads[0].initMs.cloth} ms`);
    } finally {
      await cnnPool.close();
    }
  });
});

test(
  'a pool whose threads fail after their onnxruntime sessions exist rejects with INFERENCE_FAILED, close() during frames ends cleanly; the process survives and ends by itself',
  { skip: noOnnx },
  () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'test/libs/pipeline/fixtures/pool-failure.ts')], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 90_000,
    });
    assert.doesNotMatch(r.stderr, /terminate called|Napi::Error/, r.stderr);
    assert.equal(r.signal, null, `killed by ${r.signal} (timeout: a thread left running keeps the process up)`);
    assert.equal(r.status, 0, r.stderr);
    const cases = Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { case: string; ok: boolean; code?: string; message?: string })
        .map((c) => [c.case, c]),
    );
    assert.equal(cases.pool.ok, false);
    assert.equal(cases.pool.code, 'INFERENCE_FAILED');
    assert.match(cases.pool.message!, /injected fault after the sessions/);
    assert.equal(cases['missing video'].ok, false);
    assert.equal(cases['missing video'].code, 'NOT_FOUND', 'the video error, not a pool error');
    assert.equal(cases['close in flight'].ok, true);
    assert.equal((cases['close in flight'] as { done?: number }).done, 4, 'close() lets the frames in flight finish');
  },
);
