"""The embedded Whoosh backend (the default).

- One index directory per build under ``CSTI_SEARCH_DIR``; the file ``CURRENT`` names the one
  in use and is replaced atomically by a rebuild, so searches keep answering from the old index
  while the new one is built. The previous build is kept until the next rebuild (a process may
  still be reading it); older ones are removed.
- Writers take the index lock with a timeout (0 in a request): a busy index never fails a
  request — the outbox rows wait for the lock holder's next round or the next drain. Never
  AsyncWriter (a killed worker would lose its writes).
- One searcher per process, refreshed (cheap when nothing changed) rather than reopened; facets
  are counted from per-document columns, never from stored fields or the database.
"""
from __future__ import annotations

import fcntl
import logging
import shutil
import threading
import uuid
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text, highlight
from whoosh.index import LockError
from whoosh.query import And, DateRange, Every, NullQuery, Or, Prefix, Term

from .base import MAX_TAGS_FACET, Filters, SearchBackend, SearchResults, clean_text, now_utc, query_words
from .schema import SCHEMA_VERSION, build_schema, folding_analyzer, french_analyzer

log = logging.getLogger(__name__)

TEXT_FIELDS = ("title", "summary", "tag_text", "body")
FACET_COLUMNS = ("kind", "territory", "subkind", "tags_column", "ends")


class MarkFormatter(HtmlFormatter):
    """Matched words in <mark>, the rest HTML-escaped."""

    def __init__(self):
        super().__init__(between=" … ")

    def format_token(self, text, token, replace=False):
        return "<mark>%s</mark>" % self._text(get_text(text, token, replace))


class _Writer:
    def __init__(self, backend, writer):
        self._backend = backend
        self._writer = writer
        self.changed = False

    def replace_all(self, documents) -> int:
        return self._backend.rebuild(documents)

    def index(self, documents):
        for doc in documents:
            self._writer.update_document(**_fields(doc))
            self.changed = True

    def delete(self, ids):
        for content_id in ids:
            self._writer.delete_by_term("id", str(content_id))
            self.changed = True


def _fields(doc: dict) -> dict:
    tags = ",".join(doc["tags"])
    fields = {
        "id": str(doc["id"]), "kind": doc["kind"], "status": doc["status"], "territory": doc["territory"],
        "tags": tags, "tags_column": tags.encode(), "subkind": doc["subkind"], "title": doc["title"],
        "summary": doc["summary"], "tag_text": doc["tag_text"], "body": doc["body"],
        "spell": " ".join(doc["words"]), "published": doc["published"], "starts": doc["starts"],
        "ends": doc["ends"], "fingerprint": doc["fingerprint"], "data": {**doc["data"], "excerpt": doc["excerpt"]},
    }
    return {k: v for k, v in fields.items() if v is not None}


