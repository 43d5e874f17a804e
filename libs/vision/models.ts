import { dirname, join } from 'node:path';
import { cjsRequire, faceapi } from './tf.js';

/** The models ship inside the face-api package: nothing is downloaded. */
export const MODEL_DIR = join(dirname(cjsRequire.resolve('@vladmandic/face-api/package.json')), 'model');

let loaded: Promise<void> | null = null;

/**
 * Loads face-api's TF.js nets (the SSD MobileNet detector, the 68-landmark net, the recognition net) once per thread.
 * Only the TF.js detector and the CNN clothing encoder (the SSD's MobileNet layers) use them; they load on their
 * first call (~0.5-0.8 s of a thread's start), so the onnx detector with histogram clothing never does.
 */
export function loadFaceModels(): Promise<void> {
  loaded ??= (async () => {
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(MODEL_DIR);
  })();
  return loaded;
}

/** Whether this thread has loaded (or is loading) face-api's TF.js nets. */
export function faceModelsLoaded(): boolean {
  return loaded !== null;
}
