/** What ffprobe tells about a video (the first video stream). */
export interface VideoInfo {
  path: string;
  duration_s: number;
  /** Average frame rate (r_frame_rate / avg_frame_rate), e.g. 29.97. */
  fps: number;
  /** Display size after rotation. */
  width: number;
  height: number;
  /** Rotation in degrees from the stream's display matrix (0, 90, 180, 270). */
  rotation: number;
  codec: string;
  /** Frame count when the container knows it, else estimated from duration * fps. */
  frame_count: number;
}

/** One decoded frame, packed RGB (3 bytes a pixel, row-major). */
export interface Frame {
  /** Index of this frame in the decoded stream (0-based, counting every frame, not only sampled ones). */
  index: number;
  /** Presentation time of this frame in seconds on the file's timeline (0 = the file's start, as players count): the
   *  stream's first frame is at ProbedVideo.start_s, not necessarily at 0. */
  t: number;
  width: number;
  height: number;
  /** Size of the source video; the frame may have been resized: scale = width / sourceWidth. */
  sourceWidth: number;
  sourceHeight: number;
  /**
   * The shot this frame belongs to, named by the frame index where the shot starts: the latest cut (ffmpeg scene
   * score above `scene_threshold`) at or before this frame, else where decoding of the range began. Two frames of
   * one video share a shot exactly when their `shot` is equal (see sample.ts shotStart).
   */
  shot: number;
  data: Buffer;
}

export interface SampleOptions {
  capture_interval_sec: number;
  use_scene_transition: boolean;
  scene_threshold: number;
  skip_sec: number;
  stop_sec: number;
  resizing_resolution: number;
  resizing_ratio: number | null;
}
