export { initBackend, type BackendInfo, type BackendName } from './backend.js';
export { loadFaceModels, MODEL_DIR } from './models.js';
export { detectFaces, type DetectedFace, type DetectResult } from './faces.js';
export { clothRegion, bodyRegion, clampRect, normalisedBox, visibleFraction, type Rect } from './cloth-region.js';
export { createClothEncoder, createCnnEncoder, createHistogramEncoder, hsvHistogram, CNN_INPUT, type ClothEncoder, type ClothBatch } from './encoders/index.js';
export { faceThumbnails } from './crops.js';
export { createFrameAnalyzer, MIN_CLOTH_VISIBLE, type FrameAnalysis, type FrameFace, type FrameInput, type FrameAnalyzerOptions } from './analyze-frame.js';
export { tf, faceapi } from './tf.js';
export { faceSharpness, landmarkYaw, laplacianVariance, SHARPNESS_SIDE, type Point } from './face-quality.js';
