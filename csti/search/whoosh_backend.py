"""The embedded Whoosh backend (the default).

- One index directory per build under ``CSTI_SEARCH_DIR``; the file ``CURRENT`` names the one
  in use and is replaced atomically by a rebuild, so searches keep answering from the old index
  while the new one is built. The previous build is kept until the next rebuild (a process may
  still be reading it); older ones are removed.
- Segments are written as separate files, not compound ones: opening a compound segment copies
  its files into memory, which made every save and every reopened searcher slow.
- Writers take the index lock with a timeout (0 in a request): a busy index never fails a
  request — the outbox rows wait for the lock holder's next round or the next drain. Never
  AsyncWriter (a killed worker would lose its writes).
- One searcher per process, reused while the index is unchanged, reopened after a change; facets
  are counted from per-document values kept per segment (segments never change), never from
  stored fields or the database.
"""
from __future__ import annotations

import fcntl
import heapq
import logging
import shutil
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager
from itertools import chain
from pathlib import Path

from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text, highlight
from whoosh.index import LockError
from whoosh.query import And, Every, NullQuery, Or, Prefix, Term
from whoosh.scoring import BM25F
from whoosh.util.times import datetime_to_long

from .base import MAX_TAGS_FACET, Filters, SearchBackend, SearchResults, clean_text, now_utc, query_words
from .schema import SCHEMA_VERSION, build_schema, french_analyzer

log = logging.getLogger(__name__)

# Query-time weights: a title match outranks any body-only match, a summary match too.
BOOSTS = {"title": 10.0, "summary": 4.0, "tag_text": 4.0, "body": 1.0}
# Short fields barely need length normalisation (a long title is not a worse match).
WEIGHTING = BM25F(B=0.75, K1=1.2, title_B=0.2, summary_B=0.2, tag_text_B=0.0)
FACET_FIELDS = ("kind", "territory", "actor_kind", "tags", "ends", "published")
MAX_SEGMENTS = 8  # more, and maintain() merges the small ones
NO_DATE = 2**64 - 1  # what a DATETIME column holds for a document without a value


