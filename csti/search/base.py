"""What every search backend shares: the results object, how a typed query becomes words, the
filters, and the interface a backend implements (Whoosh embedded, PostgreSQL full-text).

A backend knows nothing of the database models: it receives *documents* (dicts made by
``documents.document()``) and answers searches. The outbox drain (``csti/search/__init__.py``)
takes the backend's write lock (``writer()``), reads the pending changes, hands them over and
commits — so index writes happen in lock order and a later state never loses to an earlier one.
"""
from __future__ import annotations

import re
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..text import fold

MAX_QUERY = 200  # characters of a typed query we look at
MAX_WORDS = 12
MAX_TAGS_FACET = 20

# Elided articles (l', d', qu'…) leave one letter; these common words would make a search for
# "club d'astronomie" miss "Club astronomie" since every word is required. They are dropped
# from queries only (the index keeps every word), and the list is deliberately short: "été",
# "être", "fait"… stay searchable.
STOP_WORDS = frozenset("""
    au aux avec ce ces dans de des du elle en et il ils la le les leur leurs lui ma mais me mes
    mon ne nos notre nous on ou par pas pour qu que qui sa se ses son sur ta te tes ton tu un une
    vos votre vous
""".split())

_WORD = re.compile(r"[^\W_]+")


def clean_text(text: str) -> str:
    """A typed query, bounded and without control characters (PostgreSQL refuses NUL)."""
    text = "".join(c if c.isprintable() else " " for c in (text or "")[: MAX_QUERY * 4])
    return " ".join(text.split())[:MAX_QUERY]


def query_words(text: str) -> list[str]:
    """The words a query requires: folded (lower case, no accents), without the stop words."""
    words = [w for w in _WORD.findall(fold(clean_text(text))) if len(w) > 1 and w not in STOP_WORDS]
    return list(dict.fromkeys(words))[:MAX_WORDS]


def vocabulary(*texts: str) -> list[str]:
    """The words "did you mean" may propose, from a document's title and summary."""
    words = {w for text in texts for w in _WORD.findall(fold(text or "")) if 3 <= len(w) <= 40 and not w.isdigit()}
    return sorted(words)


def levenshtein(a: str, b: str, limit: int | None = None) -> int:
    """Edits from ``a`` to ``b``; with ``limit``, ``limit + 1`` as soon as it is sure to be over."""
    if limit is not None and abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if limit is not None and min(current) > limit:
            return limit + 1
        previous = current
    return previous[-1]


def now_utc() -> datetime:
    """Naive UTC, as the index stores dates ("upcoming" compares with it)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Filters:
    """What the facets restrict: every value comes from the URL, so nothing here is trusted
    beyond being a short string."""

    kind: str | None = None
    territory: str | None = None
    tags: tuple[str, ...] = ()
    structure_kind: str | None = None  # actors only
    upcoming: bool = False  # events whose last date has not ended

    @classmethod
    def of(cls, value) -> Filters:
        if isinstance(value, Filters):
            return value
        value = dict(value or {})
        tags = value.get("tags") or ()
        return cls(kind=value.get("kind") or None, territory=value.get("territory") or None,
                   tags=(tags,) if isinstance(tags, str) else tuple(tags),
                   structure_kind=value.get("structure_kind") or None, upcoming=bool(value.get("upcoming")))

    @property
    def effective_kind(self) -> str | None:
        """Structure kinds only exist on structures and dates on events."""
        if self.upcoming:
            return "event"
        if self.structure_kind:
            return "actor"
        return self.kind

    def __bool__(self) -> bool:
        return bool(self.kind or self.territory or self.tags or self.structure_kind or self.upcoming)

    @property
    def active_count(self) -> int:
        """How many facets are set: the "Filters (n)" disclosure of a phone shows it."""
        return (bool(self.kind) + bool(self.territory) + len(self.tags) + bool(self.structure_kind)
                + bool(self.upcoming))


@dataclass
class SearchResults:
    total: int = 0
    # [{"id", "kind", "title", "territory", "excerpt" (safe HTML with <mark>), "data"}]
    hits: list = field(default_factory=list)
    # {"kind": {value: n}, "territory": {...}, "structure_kind": {...}, "tags": {...}, "upcoming": n}
    facets: dict = field(default_factory=dict)
    suggestion: str | None = None  # "did you mean …", only when it finds something
    page: int = 1
    pages: int = 1


class SearchBackend:
    """The interface. ``documents`` are dicts from ``documents.document()``; ids are ints."""

    name = "abstract"

    def writer(self, timeout: float = 0.0, quick: bool = False) -> AbstractContextManager:
        """Take the index's write lock (waiting at most ``timeout`` seconds) and yield a writer
        with ``index(documents)`` and ``delete(ids)``, applied together when the block ends
        without error, and ``replace_all(documents)``, which rebuilds the whole index and swaps
        it in atomically (searches answer from the old one until then). Yield None if the lock
        is busy: nothing is written, try later. ``quick``: write only what is needed now and
        leave housekeeping to ``maintain()`` (a request must not wait for it)."""
        raise NotImplementedError

    def maintain(self) -> None:
        """Housekeeping postponed by quick writes (merging Whoosh segments); never waits."""

    def search(self, text: str, filters: Filters, page: int = 1, pagelen: int = 20) -> SearchResults:
        raise NotImplementedError

    def count(self, text: str, filters: Filters | None = None) -> int:
        raise NotImplementedError

    def suggest(self, text: str, limit: int = 6) -> list[dict]:
        """Titles for the header's as-you-type box: the last word may be unfinished."""
        raise NotImplementedError

    def fingerprints(self) -> dict[int, str]:
        """{id: fingerprint} of every indexed document (``flask csti search-check``)."""
        raise NotImplementedError

    # conveniences
    def index(self, documents, timeout: float = 5.0) -> bool:
        return self.apply(documents, (), timeout)

    def delete(self, ids, timeout: float = 5.0) -> bool:
        return self.apply((), ids, timeout)

    def apply(self, documents, deleted_ids, timeout: float = 5.0) -> bool:
        with self.writer(timeout) as writer:
            if writer is None:
                return False
            writer.delete(list(deleted_ids))
            writer.index(list(documents))
        return True

    def suggestion(self, words: list[str], filters: Filters) -> str | None:
        """'Did you mean': replace the words found nowhere by the closest known word, and
        propose the result only if it finds something."""
        corrected, changed = [], False
        for word in words:
            if self.word_found(word):
                corrected.append(word)
                continue
            candidates = self.similar_words(word)
            best = min(candidates, key=lambda c: (levenshtein(c, word), c), default=None)
            if best is None:
                corrected.append(word)
            else:
                corrected.append(best)
                changed = True
        if not changed:
            return None
        text = " ".join(corrected)
        return text if self.count(text, filters) else None

    def word_found(self, word: str) -> bool:
        raise NotImplementedError

    def similar_words(self, word: str, maxdist: int = 2) -> list[str]:
        """Known words within ``maxdist`` edits of ``word`` that share its first letter."""
        raise NotImplementedError
