// Public face of libs/clustering: distances, HAC (scipy-identical), cuts, min_csize, merging, metrics.
// This lib imports nothing else of the project.
export * from './types.js';
export { fingerprints, faceHalf, clothHalf } from './fingerprints.js';
export { pdist, pdistPacked, condensedIndex, numObsCondensed, maxDistance } from './pdist.js';
export { linkage, linkageCondensed } from './linkage.js';
export type { LinkageOptions } from './linkage.js';
export { fcluster, cutAtSim } from './fcluster.js';
export { applyMinSize, renumberBySize } from './min-size.js';
export { mergeClusters } from './merge.js';
export { clusterFingerprints, clusterDistances } from './cluster.js';
export type { DistanceClusterInput } from './cluster.js';
export { nmi } from './nmi.js';
export { purity } from './purity.js';
export { pairwiseScores } from './pairwise.js';
export { scoreLabels } from './score.js';
export type { LabelScores } from './score.js';
export { linkageToBuffer, linkageFromBuffer } from './serialize.js';
