/**
 * The payloads of a finished analysis: `DIR/result.json` written by `keycast analyze`, and the
 * clusters/summary part that `GET /videos/:id/clusters` returns (there with thumbnails as URLs).
 * These mirror the JSON exactly; change them only together with the writers and the API schema.
 */

/** [x, y, w, h] in source-video pixels. */
export type FaceBox = [x: number, y: number, w: number, h: number];

/** One extracted face appearance as listed in result.json. */
export interface ResultFace {
  /** Stable id within one result (also the thumbnail's file name). */
  id: number;
  /** Seconds from the start of the video. */
  t: number;
  /** Frame index in the source video. */
  frame: number;
  box: FaceBox;
  /** Detector confidence in [0, 1]. */
  score: number;
  /** Cluster id, or null when the face was dropped (its cluster was smaller than min_csize). */
  cluster: number | null;
  /** Relative path of the face JPEG inside the output directory, e.g. `faces/12.jpg` (a URL in the API). */
  thumbnail: string;
}

/** One key character: a cluster of faces with its screen time (see summarizeClusters for the exact rules). */
export interface ClusterSummary {
  id: number;
  /** Number of faces in the cluster (= faces.length). */
  size: number;
  /** Face ids in time order (ties: by id). */
  faces: number[];
  /** Total length of `segments`, seconds. */
  screen_time_s: number;
  /** Time of the first and last appearance, seconds. */
  first_t: number;
  last_t: number;
  /** Disjoint, increasing [start_s, end_s) intervals during which the person is on screen. */
  segments: [start_s: number, end_s: number][];
  /** Face id of the face that best shows the person. */
  representative: number;
  /** A key character: on screen at least key_min_s seconds or key_min_share of the video (summarizeClusters). */
  key: boolean;
}

/** The video as described in result.json (a subset of libs/media's VideoInfo). */
export interface ResultVideo {
  path: string;
  duration_s: number;
  fps: number;
  width: number;
  height: number;
}

/** The whole of result.json. */
export interface AnalysisResult {
  video: ResultVideo;
  /** Every effective option (extract and cluster options after defaults). */
  params: Record<string, unknown>;
  faces: ResultFace[];
  clusters: ClusterSummary[];
  /** Ids of faces whose cluster is null. */
  unclustered: number[];
  /** Stage durations, milliseconds. */
  timings: Record<string, number>;
}

/** Where report renderers get a face's image bytes (JPEG, PNG, WebP or anything sharp reads). */
export type ThumbnailSource = (faceId: number) => Promise<Buffer> | Buffer;
