// The typed client of the keycast API, generated from its OpenAPI document by @hey-api/openapi-ts
// (scripts/generate.mjs writes ./generated, gitignored). Tests and the review app (apps/web) call the API through it.
export * from './generated/sdk.gen.js';
export type * from './generated/types.gen.js';
export { createClient, createConfig, type Client, type Config } from './generated/client/index.js';
