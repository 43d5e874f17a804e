// libs/config's Node face: everything of index.ts (which the browser may use too: error codes, option schemas,
// the sampling rule, shared types) plus the service's environment, read from process.env.
export * from './index.js';
export * from './env.js';
