export * from './errors.js';
export * from './text.js';
export * from './library.js';
export * from './chat.js';
export * from './api.js';
export * from './bridge.js';
