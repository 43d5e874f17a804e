// Public face of libs/flow: faces + options → fingerprints → distances → linkage → cut → merging → characters. Shared by the
// CLI (files), the worker (default linkage at ready) and the API (re-cuts); imports config, clustering
// and report only, so storage never depends on it.
export { clusterFaces, type ClusterableFace, type ClusterContext, type PreparedCut } from './cluster-faces.js';
export { clusterRows, type RowClusterOptions, type RowClusterInput } from './cluster-rows.js';
export { TreeMemory, TREE_MEMORY_IDLE_MS, type KeptDistances, type TreeScratch } from './tree-memory.js';
export { cutTree, type CutOptions, type CutPlan } from './cut-tree.js';
export { fingerprints, faceHalf, clothHalf } from './fingerprints.js';
export { mergeClusters, type MergeOptions } from './merge.js';
export { buildClusterReport, newReportMemo, type ClusterReport, type ReportMemo, type ReportRow } from './cluster-report.js';
export { linkageKey, linkageKeyText, isReferenceFlow, type LinkageKey } from './linkage-key.js';
export { peopleInVideo, peopleConstraints, peopleOfClusters, type PersonConstraint, type PeopleInVideo, type PeopleConstraints } from './people.js';
export { buildTracks, boxIou, TRACK_MIN_IOU, TRACK_MAX_FACE_DISTANCE, TRACK_MAX_GAP, type TrackableFace, type TrackOptions } from './tracks.js';
export { faceQuality, faceShare, NEUTRAL_SHARE, QUALITY_RAMPS, type QualityFeatures } from './face-quality.js';
export { pairDistances, pairDistancesAndMax, normalised, type DistanceScale, type PairDistanceOptions } from './pair-distances.js';
export { appearanceDistances, medianClothRatio } from './appearance-distances.js';
export { mergeFragments, FRAGMENT_MAX_FACE_DISTANCE, FRAGMENT_MAX_SHARE, type FragmentFace, type FragmentOptions } from './fragments.js';
export { clothCounts, clothCountsRule, type ShotFace } from './shots.js';
export {
  questionsFor,
  askQuestions,
  QuestionList,
  questionId,
  answerEdits,
  QUESTION_SCALES,
  QUESTION_FACES,
  type Question,
  type QuestionKind,
  type QuestionSide,
  type QuestionFace,
  type QuestionInput,
  type PersonSuggestion,
  type PeopleEdit,
} from './questions.js';
