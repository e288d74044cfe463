/** Service level objectives, pure: the `kind: SLO` model, its parsing, and the SLO arithmetic. */
export * from './model.ts';
export { parseSlo, parseSloValue } from './parse.ts';
export * from './compute.ts';
