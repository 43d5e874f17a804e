import type { TreeShapingOptions } from '../config/index.js';

/** Job payloads: everything that crosses Redis between the API and the workers. Ids only; state lives in PostgreSQL. */

/** A video given by URL. Its id only: the URL (which may carry a signature) stays in PostgreSQL, never in Redis. */
export interface DownloadJobData {
  videoId: string;
}

export interface ExtractJobData {
  videoId: string;
}

/** Parent of a long video's segment jobs: runs once all segments are in. */
export interface FinalizeJobData {
  videoId: string;
}

export interface SegmentJobData {
  videoId: string;
  idx: number;
  /** Seconds; the segment is [startS, endS) of the video. */
  startS: number;
  /** Null for the last segment: to the end of the sampled range. */
  endS: number | null;
}

/**
 * A linkage (dendrogram) a clustering request asked for and no cache held: the video id and the options that shape
 * the tree (libs/config TREE_SHAPING). The people's constraints are read by the worker when it runs, as a request would
 * read them. A job queued before an option existed lacks it: the worker takes its default.
 */
export interface LinkageJobData {
  videoId: string;
  options: TreeShapingOptions;
}

export const WEBHOOK_EVENTS = ['video.ready', 'video.failed', 'person.updated'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENTS)[number];

export interface WebhookJobData {
  videoId: string;
  /** Stable across retries: receivers deduplicate on it. */
  eventId: string;
  event: WebhookEventType;
  /**
   * Jobs queued before the URL stopped travelling through Redis carried it; new ones do not: the delivery reads the
   * video's callback_url from the database, so a deleted video leaves no address behind in the queue.
   */
  url?: string;
  /** person.updated only: the person that changed, and how (a PersonService action). */
  person?: { id: string; action: string };
}

export type ExtractQueueData = ExtractJobData | FinalizeJobData;
