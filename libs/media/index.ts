/** Media: ffprobe metadata, frame sampling (interval or scene changes) with resizing, driven by system ffmpeg processes. */
export type { VideoInfo, Frame, SampleOptions } from './types.js';
export { probe, probeVideo, interpretProbe, streamRotation, type ProbedVideo, type ProbeOptions, type FfprobeOutput } from './probe.js';
export { sampleFrames, ffmpegSampleArgs, shotStart, vsyncPassthrough } from './sample.js';
export {
  planSampling,
  planExpectsFrames,
  slotTime,
  planTime,
  seekTime,
  firstSlotAtOrAfter,
  parseRational,
  selectExpression,
  type Rational,
  type SampleRange,
  type SamplingPlan,
} from './timeline.js';
export { resizeTarget, type Size } from './resize.js';
export {
  ffmpegAvailable,
  ffmpegVersion,
  assertFfmpeg,
  assertServiceTools,
  serviceToolsOrExit,
  getMediaTools,
  setMediaTools,
  mediaToolSources,
  resolveTool,
  type MediaTools,
  type FfmpegVersion,
  type ToolSource,
  type ResolvedTool,
} from './tools.js';
export { admitVideo, checkMediaPolicy, type MediaPolicy } from './admit.js';
