// The typed client of the keycast API, generated from its OpenAPI document by @hey-api/openapi-ts
// (scripts/generate.mjs writes ./generated, gitignored). Tests and the review app (apps/web) call the API through it.
// Browser-safe: the review app's bundle is built from it; what needs Node is in ./node.ts.
export * from './generated/sdk.gen.js';
export type * from './generated/types.gen.js';
export { createClient, createConfig, type Client, type Config } from './generated/client/index.js';
