/** BullMQ queue names (Redis keys are `<prefix>:<name>:…`, prefix from config.queuePrefix). */
export const QUEUE_NAMES = {
  /** One job per video given by URL: fetched into storage, probed, then queued for extraction as an upload is. */
  download: 'download',
  /** One `extract` job per video; for long videos also the `finalize` parent of the segment jobs. */
  extract: 'extract',
  /** One job per time segment of a long video (children of `finalize`). */
  segment: 'segment',
  /** One job per webhook event; its attempts are the delivery retries. */
  webhook: 'webhook',
  /** One job per (video, linkage key) a clustering request needs and no cache holds: computed off the request path. */
  linkage: 'linkage',
} as const;

export type QueueName = (typeof QUEUE_NAMES)[keyof typeof QUEUE_NAMES];

/** Job names within the queues. */
export const JOB_NAMES = {
  download: 'download',
  extract: 'extract',
  finalize: 'finalize',
  segment: 'segment',
  webhook: 'deliver',
  linkage: 'linkage',
} as const;
