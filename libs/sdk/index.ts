// The typed client of the keycast API, generated from its OpenAPI document by @hey-api/openapi-ts
// (scripts/generate.mjs writes ./generated, gitignored). Tests and the review app (apps/web) call the API through it.
export * from './generated/sdk.gen.js';
export type * from './generated/types.gen.js';
export { createClient, createConfig, type Client, type Config } from './generated/client/index.js';
// Receivers of keycast's webhooks check each delivery with verifyWebhook (README, "Webhooks"): the same code
// the worker signs with, so the two cannot drift apart.
export {
  verifyWebhook,
  signWebhook,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  type VerifyWebhookOptions,
  type WebhookHeaderBag,
} from '../webhooks/index.js';
