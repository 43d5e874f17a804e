import { createRequire } from 'node:module';

/**
 * face-api's node-wasm bundle `require`s '@tensorflow/tfjs'. Loading tfjs the same way (CommonJS)
 * guarantees one tfjs-core instance: backends registered here are the ones face-api runs on.
 */
const require = createRequire(import.meta.url);

export type TF = typeof import('@tensorflow/tfjs');
export type FaceApi = typeof import('@vladmandic/face-api/dist/face-api.node-wasm.js');

export const tf = require('@tensorflow/tfjs') as TF;
export const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
export { require as cjsRequire };
