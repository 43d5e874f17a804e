export { QUEUE_NAMES, JOB_NAMES, type QueueName } from './names.js';
export {
  WEBHOOK_EVENTS,
  type DownloadJobData,
  type ExtractJobData,
  type FinalizeJobData,
  type SegmentJobData,
  type WebhookJobData,
  type WebhookEventType,
  type ExtractQueueData,
  type LinkageJobData,
} from './payloads.js';
export { jobIds } from './ids.js';
export { createRedisConnection, type Redis } from './connection.js';
export { Queues, QueueUnavailableError, type QueueSettings, type Subscription } from './queues.js';