class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, root: str):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        self.analyzer = french_analyzer()
        self.folding = folding_analyzer()
        self._lock = threading.Lock()
        self._searcher = None
        self._searcher_dir = None

    # --- directories -------------------------------------------------------------------------
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    def _prefix(self) -> str:
        return f"index-v{SCHEMA_VERSION}-"

    def current_dir(self) -> Path:
        name = self._read_pointer()
        if name and name.startswith(self._prefix()) and (self.root / name).is_dir():
            return self.root / name
        # No index yet (or one of an older schema): start an empty one. Under a file lock so
        # that two processes starting together agree on one directory.
        with open(self.root / ".create.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            name = self._read_pointer()
            if name and name.startswith(self._prefix()) and (self.root / name).is_dir():
                return self.root / name
            if name:
                log.warning("search index %s has another schema: run `flask csti reindex`", name)
            path = self._new_dir()
            self._switch(path.name)
            return path

    def _read_pointer(self) -> str:
        try:
            return self._pointer().read_text().strip()
        except FileNotFoundError:
            return ""

    def _new_dir(self) -> Path:
        path = self.root / f"{self._prefix()}{uuid.uuid4().hex[:8]}"
        path.mkdir(parents=True)
        whoosh_index.create_in(str(path), self.schema)
        return path

    def _switch(self, name: str) -> None:
        tmp = self.root / f".CURRENT.{uuid.uuid4().hex}"
        tmp.write_text(name)
        tmp.replace(self._pointer())  # atomic: readers see the old name or the new one

    # --- writing -----------------------------------------------------------------------------
    @contextmanager
    def writer(self, timeout: float = 0.0):
        writer, path = None, None
        for _attempt in range(3):
            path = self.current_dir()
            try:
                writer = whoosh_index.open_dir(str(path)).writer(timeout=timeout)
            except LockError:
                yield None
                return
            if self.current_dir() == path:
                break
            # A rebuild swapped the index while we waited for the old one's lock.
            _cancel(writer)
            writer = None
        if writer is None:
            yield None
            return
        batch = _Writer(self, writer)
        try:
            yield batch
        except BaseException:
            _cancel(writer)
            raise
        if batch.changed:
            writer.commit()
        else:
            _cancel(writer)

    def rebuild(self, documents) -> int:
        """Build a fresh directory, swap it in, and remove the builds before the previous one.
        The caller holds the current index's lock, so no drain writes meanwhile."""
        previous = self.current_dir()
        path = self._new_dir()
        writer = whoosh_index.open_dir(str(path)).writer(limitmb=128)
        count = 0
        try:
            for doc in documents:
                writer.add_document(**_fields(doc))
                count += 1
        except BaseException:
            writer.cancel()
            shutil.rmtree(path, ignore_errors=True)
            raise
        writer.commit(optimize=True)
        self._switch(path.name)
        for old in self.root.glob("index-*"):
            if old not in (path, previous) and old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
        return count

    # --- reading -----------------------------------------------------------------------------
    def _get_searcher(self):
        with self._lock:
            path = self.current_dir()
            try:
                if self._searcher is not None and self._searcher_dir == path:
                    self._searcher = self._searcher.refresh()
                    return self._searcher
            except OSError:  # the directory went away under us (rebuilt by another process)
                pass
            if self._searcher is not None:
                try:
                    self._searcher.close()
                except OSError:
                    pass
            self._searcher = whoosh_index.open_dir(str(path)).searcher()
            self._searcher_dir = path
            return self._searcher

    def _stems(self, word: str) -> list[str]:
        return [t.text for t in self.analyzer(word)]

    def _word_query(self, word: str):
        stems = self._stems(word)
        if not stems:
            return NullQuery
        return And([Or([Term(field, stem) for field in TEXT_FIELDS]) for stem in stems])

    def _restrictions(self, filters: Filters) -> list:
        restrict = [Term("status", "published")]
        if filters.kind:
            restrict.append(Term("kind", filters.kind))
        if filters.territory:
            restrict.append(Term("territory", filters.territory))
        for tag in filters.tags:
            restrict.append(Term("tags", tag))
        if filters.structure_kind:
            restrict += [Term("kind", "actor"), Term("subkind", filters.structure_kind)]
        if filters.upcoming:
            restrict += [Term("kind", "event"), DateRange("ends", now_utc(), None)]
        return restrict

    def _query(self, text: str, filters: Filters, prefix_last: bool = False):
        """The query, or None when the text has no searchable word (it finds nothing)."""
        words = query_words(text)
        if clean_text(text) and not words:
            return None
        parts = [self._word_query(w) for w in (words[:-1] if prefix_last else words)]
        if prefix_last and words:
            last = words[-1]
            stems = self._stems(last) or [last]
            parts.append(Or([Prefix("spell", last), Prefix("title", stems[0])]))
        parts += self._restrictions(filters)
        return And(parts) if parts else Every()

    def count(self, text: str, filters: Filters | None = None) -> int:
        query = self._query(text, Filters.of(filters))
        if query is None:
            return 0
        searcher = self._get_searcher()
        return sum(1 for _ in searcher.docs_for_query(query))

    def search(self, text: str, filters: Filters | None = None, page: int = 1, pagelen: int = 20) -> SearchResults:
        filters = Filters.of(filters)
        words = query_words(text)
        query = self._query(text, filters)
        if query is None:
            return SearchResults()
        searcher = self._get_searcher()
        docnums = list(searcher.docs_for_query(query))
        total = len(docnums)
        pages = max(1, -(-total // pagelen))
        page = min(max(1, page), pages)
        out = SearchResults(total=total, page=page, pages=pages, facets=self._facets(searcher, docnums))
        if total:
            if words:
                results = searcher.search(query, limit=page * pagelen)
            else:  # no words: the newest first
                results = searcher.search(query, limit=page * pagelen, sortedby="published", reverse=True)
            stems = {s for w in words for s in self._stems(w)}
            for hit in list(results)[(page - 1) * pagelen: page * pagelen]:
                stored = hit.fields()
                data = stored.get("data") or {}
                out.hits.append({"id": int(stored["id"]), "kind": stored.get("kind"), "title": stored.get("title"),
                                 "territory": stored.get("territory"),
                                 "excerpt": self._excerpt(data.get("excerpt", ""), stems), "data": data})
        elif words:
            out.suggestion = self.suggestion(words, filters)
        return out

    def _excerpt(self, text: str, stems: set[str]) -> Markup:
        if not text or not stems:
            return Markup("")
        fragment = highlight(text, stems, self.analyzer, ContextFragmenter(maxchars=200, surround=70),
                             MarkFormatter(), top=2)
        return Markup(fragment) if "<mark>" in fragment else Markup("")

    def _facets(self, searcher, docnums) -> dict:
        reader = searcher.reader()
        columns = {name: reader.column_reader(name) for name in FACET_COLUMNS}
        kinds, territories, subkinds, tags = Counter(), Counter(), Counter(), Counter()
        upcoming, now = 0, now_utc()
        kind_col, territory_col, subkind_col = columns["kind"], columns["territory"], columns["subkind"]
        tags_col, ends_col = columns["tags_column"], columns["ends"]
        for docnum in docnums:
            kind = kind_col[docnum]
            kinds[kind] += 1
            territory = territory_col[docnum]
            if territory:
                territories[territory] += 1
            if kind == "actor":
                subkinds[subkind_col[docnum]] += 1
            elif kind == "event":
                ends = ends_col[docnum]
                if ends is not None and ends >= now:
                    upcoming += 1
            tag_line = tags_col[docnum]
            if tag_line:
                tags.update(tag_line.decode().split(","))
        subkinds.pop("", None)
        return {"kind": dict(kinds), "territory": dict(territories), "structure_kind": dict(subkinds),
                "tags": dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TAGS_FACET]), "upcoming": upcoming}

    def suggest(self, text: str, limit: int = 6) -> list[dict]:
        query = self._query(text, Filters(), prefix_last=True)
        if query is None or isinstance(query, Every):
            return []
        searcher = self._get_searcher()
        return [{"id": int(hit["id"]), "kind": hit.get("kind"), "title": hit.get("title")}
                for hit in searcher.search(query, limit=limit)]

    def word_found(self, word: str) -> bool:
        query = self._word_query(word)
        searcher = self._get_searcher()
        return any(True for _ in searcher.docs_for_query(And([query, Term("status", "published")])))

    def similar_words(self, word: str, maxdist: int = 2) -> list[str]:
        reader = self._get_searcher().reader()
        return sorted(set(reader.terms_within("spell", word, maxdist, prefix=1)))

    def fingerprints(self) -> dict[int, str]:
        searcher = self._get_searcher()
        return {int(fields["id"]): fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}


def _cancel(writer) -> None:
    try:
        writer.cancel()
    except OSError:  # its directory was removed by a rebuild: nothing to undo
        pass
