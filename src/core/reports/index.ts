/**
 * Reports and the knowledge base, pure: run reports (JSON and markdown), incidents as searchable
 * documents, and the query language, ranking and snippets the knowledge base shares across stores.
 */
export * from './model.ts';
export { buildRunReport, MAX_TIMELINE } from './run-report.ts';
export { runReportMarkdown, type MarkdownOptions } from './markdown.ts';
export { describeEvent, formatMs } from './timeline.ts';
export { findMeasurements, MEASUREMENT_OUTPUTS } from './measures.ts';
export { lastLines, formatBytes, LOG_TAIL_LINES } from './logs.ts';
export { maskerOf, maskDeep, MASK, type Mask } from './mask.ts';
export {
  incidentDocument,
  incidentResources,
  type IncidentForKb,
  type IncidentTimelineItem,
} from './incident-document.ts';
export {
  parseSearchQuery,
  hasCjk,
  charLength,
  substringMatches,
  substringScore,
  makeSnippet,
  snippetFromMarked,
  MARK_START,
  MARK_END,
  MAX_TERMS,
  SNIPPET_LENGTH,
  type SearchQuery,
  type Snippet,
  type MatchableDocument,
} from './search-query.ts';