class MarkFormatter(HtmlFormatter):
    """Matched words in <mark>, the rest HTML-escaped."""

    def __init__(self):
        super().__init__(between=" … ")

    def format_token(self, text, token, replace=False):
        return f"<mark>{self._text(get_text(text, token, replace))}</mark>"


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
        "tags": tags, "subkind": doc["subkind"], "title": doc["title"],
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
        self._lock = threading.Lock()
        self._searcher = None
        self._searcher_dir = None
        self._segment_facets = {}  # segment id -> facet values of its documents

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
    def writer(self, timeout: float = 0.0, quick: bool = False):
        writer, path = None, None
        for _attempt in range(3):
            path = self.current_dir()
            try:
                writer = _retrying(
                    lambda p=path: whoosh_index.open_dir(str(p)).writer(timeout=timeout, compound=False))
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
            writer.commit(merge=not quick)  # merging segments can take a while: maintain() does it
        else:
            _cancel(writer)

    def maintain(self) -> None:
        """Merge the small segments left by quick writes once there are too many of them."""
        path = self.current_dir()
        try:
            segments = _retrying(lambda: len(whoosh_index.open_dir(str(path))._segments()))
        except FileNotFoundError:
            return
        if segments <= MAX_SEGMENTS:
            return
        try:
            writer = _retrying(lambda: whoosh_index.open_dir(str(path)).writer(timeout=0, compound=False))
        except LockError:
            return  # another writer is at work; the next save tries again
        writer.commit(merge=True)

    def rebuild(self, documents) -> int:
        """Build a fresh directory, swap it in, and remove the builds before the previous one.
        The caller holds the current index's lock, so no drain writes meanwhile."""
        previous = self.current_dir()
        path = self._new_dir()
        writer = whoosh_index.open_dir(str(path)).writer(limitmb=128, compound=False)
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
            # Reopened (not refresh()ed) when the index changed: Whoosh's refresh reuses the
            # readers of unchanged segments and misses deletions made in them. The old one is
            # not closed: a search may still be using it (it is closed when collected).
            try:
                if self._searcher is not None and self._searcher_dir == path and self._searcher.up_to_date():
                    return self._searcher
            except OSError:  # the directory went away under us (rebuilt by another process)
                pass
            self._searcher = _retrying(lambda: self._open_searcher(path))
            self._searcher_dir = path
            return self._searcher

    def _open_searcher(self, path):
        """A searcher with every file a search reads already open. Whoosh opens a segment's
        columns on first use, and a merge by another process deletes the files of the segments
        it merged: what is open stays readable, what is not would be gone."""
        searcher = whoosh_index.open_dir(str(path)).searcher(weighting=WEIGHTING)
        reader = searcher.reader()
        if reader.doc_count_all():
            for leaf, _offset in reader.leaf_readers():
                if not leaf.doc_count_all():
                    continue
                try:
                    leaf.stored_fields(0)
                except TypeError as error:  # Whoosh's way of saying the file is gone
                    raise FileNotFoundError(f"segment {leaf.segment()} went away") from error
                for field in BOOSTS:
                    leaf.doc_field_length(0, field)
        self._facet_values(searcher)
        return searcher

    def _stems(self, word: str) -> list[str]:
        return [t.text for t in self.analyzer(word)]

    def _word_query(self, word: str):
        stems = self._stems(word)
        if not stems:
            return NullQuery
        return And([Or([Term(field, stem, boost=boost) for field, boost in BOOSTS.items()]) for stem in stems])

    def _text_query(self, words: list[str], prefix_last: bool = False):
        parts = [self._word_query(w) for w in (words[:-1] if prefix_last else words)]
        if prefix_last and words:
            # An unfinished word: the beginning of a word of a title or summary (not stemmed:
            # "plané" must not find "plantes"), or a finished one, stemmed, anywhere.
            last = words[-1]
            parts.append(Or([Prefix("spell", last), self._word_query(last)]))
        return And(parts)

    def _docset(self, searcher, query) -> frozenset:
        """The documents matching a filter term, kept with the searcher (i.e. until the index
        changes): "territory = occitanie" is read once, not at every search."""
        cache = searcher.__dict__.setdefault("_csti_docsets", {})
        key = repr(query)
        if key not in cache:
            cache[key] = frozenset(searcher.docs_for_query(query))
        return cache[key]

    def _allowed(self, searcher, filters: Filters) -> frozenset | None:
        """The documents the filters allow (None: no filter). Only published items are ever
        written to the index, so there is no status to check here."""
        sets = []
        if filters.kind:
            sets.append(self._docset(searcher, Term("kind", filters.kind)))
        if filters.territory:
            sets.append(self._docset(searcher, Term("territory", filters.territory)))
        for tag in filters.tags:
            sets.append(self._docset(searcher, Term("tags", tag)))
        if filters.structure_kind:
            sets.append(self._docset(searcher, Term("kind", "actor")))
            sets.append(self._docset(searcher, Term("subkind", filters.structure_kind)))
        if filters.upcoming:
            ends, now = self._facet_values(searcher)["ends"], datetime_to_long(now_utc())
            sets.append(frozenset(d for d in self._docset(searcher, Term("kind", "event")) if ends[d] >= now))
        if not sets:
            return None
        sets.sort(key=len)
        return sets[0].intersection(*sets[1:])

    def _matches(self, searcher, words: list[str], filters: Filters) -> list[int]:
        allowed = self._allowed(searcher, filters)
        if not words:
            return sorted(allowed) if allowed is not None else list(searcher.docs_for_query(Every()))
        found = searcher.docs_for_query(self._text_query(words))
        return list(found) if allowed is None else [d for d in found if d in allowed]

    def count(self, text: str, filters: Filters | None = None) -> int:
        words = query_words(text)
        if clean_text(text) and not words:
            return 0
        return len(self._matches(self._get_searcher(), words, Filters.of(filters)))

    def search(self, text: str, filters: Filters | None = None, page: int = 1, pagelen: int = 20) -> SearchResults:
        filters = Filters.of(filters)
        words = query_words(text)
        if clean_text(text) and not words:
            return SearchResults()  # nothing searchable was typed: nothing is found
        searcher = self._get_searcher()
        docnums = self._matches(searcher, words, filters)
        total = len(docnums)
        pages = max(1, -(-total // pagelen))
        page = min(max(1, page), pages)
        out = SearchResults(total=total, page=page, pages=pages, facets=self._facets(searcher, docnums))
        if not total:
            if words:
                out.suggestion = self.suggestion(words, filters)
            return out
        if words:  # by relevance; the collector only scores the allowed documents
            restricted = set(docnums) if filters else None
            results = searcher.search(self._text_query(words), limit=page * pagelen, filter=restricted)
            top = [hit.docnum for hit in results]
        else:  # filters alone: the newest first
            published = self._facet_values(searcher)["published"]
            top = heapq.nlargest(page * pagelen, docnums, key=lambda d: (published[d], d))
        stems = {s for w in words for s in self._stems(w)}
        for docnum in top[(page - 1) * pagelen: page * pagelen]:
            stored = searcher.stored_fields(docnum)
            data = stored.get("data") or {}
            out.hits.append({"id": int(stored["id"]), "kind": stored.get("kind"), "title": stored.get("title"),
                             "territory": stored.get("territory"),
                             "excerpt": self._excerpt(data.get("excerpt", ""), stems), "data": data})
        return out

    def _excerpt(self, text: str, stems: set[str]) -> Markup:
        if not text or not stems:
            return Markup("")
        fragment = highlight(text, stems, self.analyzer, ContextFragmenter(maxchars=200, surround=70),
                             MarkFormatter(), top=2)
        return Markup(fragment) if "<mark>" in fragment else Markup("")

    def _facets(self, searcher, docnums) -> dict:
        values = self._facet_values(searcher)
        kind, territory, actor_kind, tags, ends = (values[name] for name in FACET_FIELDS[:5])
        now = datetime_to_long(now_utc())
        counts = {
            "kind": Counter(map(kind.__getitem__, docnums)),
            "territory": Counter(map(territory.__getitem__, docnums)),
            "structure_kind": Counter(map(actor_kind.__getitem__, docnums)),
            "tags": Counter(chain.from_iterable(map(tags.__getitem__, docnums))),
        }
        for counter in counts.values():
            counter.pop("", None)
        facets = {name: dict(counter) for name, counter in counts.items()}
        facets["tags"] = dict(sorted(counts["tags"].items(), key=lambda kv: (-kv[1], kv[0]))[:MAX_TAGS_FACET])
        facets["upcoming"] = sum(1 for d in docnums if ends[d] >= now)
        return facets

    def _facet_values(self, searcher) -> dict:
        """{field: list indexed by document number} for the facets, for this searcher. Built
        per segment from the postings and kept while the segment lives (segments never
        change, so after a save only the new small segment is read)."""
        if getattr(searcher, "_csti_facets", None) is not None:
            return searcher._csti_facets
        merged = {name: [] for name in FACET_FIELDS}
        reader = searcher.reader()
        seen = set()
        if reader.doc_count_all():
            for leaf, _offset in reader.leaf_readers():
                key = leaf.segment().segment_id() if leaf.segment() is not None else None
                values = self._segment_facets.get(key) if key else None
                if values is None:
                    values = _read_facets(leaf)
                    if key:
                        self._segment_facets[key] = values
                seen.add(key)
                for name in FACET_FIELDS:  # leaves are in document order: offsets follow
                    merged[name].extend(values[name])
        for key in set(self._segment_facets) - seen:
            del self._segment_facets[key]
        searcher._csti_facets = merged
        return merged

    def suggest(self, text: str, limit: int = 6) -> list[dict]:
        words = query_words(text)
        if not words:
            return []
        searcher = self._get_searcher()
        return [{"id": int(hit["id"]), "kind": hit.get("kind"), "title": hit.get("title")}
                for hit in searcher.search(self._text_query(words, prefix_last=True), limit=limit)]

    def word_found(self, word: str) -> bool:
        return any(True for _ in self._get_searcher().docs_for_query(self._word_query(word)))

    def similar_words(self, word: str, maxdist: int = 2) -> list[str]:
        reader = self._get_searcher().reader()
        return sorted(set(reader.terms_within("spell", word, maxdist, prefix=1)))

    def fingerprints(self) -> dict[int, str]:
        searcher = self._get_searcher()
        return {int(fields["id"]): fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}


def _read_facets(reader) -> dict:
    """The facet values of every document of one segment, from its postings and columns."""
    size = reader.doc_count_all()
    values = {"kind": [""] * size, "territory": [""] * size, "subkind": [""] * size,
              "tags": [()] * size, "ends": [0] * size}
    for field in ("kind", "territory", "subkind"):
        column = values[field]
        for term in reader.lexicon(field):
            text = term.decode()
            for docnum in reader.postings(field, term).all_ids():
                column[docnum] = text
    tags = [[] for _ in range(size)]
    for term in reader.lexicon("tags"):
        text = term.decode()
        for docnum in reader.postings("tags", term).all_ids():
            tags[docnum].append(text)
    values["tags"] = tags
    # Dates as the columns hold them: microseconds since datetime.min, 2**64-1 when none.
    if reader.has_column("ends"):
        for docnum, ends in enumerate(reader.column_reader("ends", translate=False)):
            if ends < NO_DATE and values["kind"][docnum] == "event":
                values["ends"][docnum] = ends
    values["published"] = [0] * size
    if reader.has_column("published"):
        values["published"] = [p if p < NO_DATE else 0 for p in reader.column_reader("published", translate=False)]
    subkinds = values.pop("subkind")
    values["actor_kind"] = [sub if kind == "actor" else "" for kind, sub in zip(values["kind"], subkinds, strict=True)]
    return values


def _retrying(open_index, attempts: int = 20):
    """Open an index (reader or writer), again if a concurrent commit removed the table of
    contents being read: Whoosh lists the generations, then reads the latest, without a lock."""
    for attempt in range(attempts):
        try:
            return open_index()
        except FileNotFoundError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.005)


def _cancel(writer) -> None:
    try:
        writer.cancel()
    except OSError:  # its directory was removed by a rebuild: nothing to undo
        pass
