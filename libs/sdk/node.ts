// libs/sdk's Node face: the client (./index.ts) plus what receivers of keycast's webhooks check each delivery with
// (README, "Webhooks"): the same code the worker signs with, so the two cannot drift apart. Node-only (node:crypto).
export * from './index.js';
export {
  verifyWebhook,
  signWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type VerifyWebhookOptions,
  type WebhookHeaderBag,
} from '../webhooks/index.js';
