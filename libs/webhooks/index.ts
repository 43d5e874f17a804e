export * from './target.js';
export * from './signing.js';
