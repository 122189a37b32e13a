export * from './errors.js';
export * from './library.js';
export * from './api.js';
