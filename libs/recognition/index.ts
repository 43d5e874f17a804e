// Public face of libs/recognition: recognising people across videos from their confirmed faces. Pure
// logic on descriptors (exact search, person models, open-set identification); imports nothing of ours.
export { FACE_DIM, unitVector, meanUnit } from './vectors.js';
export { packFaces, dotAll, searchRows, type FaceMatrix, type RowHit } from './matrix.js';
export {
  buildGallery,
  chooseExemplars,
  rankPeople,
  rankPeopleAbove,
  rerankPeopleAbove,
  galleryDelta,
  identify,
  type IndexScore,
  type PeopleGallery,
  type PersonFaces,
  type PersonScore,
} from './gallery.js';
export { RECOGNITION } from './defaults.js';
export { buildVersionedGalleries, rankAcrossVersions, type VersionedFace } from './versions.js';
export { QUALITY_GATE, qualityGate, type QualityGateState, type QueryQuality } from './quality-gate.js';
