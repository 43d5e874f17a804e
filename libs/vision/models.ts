import { dirname, join } from 'node:path';
import { cjsRequire, faceapi } from './tf.js';

/** The models ship inside the face-api package: nothing is downloaded. */
export const MODEL_DIR = join(dirname(cjsRequire.resolve('@vladmandic/face-api/package.json')), 'model');

let loaded: Promise<void> | null = null;

/** Loads the SSD MobileNet detector, the 68-landmark net and the recognition net once per process. */
export function loadFaceModels(): Promise<void> {
  loaded ??= (async () => {
    await faceapi.nets.ssdMobilenetv1.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceLandmark68Net.loadFromDisk(MODEL_DIR);
    await faceapi.nets.faceRecognitionNet.loadFromDisk(MODEL_DIR);
  })();
  return loaded;
}
