export * from './errors.js';
export * from './options.js';
export * from './tree-shaping.js';
export * from './geometry.js';
export * from './sampling.js';
export * from './suggest.js';
export * from './text.js';
export * from './decimal.js';
