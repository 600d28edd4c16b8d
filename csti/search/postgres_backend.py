"""The PostgreSQL full-text backend, for deployments with several app servers
(``CSTI_SEARCH_BACKEND=postgres``).

The index is the table ``search_document`` (one row per published item, a weighted ``tsvector``
with a GIN index) plus ``search_word`` (the words "did you mean" may propose). French analysis
is the text search configuration ``csti_french``: ``unaccent`` then a French Snowball stemmer
*without* stop list ("été" stays searchable, as in the Whoosh backend). Titles weigh A, the
summary and tags B, the body D.

Writers serialise on a transaction-level advisory lock (``pg_try_advisory_xact_lock``): like the
Whoosh lock, a busy index makes a drain give up at once and its rows wait. A rebuild replaces
every row in one transaction, so searches keep reading the old rows until it commits.

These tables exist on PostgreSQL only: the migration creates them there (and does nothing on
SQLite), and ``register_tables()`` adds them to the models' metadata when the app runs on
PostgreSQL, so that ``create_all()`` and Alembic's comparison agree with the migration.
"""
from __future__ import annotations

import json
import time
from contextlib import contextmanager

from markupsafe import Markup, escape
from sqlalchemy import DDL, Column, DateTime, Index, Integer, String, Table, Text, event, text
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, TSVECTOR

from .base import MAX_TAGS_FACET, Filters, SearchBackend, SearchResults, clean_text, now_utc, query_words

CONFIG = "csti_french"
SIMPLE = "csti_simple"  # unaccent, no stemming: what one is typing
LOCK_KEY = 7_356_203_301  # pg_advisory_xact_lock key of the search index writers

# Also in the migration (which must not change when this file does).
SETUP_SQL = """
CREATE EXTENSION IF NOT EXISTS unaccent;
CREATE EXTENSION IF NOT EXISTS fuzzystrmatch;
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_dict WHERE dictname = 'csti_french_stem') THEN
    CREATE TEXT SEARCH DICTIONARY csti_french_stem (TEMPLATE = snowball, LANGUAGE = french);
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'csti_french') THEN
    CREATE TEXT SEARCH CONFIGURATION csti_french (COPY = pg_catalog.french);
    ALTER TEXT SEARCH CONFIGURATION csti_french
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH unaccent, csti_french_stem;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'csti_simple') THEN
    CREATE TEXT SEARCH CONFIGURATION csti_simple (COPY = pg_catalog.simple);
    ALTER TEXT SEARCH CONFIGURATION csti_simple
      ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword, hword_part
      WITH unaccent, simple;
  END IF;
END
$$;
"""


def register_tables(metadata) -> None:
    """Add the search tables to ``metadata`` (idempotent); PostgreSQL only."""
    if "search_document" in metadata.tables:
        return
    document = Table(
        "search_document", metadata,
        Column("content_id", Integer, primary_key=True, autoincrement=False),
        Column("kind", String(20), nullable=False),
        Column("status", String(12), nullable=False),
        Column("territory", String(60), nullable=False),
        Column("subkind", String(20), nullable=False),
        Column("tags", ARRAY(String(60)), nullable=False),
        Column("title", Text, nullable=False),
        Column("excerpt", Text, nullable=False),
        Column("data", JSONB, nullable=False),
        Column("published", DateTime),
        Column("starts", DateTime),
        Column("ends", DateTime),
        Column("fingerprint", String(40), nullable=False),
        Column("document", TSVECTOR, nullable=False),
        Column("words", TSVECTOR, nullable=False),  # title and summary, not stemmed: prefixes
        Index("ix_search_document_document", "document", postgresql_using="gin"),
        Index("ix_search_document_words", "words", postgresql_using="gin"),
        Index("ix_search_document_tags", "tags", postgresql_using="gin"),
        Index("ix_search_document_kind", "kind"),
        Index("ix_search_document_territory", "territory"),
        Index("ix_search_document_ends", "ends"),
    )
    Table("search_word", metadata, Column("word", String(60), primary_key=True))
    event.listen(document, "before_create", DDL(SETUP_SQL))


