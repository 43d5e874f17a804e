export { initBackend, type BackendInfo, type BackendName } from './backend.js';
export { faceModelsLoaded, loadFaceModels, MODEL_DIR } from './models.js';
export { initDetector, tfjsDetector, type FaceDetector, type DetectorName } from './detector.js';
export { detectFaces, type DetectedFace, type DetectOptions, type DetectResult } from './faces.js';
export { clothRegion, bodyRegion, clampRect, normalisedBox, visibleFraction, type Rect } from './cloth-region.js';
export { createClothEncoder, createCnnEncoder, createHistogramEncoder, hsvHistogram, CNN_INPUT, type ClothEncoder, type ClothBatch } from './encoders/index.js';
export { faceThumbnails } from './crops.js';
export { createFrameAnalyzer, MIN_CLOTH_VISIBLE, type FrameAnalysis, type FrameFace, type FrameInput, type FrameAnalyzerOptions } from './analyze-frame.js';
export { tf, faceapi } from './tf.js';
export { faceSharpness, landmarkYaw, laplacianVariance, SHARPNESS_SIDE, type Point } from './face-quality.js';
export {
  extractImageChip,
  faceChipDetails,
  fitSimilarity,
  pyramidDown2,
  templatePoints,
  CHIP_LANDMARKS,
  DLIB_CHIP_SIZE,
  DLIB_CHIP_PADDING,
  type ChipDetails,
  type RgbImage,
} from './face-chip.js';
export { chipFit, trustChip, DEFAULT_CHIP_GUARD, type ChipFit, type ChipGuard } from './chip-trust.js';
export {
  CHIP_MODES,
  DEFAULT_CHIP_MODE,
  DEFAULT_DESCRIPTOR_VERSION,
  DESCRIPTOR_VERSIONS,
  descriptorVersion,
  type ChipKind,
  type ChipMode,
} from './descriptor-version.js';
