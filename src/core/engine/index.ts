export * from './types.ts';
export { transition, MAX_OUTPUT_BYTES } from './transition.ts';
export { LOCAL_SITE, type RenderedApproval } from './render.ts';
export { retryDelay } from './backoff.ts';
export { specIndex, stepSpec } from './spec-index.ts';
