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
- One searcher per process, reused while the index is unchanged, reopened after a change.
  Whoosh's readers are not thread-safe (a file-backed read is a seek then a read on one shared
  file object: two threads mixed their reads, a ``zlib.error`` under ``flask run``), so every
  read through a searcher's readers holds ``_reading``; the facet counts, the ranking and the
  highlighting run outside it. One lock rather than a searcher per thread: opening a searcher
  costs about as much as a search and ``flask run`` starts a thread per request, while a
  gunicorn sync worker, one thread, never waits for the lock.
- Matching, scoring (Whoosh's BM25F), filters and facet counts run on numpy arrays of the
  postings and columns (``whoosh_arrays``), kept per segment: Whoosh's own matchers, one Python
  call per document, were too slow for common words at national scale; as-you-type suggestions
  and "did you mean" are answered from the same arrays. Whoosh still writes the index and
  highlights the excerpts.
"""
from __future__ import annotations

import fcntl
import logging
import shutil
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

import numpy as np
from markupsafe import Markup
from whoosh import index as whoosh_index
from whoosh.highlight import ContextFragmenter, HtmlFormatter, get_text, highlight
from whoosh.index import LockError
from whoosh.scoring import BM25F
from whoosh.util.times import datetime_to_long

from .base import MAX_TAGS_FACET, Filters, SearchBackend, SearchResults, clean_text, levenshtein, now_utc, query_words
from .excerpts import Highlighter
from .schema import SCHEMA_VERSION, build_schema, french_analyzer
from .whoosh_arrays import EMPTY_DOCS, Engine

log = logging.getLogger(__name__)

# Query-time weights: a title match outranks any body-only match, a summary match too.
BOOSTS = {"title": 10.0, "summary": 4.0, "tag_text": 4.0, "body": 1.0}
# Short fields barely need length normalisation (a long title is not a worse match).
WEIGHTING = BM25F(B=0.75, K1=1.2, title_B=0.2, summary_B=0.2, tag_text_B=0.0)
MAX_SEGMENTS = 8  # more, and maintain() merges the small ones


# A hit's excerpt: its best two passages of up to 200 characters, 70 around the matched words.
EXCERPT_CHARS, EXCERPT_SURROUND, EXCERPT_FRAGMENTS = 200, 70, 2


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

    def __init__(self, root: str, cache_mb: float = 8):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        self.analyzer = french_analyzer()
        self.highlighter = Highlighter(self.analyzer, maxchars=EXCERPT_CHARS, surround=EXCERPT_SURROUND,
                                       top=EXCERPT_FRAGMENTS, between=MarkFormatter().between)
        self._lock = threading.Lock()
        # Held by every read through a searcher's (Whoosh's) readers: they are not thread-safe.
        self._reading = threading.Lock()
        self._searcher = None
        self._searcher_dir = None
        self.engine = Engine(BOOSTS, WEIGHTING, int(cache_mb * 1024 * 1024))

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

    def build_arrays(self) -> None:
        """Builds the arrays of the current index's segments (``Engine``), then closes the
        searcher. gunicorn's master calls it before forking its workers (gunicorn.conf.py): the
        arrays — about 8 MB for the national index — are then pages the workers share instead
        of a copy built by each with its first search. Its files are closed again: a file a
        process opened before forking shares its read position with its children."""
        path = self.current_dir()
        searcher = _retrying(lambda: self._open_searcher(path))
        searcher._csti_view = None  # the view and its searcher point at each other
        searcher.close()

    def _open_searcher(self, path):
        """A searcher with every file a search reads already open. Whoosh opens a segment's
        columns on first use, and a merge by another process deletes the files of the segments
        it merged: what is open stays readable, what is not would be gone."""
        searcher = whoosh_index.open_dir(str(path)).searcher(weighting=WEIGHTING)
        try:
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
            self.engine.view(searcher)
        except BaseException:
            searcher.close()  # its files, not left open until the collector finds it
            raise
        return searcher

    def _stems(self, word: str) -> list[str]:
        return [t.text for t in self.analyzer(word)]

    def count(self, text: str, filters: Filters | None = None) -> int:
        words = query_words(text)
        if clean_text(text) and not words:
            return 0
        searcher = self._get_searcher()
        with self._reading:
            docs, _scores = self._matches(searcher, words, Filters.of(filters), datetime_to_long(now_utc()))
        return len(docs)

    def _matches(self, searcher, words: list[str], filters: Filters, now: int):
        """(document numbers, scores) of what ``words`` and ``filters`` find. Only published
        items are ever written to the index, so there is no status to check here. The caller
        holds ``_reading`` (the postings and frequencies are read through the searcher)."""
        view = self.engine.view(searcher)
        mask = self.engine.allowed(view, filters, now)
        stems = [stem for word in words for stem in self._stems(word)]
        if words and not stems:
            return EMPTY_DOCS, EMPTY_DOCS
        if not stems:
            docs = np.flatnonzero(mask)
            return docs, view.published[docs]
        return self.engine.match(view, stems, mask)

    def search(self, text: str, filters: Filters | None = None, page: int = 1, pagelen: int = 20) -> SearchResults:
        filters = Filters.of(filters)
        words = query_words(text)
        if clean_text(text) and not words:
            return SearchResults()  # nothing searchable was typed: nothing is found
        searcher = self._get_searcher()
        now = datetime_to_long(now_utc())
        with self._reading:
            docs, keys = self._matches(searcher, words, filters, now)
        total = len(docs)
        pages = max(1, -(-total // pagelen))
        page = min(max(1, page), pages)
        view = self.engine.view(searcher)
        out = SearchResults(total=total, page=page, pages=pages,
                            facets=self.engine.facets(view, docs, now, MAX_TAGS_FACET))
        if not total:
            if words:
                out.suggestion = self.suggestion(words, filters)
            return out
        # By relevance, events that are over after the rest; filters alone: the newest first.
        if words:
            keys = self.engine.past_events_last(view, docs, keys, now)
        top = self.engine.top(docs, keys, page * pagelen, newest=not words)
        stems = {s for w in words for s in self._stems(w)}
        with self._reading:
            found = [searcher.stored_fields(docnum) for docnum in top[(page - 1) * pagelen: page * pagelen]]
        for stored in found:
            data = stored.get("data") or {}
            out.hits.append({"id": int(stored["id"]), "kind": stored.get("kind"), "title": stored.get("title"),
                             "territory": stored.get("territory"),
                             "excerpt": self._excerpt(data.get("excerpt", ""), stems), "data": data})
        return out

    def _excerpt(self, text: str, stems: set[str]) -> Markup:
        if not text or not stems:
            return Markup("")
        fragment = self.highlighter(text, stems)
        if fragment is None:  # a word the fast path cannot stem alone: Whoosh's own, slower
            fragment = highlight(text, stems, self.analyzer, ContextFragmenter(maxchars=EXCERPT_CHARS,
                                 surround=EXCERPT_SURROUND), MarkFormatter(), top=EXCERPT_FRAGMENTS)
        return Markup(fragment) if "<mark>" in fragment else Markup("")

    def suggest(self, text: str, limit: int = 6) -> list[dict]:
        """As one types: every finished word (stemmed, anywhere) and the unfinished last one
        — the beginning of a word of a title or summary (not stemmed: "plané" must not find
        "plantes"), or, finished, stemmed anywhere."""
        words = query_words(text)
        if not words:
            return []
        searcher = self._get_searcher()
        view = self.engine.view(searcher)
        mask = view.live.copy()
        total = np.zeros(view.size, dtype=np.float64)
        with self._reading:
            for word in words[:-1]:
                stems = self._stems(word)
                if stems:
                    scores = self.engine.word_scores(view, stems)
                    mask &= scores > 0
                    total += scores
            last = self.engine.prefix_scores(view, "spell", words[-1])
            stems = self._stems(words[-1])
            if stems:
                last += self.engine.word_scores(view, stems)
            mask &= last > 0
            total += last
            docs = np.flatnonzero(mask)
            found = [searcher.stored_fields(docnum) for docnum in self.engine.top(docs, total[docs], limit)]
        return [{"id": int(stored["id"]), "kind": stored.get("kind"), "title": stored.get("title")}
                for stored in found]

    def word_found(self, word: str) -> bool:
        searcher = self._get_searcher()
        with self._reading:
            docs, _scores = self._matches(searcher, [word], Filters(), datetime_to_long(now_utc()))
        return bool(len(docs))

    def similar_words(self, word: str, maxdist: int = 2) -> list[str]:
        """Known words within ``maxdist`` edits sharing the first letter: the vocabulary of the
        titles and summaries, by first letter, kept per segment (Whoosh's automaton walked the
        whole lexicon in Python: 60 ms at national scale)."""
        if not word:
            return []
        view = self.engine.view(self._get_searcher())
        found = set()
        for leaf, _offset, segment in view.segments:
            with self._reading:  # the segment's words are read on first use
                spelling = segment.spelling(leaf)
            for candidate in spelling.get(word[0], ()):
                if candidate not in found and levenshtein(candidate, word, maxdist) <= maxdist:
                    found.add(candidate)
        return sorted(found)

    def fingerprints(self) -> dict[int, str]:
        searcher = self._get_searcher()
        with self._reading:
            return {int(fields["id"]): fields.get("fingerprint", "") for fields in searcher.all_stored_fields()}


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
