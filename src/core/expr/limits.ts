/**
 * The bounds of the expression layer, in one place.
 *
 * cel-js checks structure only while parsing (AST nodes, depth, literal sizes) and has no
 * runtime cost budget, so an expression's cost is bounded here by its shape (parse limits, no
 * nested comprehensions, literal regular expressions only) and by the size of the data it can
 * iterate (caps on context collections and on `json()` results). What remains possible: a
 * comprehension body that does work linear in another collection (`x in list`, list `+`,
 * `split`/`join`) costs n×m; with context collections capped at 10,000 entries that is at most
 * about 10^8 simple steps, but lists made by `split()` on a large string are not capped.
 */

/** 4 KiB of expression text: a condition or a computed output is one line, not a program. */
export const MAX_EXPRESSION_LENGTH = 4096;

/**
 * Parse limits handed to cel-js.
 * - 500 AST nodes: the longest expressions in our catalog use about 40; at 500 a 5,000-term
 *   expression is refused after reading its first few hundred terms (a few ms).
 * - depth 32: nesting of calls, selects, indexes and parentheses; deep enough for
 *   `steps.a.outputs.b[0].c.d` chains, far below the stack.
 * - 256 list elements / map entries per literal: literals are written by hand.
 * - 16 call arguments: no CEL function takes more than 3.
 */
export const PARSE_LIMITS = {
  maxAstNodes: 500,
  maxDepth: 32,
  maxListElements: 256,
  maxMapEntries: 256,
  maxCallArguments: 16,
} as const;

/**
 * At most 10,000 entries in any list or map an expression can see (context values and
 * `json()` results). With nested comprehensions refused, one comprehension then runs at most
 * 10,000 iterations of at most 500 nodes: about 5 million node evaluations, tens of ms.
 * 10,000 is above any sane `foreach` and above a 1 MiB output parsed as a JSON list of numbers
 * (~200,000 would be possible, and that is the case the cap exists for).
 */
export const MAX_COLLECTION_ENTRIES = 10_000;

/** Values converted for one evaluation scope (all collections together): 200,000. */
export const MAX_CONTEXT_VALUES = 200_000;

/** Nesting of context values and `json()` results: 64 levels, deeper than real documents. */
export const MAX_VALUE_DEPTH = 64;

/** `json()` input: 4 MiB, four times the 1 MiB a step's outputs may hold. */
export const MAX_JSON_INPUT_LENGTH = 4 * 1024 * 1024;

/**
 * A result handed back to Tandem: at most 100,000 values and 8 MiB of string text in total.
 * Strings in cel-js are shared, so `xs.map(x, big)` costs nothing until it is serialised; this
 * cap stops it before `JSON.stringify` would build gigabytes.
 */
export const MAX_RESULT_VALUES = 100_000;
export const MAX_RESULT_CHARS = 8 * 1024 * 1024;

/** `matches()` patterns: 256 characters, and they must be literals (see regex-guard.ts). */
export const MAX_REGEX_LENGTH = 256;

/**
 * Compiled expressions kept: 1,000. A typical expression is a few dozen AST nodes (a few KB),
 * so the cache stays within a few MB; a runbook catalog has a few hundred distinct expressions.
 */
export const COMPILE_CACHE_SIZE = 1000;
