/**
 * The knowledge base, the shell: run reports loaded from the store, documents of finished runs
 * and of incidents written by the indexer, full-text search and related history. Other folders
 * import from here only.
 */
export { loadRunReportInput, runbookOfRun, secretInputsOf } from './run-data.ts';
export { resourcesOfRun, resourcesNamed, inputNames } from './run-resources.ts';
export { relatedHistory, type RelatedQuery } from './related.ts';
export {
  putDocument,
  findDocument,
  resourcesOf,
  documentKinds,
  MAX_BODY_CHARS,
  type KbDocument,
  type DocumentKind,
} from './documents.ts';
export {
  runKbIndexer,
  indexRun,
  indexFinishedRuns,
  indexChangedIncidents,
  incidentDocumentOf,
  runDocument,
  type KbIndexerDeps,
} from './indexer.ts';
export {
  searchKb,
  SUBSTRING_CANDIDATES,
  type KbSearchRequest,
  type KbSearchResult,
  type KbHit,
} from './search.ts';
