export * from './types.js';
export { extractFaces } from './extract.js';
export { createFacePool, type FacePool, type FrameJob, type FrameJobResult } from './face-pool.js';
export type { TaskFace } from './worker-protocol.js';
export { FileSink, loadFingerprints, FINGERPRINTS_FILE, type SavedFace, type FingerprintsFile } from './file-sink.js';
