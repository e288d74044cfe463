/**
 * Knowledge-base search: one query language (see core/reports/search-query.ts), ranked hits with
 * highlighted snippets, on either store.
 *
 * - SQLite: FTS5 with the trigram tokenizer matches any substring of 3 or more characters, Chinese
 *   included, ranked by bm25 (title ×5, resources ×3, body ×1). Shorter terms (`db`, `主库`) are
 *   matched with LIKE beside it; a query of short terms only is matched by LIKE alone.
 * - PostgreSQL: English full text (stemmed: `restore` finds `restored`) on the stored tsvector,
 *   ranked by ts_rank (title and resources weigh more than the body), snippets from ts_headline. A query with Chinese, Japanese or Korean
 *   text — which the default parser cannot split into words — or with nothing full text can use
 *   (stop words only, punctuation) is matched as substrings (ILIKE, no extension needed).
 *
 * Substring matching takes the newest `SUBSTRING_CANDIDATES` matching documents and ranks those.
 */
import { sql, type Expression, type SqlBool } from 'kysely';
import {
  charLength,
  hasCjk,
  makeSnippet,
  MARK_END,
  MARK_START,
  parseSearchQuery,
  snippetFromMarked,
  substringScore,
  type SearchQuery,
  type Snippet,
} from '../core/reports/index.ts';
import type { Store } from '../store/index.ts';
import { likePattern } from './dialect-sql.ts';
import { resourcesOf, type DocumentKind } from './documents.ts';

export interface KbSearchRequest {
  q: string;
  /** Kinds to search (already narrowed to what the caller may read). */
  kinds: readonly DocumentKind[];
  limit: number;
}

export interface KbHit {
  kind: string;
  refId: string;
  title: string;
  status: string | null;
  site: string | null;
  at: number;
  resources: string[];
  /** Higher is better; comparable within one answer only. */
  score: number;
  snippet: Snippet;
}

export interface KbSearchResult {
  /** How the store matched: full text, or substrings (CJK on PostgreSQL, short terms on SQLite). */
  mode: 'fulltext' | 'substring';
  query: SearchQuery;
  hits: KbHit[];
}

/** Documents substring matching ranks at most: the newest that match. */
export const SUBSTRING_CANDIDATES = 500;

interface Row {
  id: number;
  kind: string;
  ref_id: string;
  title: string;
  status: string | null;
  site: string | null;
  at: number;
  resources: string;
  body: string;
}

const columns = [
  'd.id',
  'd.kind',
  'd.ref_id',
  'd.title',
  'd.status',
  'd.site',
  'd.at',
  'd.resources',
  'd.body',
] as const;

function hit(r: Row, score: number, snippet: Snippet): KbHit {
  return {
    kind: r.kind,
    refId: r.ref_id,
    title: r.title,
    status: r.status,
    site: r.site,
    at: r.at,
    resources: resourcesOf(r),
    score,
    snippet,
  };
}

export async function searchKb(store: Store, req: KbSearchRequest): Promise<KbSearchResult> {
  const query = parseSearchQuery(req.q);
  if (query.terms.length === 0 || req.kinds.length === 0) return { mode: 'fulltext', query, hits: [] };
  return store.dialect.name === 'postgres'
    ? searchPostgres(store, query, req)
    : searchSqlite(store, query, req);
}

/** `term` somewhere in a document (LIKE, or ILIKE on PostgreSQL). */
function containsTerm(term: string, ilike: boolean): Expression<SqlBool> {
  const p = likePattern(term);
  const op = ilike ? sql.raw('ilike') : sql.raw('like');
  return sql<SqlBool>`(d.title ${op} ${p} escape '\\' or d.resources ${op} ${p} escape '\\' or d.body ${op} ${p} escape '\\')`;
}

/** Substring matching over every term, ranked here by `substringScore`. */
async function substringSearch(
  store: Store,
  query: SearchQuery,
  req: KbSearchRequest,
  ilike: boolean,
): Promise<KbHit[]> {
  let qb = baseSelect(store).where('d.kind', 'in', [...req.kinds]);
  for (const t of query.terms) qb = qb.where(containsTerm(t, ilike));
  for (const t of query.exclude) qb = qb.where((eb) => eb.not(containsTerm(t, ilike)));
  const rows = (await qb.orderBy('d.at', 'desc').limit(SUBSTRING_CANDIDATES).execute()) as Row[];
  return rows
    .map((r) => ({ r, score: substringScore(r, query) }))
    .sort((a, b) => b.score - a.score || b.r.at - a.r.at)
    .slice(0, req.limit)
    .map(({ r, score }) => hit(r, score, makeSnippet(r.body, query.terms)));
}

