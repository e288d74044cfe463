/** Outputs of one step are capped (DESIGN: at most 1 MiB per step). */
export const MAX_OUTPUT_BYTES = 1024 * 1024;