UPSERT = text(f"""
INSERT INTO search_document (content_id, kind, status, territory, subkind, tags, title, excerpt, data,
                             published, starts, ends, fingerprint, document, words)
VALUES (:id, :kind, :status, :territory, :subkind, CAST(:tags AS varchar[]), :title, :excerpt,
        CAST(:data AS jsonb), :published, :starts, :ends, :fingerprint,
        setweight(to_tsvector('{CONFIG}', :title), 'A')
        || setweight(to_tsvector('{CONFIG}', :summary || ' ' || :tag_text), 'B')
        || setweight(to_tsvector('{CONFIG}', :body), 'D'),
        to_tsvector('{SIMPLE}', :title || ' ' || :summary))
ON CONFLICT (content_id) DO UPDATE SET
  kind = EXCLUDED.kind, status = EXCLUDED.status, territory = EXCLUDED.territory,
  subkind = EXCLUDED.subkind, tags = EXCLUDED.tags, title = EXCLUDED.title, excerpt = EXCLUDED.excerpt,
  data = EXCLUDED.data, published = EXCLUDED.published, starts = EXCLUDED.starts, ends = EXCLUDED.ends,
  fingerprint = EXCLUDED.fingerprint, document = EXCLUDED.document, words = EXCLUDED.words
""")
ADD_WORDS = text("INSERT INTO search_word (word) SELECT DISTINCT unnest(CAST(:words AS varchar[])) "
                 "ON CONFLICT DO NOTHING")
HEADLINE_OPTIONS = 'StartSel="\x02", StopSel="\x03", MaxWords=35, MinWords=15, MaxFragments=2, FragmentDelimiter=" … "'


# ts_headline drops whatever looks like an HTML tag: the excerpt is stored with its angle
# brackets swapped for control characters, put back (and escaped) by _marked().
_HIDE_BRACKETS = str.maketrans({"<": "\x04", ">": "\x05"})
_SHOW_BRACKETS = str.maketrans({"\x04": "<", "\x05": ">"})


def _row(doc: dict) -> dict:
    return {**{k: doc[k] for k in ("id", "kind", "status", "territory", "subkind", "tags", "title",
                                   "published", "starts", "ends", "fingerprint", "summary", "tag_text", "body")},
            "excerpt": doc["excerpt"].translate(_HIDE_BRACKETS), "data": json.dumps(doc["data"])}


class _Writer:
    def __init__(self, conn):
        self.conn = conn

    def index(self, documents):
        documents = list(documents)
        if documents:
            self.conn.execute(UPSERT, [_row(d) for d in documents])
            words = sorted({w for d in documents for w in d["words"]})
            if words:
                self.conn.execute(ADD_WORDS, {"words": words})

    def delete(self, ids):
        ids = list(ids)
        if ids:
            self.conn.execute(text("DELETE FROM search_document WHERE content_id = ANY(CAST(:ids AS integer[]))"),
                              {"ids": ids})

    def replace_all(self, documents, batch: int = 500) -> int:
        """Empty the index and fill it again, in the writer's transaction: other connections
        keep seeing the old rows until it commits."""
        self.conn.execute(text("DELETE FROM search_document"))
        self.conn.execute(text("DELETE FROM search_word"))
        count, chunk = 0, []
        for doc in documents:
            chunk.append(doc)
            if len(chunk) >= batch:
                self.index(chunk)
                count, chunk = count + len(chunk), []
        self.index(chunk)
        return count + len(chunk)


