export * from './types.js';
export { extractFaces } from './extract.js';
export { createFacePool, type FacePool, type FrameJob, type FrameJobResult } from './face-pool.js';
export { clusterFaces, buildClusterReport, linkageKey, type ClusterableFace, type ClusterReport } from './cluster-faces.js';
export { FileSink, loadFingerprints, FINGERPRINTS_FILE, type SavedFace, type FingerprintsFile } from './file-sink.js';
export { writeAnalysisOutputs, type AnalysisOutputs } from './write-outputs.js';
