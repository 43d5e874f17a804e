export type { AnalysisResult, ClusterSummary, FaceBox, ResultFace, ResultVideo, ThumbnailSource } from './types.js';
export {
  summarizeClusters,
  clusterSummarizer,
  compareSummaries,
  keyGate,
  estimateSampleInterval,
  unclusteredFaceIds,
  faceQuality,
  isKeyCharacter,
  JOIN_GAP_FACTOR,
} from './summary.js';
export type { MemberFace, MemberSummary, SummaryFace, SummaryOptions } from './summary.js';
export { renderMontage, montageLayout, montageFaces, DEFAULT_TILE, DEFAULT_MAX_PER_CLUSTER, EMPTY_MONTAGE } from './montage.js';
export type { MontageOptions, MontageLayout } from './montage.js';
export { renderGallery, MAIN_PARAMS } from './gallery.js';
export { thumbnailsFromDir, imageMime } from './images.js';
export { escapeHtml } from './escape.js';
export { formatClock, formatDuration } from './format.js';