class PostgresBackend(SearchBackend):
    name = "postgres"

    def __init__(self, engine, session_factory):
        self.engine = engine
        self._session = session_factory  # reads go through the request's session

    def _execute(self, sql, params=None):
        return self._session().execute(text(sql) if isinstance(sql, str) else sql, params or {})

    # --- writing -----------------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float = 0.0, quick: bool = False):
        with self.engine.connect() as conn:
            deadline = time.monotonic() + timeout
            while not conn.execute(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": LOCK_KEY}).scalar():
                if time.monotonic() >= deadline:
                    conn.rollback()
                    yield None
                    return
                time.sleep(0.05)
            try:
                yield _Writer(conn)
            except BaseException:
                conn.rollback()
                raise
            conn.commit()  # also releases the lock

    # --- reading -----------------------------------------------------------------------------
    @staticmethod
    def _tsquery(words: list[str]) -> str:
        # Words are letters and digits only (base.query_words), safe in to_tsquery's syntax.
        return " & ".join(words)

    def _where(self, text_: str, filters: Filters, prefix_last: bool = False):
        """SQL conditions and parameters, or None when the text has no searchable word."""
        words = query_words(text_)
        if clean_text(text_) and not words:
            return None
        where, params = ["status = 'published'"], {}
        if words and prefix_last:
            # An unfinished last word: the beginning of a word of a title or summary (not
            # stemmed: "plané" must not find "plantes"), or a finished one, stemmed, anywhere.
            head, last = words[:-1], words[-1]
            if head:
                where.append(f"document @@ to_tsquery('{CONFIG}', :tsq)")
            where.append(f"(words @@ to_tsquery('{SIMPLE}', :prefix) OR document @@ to_tsquery('{CONFIG}', :last))")
            params.update(tsq=self._tsquery(head), prefix=f"{last}:*", last=last, any=" | ".join(words))
        elif words:
            where.append(f"document @@ to_tsquery('{CONFIG}', :tsq)")
            params["tsq"] = self._tsquery(words)
        if filters.kind:
            where.append("kind = :kind")
            params["kind"] = filters.kind
        if filters.territory:
            where.append("territory = :territory")
            params["territory"] = filters.territory
        if filters.tags:
            where.append("tags @> CAST(:tags AS varchar[])")
            params["tags"] = list(filters.tags)
        if filters.structure_kind:
            where.append("kind = 'actor' AND subkind = :subkind")
            params["subkind"] = filters.structure_kind
        if filters.upcoming:
            where.append("kind = 'event' AND ends >= :now")
            params["now"] = now_utc()
        return " AND ".join(where), params, words

    def count(self, text_: str, filters: Filters | None = None) -> int:
        found = self._where(text_, Filters.of(filters))
        if found is None:
            return 0
        where, params, _words = found
        return self._execute(f"SELECT count(*) FROM search_document WHERE {where}", params).scalar()

    def search(self, text_: str, filters: Filters | None = None, page: int = 1, pagelen: int = 20) -> SearchResults:
        filters = Filters.of(filters)
        found = self._where(text_, filters)
        if found is None:
            return SearchResults()
        where, params, words = found
        facets = self._facets(where, params)
        total = sum(facets["kind"].values())
        pages = max(1, -(-total // pagelen))
        page = min(max(1, page), pages)
        out = SearchResults(total=total, page=page, pages=pages, facets=facets)
        if total:
            if words:
                # By relevance, events that are over after the rest (as the Whoosh backend).
                order = (f"COALESCE(kind = 'event' AND ends < :rank_now, false) ASC, ts_rank(document, to_tsquery('{CONFIG}', :tsq)) DESC, "
                         "published DESC NULLS LAST, content_id DESC")
                params = {**params, "rank_now": now_utc()}
                headline = f"ts_headline('{CONFIG}', excerpt, to_tsquery('{CONFIG}', :tsq), :options)"
            else:
                order, headline = "published DESC NULLS LAST, content_id DESC", "''"
            rows = self._execute(
                f"SELECT content_id, kind, title, territory, data, {headline} AS excerpt FROM "
                f"(SELECT * FROM search_document WHERE {where} ORDER BY {order} LIMIT :limit OFFSET :offset) AS page "
                f"ORDER BY {order}",
                {**params, "limit": pagelen, "offset": (page - 1) * pagelen, "options": HEADLINE_OPTIONS})
            for row in rows:
                out.hits.append({"id": row.content_id, "kind": row.kind, "title": row.title, "territory": row.territory,
                                 "excerpt": _marked(row.excerpt), "data": row.data})
        elif words:
            out.suggestion = self.suggestion(words, filters)
        return out

    def _facets(self, where: str, params: dict) -> dict:
        rows = self._execute(f"""
            WITH hits AS (SELECT kind, territory, subkind, tags, ends FROM search_document WHERE {where})
            SELECT 'kind' AS facet, kind AS value, count(*) AS n FROM hits GROUP BY kind
            UNION ALL SELECT 'territory', territory, count(*) FROM hits WHERE territory <> '' GROUP BY territory
            UNION ALL SELECT 'structure_kind', subkind, count(*) FROM hits
                      WHERE kind = 'actor' AND subkind <> '' GROUP BY subkind
            UNION ALL SELECT 'upcoming', '', count(*) FROM hits WHERE kind = 'event' AND ends >= :facet_now
            UNION ALL (SELECT 'tags', tag, count(*) FROM hits, unnest(tags) AS tag
                       GROUP BY tag ORDER BY count(*) DESC, tag LIMIT {MAX_TAGS_FACET})
        """, {**params, "facet_now": now_utc()})
        facets = {"kind": {}, "territory": {}, "structure_kind": {}, "tags": {}, "upcoming": 0}
        for facet, value, n in rows:
            if facet == "upcoming":
                facets["upcoming"] = n
            else:
                facets[facet][value] = n
        return facets

    def suggest(self, text_: str, limit: int = 6) -> list[dict]:
        found = self._where(text_, Filters(), prefix_last=True)
        if found is None or not found[2]:
            return []
        where, params, _words = found
        rows = self._execute(
            f"SELECT content_id, kind, title FROM search_document WHERE {where} "
            f"ORDER BY ts_rank(document, to_tsquery('{CONFIG}', :any)) + ts_rank(words, to_tsquery('{SIMPLE}', :prefix)) "
            f"DESC, published DESC NULLS LAST, content_id DESC LIMIT :limit",
            {**params, "limit": limit})
        return [{"id": r.content_id, "kind": r.kind, "title": r.title} for r in rows]

    def word_found(self, word: str) -> bool:
        return bool(self._execute(
            f"SELECT EXISTS (SELECT 1 FROM search_document WHERE status = 'published' "
            f"AND document @@ to_tsquery('{CONFIG}', :w))", {"w": word}).scalar())

    def similar_words(self, word: str, maxdist: int = 2) -> list[str]:
        # The range lets the primary key's index find the words of that first letter.
        rows = self._execute(
            "SELECT word FROM search_word WHERE word >= :first AND word < :after AND left(word, 1) = :first "
            "AND length(word) BETWEEN :shortest AND :longest "
            "AND levenshtein_less_equal(word, :w, :d) <= :d ORDER BY word",
            {"w": word, "d": maxdist, "first": word[0], "after": chr(ord(word[0]) + 1),
             "shortest": len(word) - maxdist, "longest": len(word) + maxdist})
        return [r.word for r in rows]

    def fingerprints(self) -> dict[int, str]:
        return dict(self._execute("SELECT content_id, fingerprint FROM search_document").all())


def _marked(headline: str) -> Markup:
    """The headline HTML-escaped, its delimiters turned into <mark>; '' when nothing matched."""
    if not headline or "\x02" not in headline:
        return Markup("")
    html = str(escape(" ".join(headline.split()).translate(_SHOW_BRACKETS)))
    return Markup(html.replace("\x02", "<mark>").replace("\x03", "</mark>"))
