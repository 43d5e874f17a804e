export * from './types.js';
export { extractFaces } from './extract.js';
export { createFacePool, type FacePool, type FrameJob, type FrameJobResult } from './face-pool.js';
export { clusterFaces, buildClusterReport, linkageKey, linkageVariant, isReferenceFlow, type ClusterableFace, type ClusterContext, type ClusterReport } from './cluster-faces.js';
export { buildTracks, boxIou, TRACK_MIN_IOU, TRACK_MAX_FACE_DISTANCE, TRACK_MAX_GAP, type TrackableFace, type TrackOptions } from './tracks.js';
export { faceQuality, faceShare, NEUTRAL_SHARE, QUALITY_RAMPS, type QualityFeatures } from './face-quality.js';
export { pairDistances, clothRatio, type DistanceScale, type PairDistanceOptions } from './pair-distances.js';
export { FileSink, loadFingerprints, FINGERPRINTS_FILE, type SavedFace, type FingerprintsFile } from './file-sink.js';
export { writeAnalysisOutputs, type AnalysisOutputs } from './write-outputs.js';