function baseSelect(store: Store) {
  return store.db.selectFrom('kb_documents as d').select([...columns]);
}

/** An FTS5 string literal: a phrase of the term's trigrams. */
const ftsPhrase = (t: string) => `"${t.replace(/"/g, '""')}"`;

async function searchSqlite(store: Store, query: SearchQuery, req: KbSearchRequest): Promise<KbSearchResult> {
  const long = query.terms.filter((t) => charLength(t) >= 3);
  if (long.length === 0)
    return { mode: 'substring', query, hits: await substringSearch(store, query, req, false) };
  const shortTerms = query.terms.filter((t) => charLength(t) < 3);
  const match = [
    long.map(ftsPhrase).join(' AND '),
    ...query.exclude.filter((t) => charLength(t) >= 3).map((t) => `NOT ${ftsPhrase(t)}`),
  ].join(' ');
  let qb = store.db
    .withTables<{ kb_fts: { rowid: number } }>()
    .selectFrom('kb_fts')
    .innerJoin('kb_documents as d', 'd.id', 'kb_fts.rowid')
    .select([...columns, sql<number>`bm25(kb_fts, 5.0, 3.0, 1.0)`.as('rank')])
    .where(sql<SqlBool>`kb_fts match ${match}`)
    .where('d.kind', 'in', [...req.kinds]);
  for (const t of shortTerms) qb = qb.where(containsTerm(t, false));
  for (const t of query.exclude.filter((x) => charLength(x) < 3))
    qb = qb.where((eb) => eb.not(containsTerm(t, false)));
  const rows = (await qb.orderBy('rank').orderBy('d.at', 'desc').limit(req.limit).execute()) as (Row & {
    rank: number;
  })[];
  // bm25 is lower for better matches; trigram matches are substrings, so the snippet marks substrings.
  return {
    mode: 'fulltext',
    query,
    hits: rows.map((r) => hit(r, -r.rank, makeSnippet(r.body, query.terms))),
  };
}

/** The parsed query back in websearch syntax, every term quoted (so `or` is a word, not an operator). */
function websearchText(query: SearchQuery): string {
  // `/` splits words as the indexed text does: `database/pg-sh-1` is the phrase `database pg-sh-1`.
  const phrase = (t: string) => `"${t.replace(/["/]/g, ' ')}"`;
  return [...query.terms.map(phrase), ...query.exclude.map((t) => `-${phrase(t)}`)].join(' ');
}

const HEADLINE_OPTIONS = `StartSel=${MARK_START}, StopSel=${MARK_END}, MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "`;

async function searchPostgres(
  store: Store,
  query: SearchQuery,
  req: KbSearchRequest,
): Promise<KbSearchResult> {
  if ([...query.terms, ...query.exclude].some(hasCjk)) return substringPostgres(store, query, req);
  const text = websearchText(query);
  const nodes = await sql<{
    n: number;
  }>`select numnode(websearch_to_tsquery('english', ${text})) as n`.execute(store.db);
  if ((nodes.rows[0]?.n ?? 0) === 0) return substringPostgres(store, query, req);
  const { rows } = await sql<Row & { rank: number; headline: string }>`
    select top.*, ts_headline('english', top.body, websearch_to_tsquery('english', ${text}), ${HEADLINE_OPTIONS}) as headline
    from (
      select d.id, d.kind, d.ref_id, d.title, d.status, d.site, d.at, d.resources, d.body,
             ts_rank(d.search, websearch_to_tsquery('english', ${text})) as rank
      from kb_documents d
      where d.search @@ websearch_to_tsquery('english', ${text}) and d.kind in (${sql.join([...req.kinds])})
      order by rank desc, d.at desc
      limit ${req.limit}
    ) top
    order by top.rank desc, top.at desc`.execute(store.db);
  return {
    mode: 'fulltext',
    query,
    hits: rows.map((r) => {
      const marked = snippetFromMarked(r.headline);
      // A match in the title or resources only: ts_headline marks nothing in the body.
      return hit(r, r.rank, marked.highlights.length > 0 ? marked : makeSnippet(r.body, query.terms));
    }),
  };
}

async function substringPostgres(
  store: Store,
  query: SearchQuery,
  req: KbSearchRequest,
): Promise<KbSearchResult> {
  return { mode: 'substring', query, hits: await substringSearch(store, query, req, true) };
}
