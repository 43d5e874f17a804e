// Public face of libs/clustering: distances, HAC (scipy-identical), cuts, min_csize, metrics: pure maths, no faces.
// This lib imports nothing else of the project.
export * from './types.js';
export { pdist, pdistPacked, condensedIndex, numObsCondensed, maxDistance, condensedBuffer, resolveThreads } from './pdist.js';
export { openPdist } from './pdist-engine.js';
export type { PdistRows } from './pdist-engine.js';
export { linkage, MIRROR_MAX_BYTES } from './linkage.js';
export { scratchCondensed, scratchLike } from './scratch.js';
export type { ScratchPool } from './scratch.js';
export { linkageFits, assertLinkageFits } from './linkage-shape.js';
export type { LinkageOptions, LinkageStats } from './linkage.js';
export { fcluster, fclusterMonocrit, maxDistPerNode, cutAtSim } from './fcluster.js';
export { autoCutHeight, FACE_UNITS_BAND, AUTO_MIN_SIDE } from './auto-cut.js';
export type { CutBand, AutoCutOptions } from './auto-cut.js';
export { applyCannotLink, conflictNodes, fclusterCannotLink, CANNOT_LINK_DISTANCE } from './cannot-link.js';
export type { CannotLinkGroups } from './cannot-link.js';
export { unitDistances, unitDistancesKeyed, UnitDistanceSums, expandUnitLabels, singletonUnits, checkUnits } from './units.js';
export type { Units } from './units.js';
export { mustLinkUnits, pairGroups } from './must-link.js';
export { applyMinSize, renumberBySize } from './min-size.js';
export { nmi } from './nmi.js';
export { purity } from './purity.js';
export { pairwiseScores } from './pairwise.js';
export { scoreLabels } from './score.js';
export type { LabelScores } from './score.js';
export { linkageToBuffer, linkageFromBuffer } from './serialize.js';
