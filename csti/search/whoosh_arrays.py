"""Whoosh's postings and columns read as numpy arrays: matching, BM25F scoring, filters and
facet counts for the Whoosh backend, at national scale.

Whoosh itself walks a tree of matchers in Python, one call per document and per field: a
query on two common words of a 184 000-document index took 300–500 ms, a third of it only to
list the matches for the count and the facets. Here the same work is done on arrays:

- a term's postings in one field of one segment — document numbers and term frequencies — are
  read block by block (Whoosh's own blocks, decoded with numpy) and kept in a small
  least-recently-used cache, keyed by segment: segments never change (a save adds a small
  segment and marks deletions), so a cached list stays right until its segment is merged away;
- the score is Whoosh's BM25F, computed the way its ``Or``/``And`` of ``Term`` queries sum it
  (per field: boost × idf × tf·(K1+1) / (tf + K1·(1−B+B·length/average length))), with the
  searcher's current idf and average lengths, so ranking matches Whoosh's (tests compare them);
- the facet values (kind, territory, structure kind, tags, dates) and field lengths are one
  small array per segment, read once; filters and facet counts are array operations;
- deleted documents are masked per searcher.

Nothing here writes: the index stays a plain Whoosh index.
"""
from __future__ import annotations

import threading

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, _lenfield
from whoosh.columns import EmptyColumnReader
from whoosh.matching.wrappers import FilterMatcher
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

from ..lru import SizedLRU

NO_DATE = 2**64 - 1  # what a DATETIME column holds for a document without a value
LENGTHS = np.array([byte_to_length(b) for b in range(256)], dtype=np.float64)
CODED = ("kind", "territory", "subkind")
CHUNK = 16384  # postings scored at a time (Scratch.work)
EMPTY_DOCS = np.zeros(0, dtype=np.int32)
EMPTY_TF = np.zeros(0, dtype=np.float32)


class Codes:
    """Facet values as small integers, the same for every segment of the process (0 is "")."""

    def __init__(self):
        self.values = [""]
        self._index = {"": 0}

    def code(self, value: str) -> int:
        found = self._index.get(value)
        if found is None:
            found = self._index[value] = len(self.values)
            self.values.append(value)
        return found

    def find(self, value: str) -> int | None:
        return self._index.get(value)


def _column(creader, dtype: str, size: int, default) -> np.ndarray:
    """A fixed-width Whoosh column, whole. Whoosh writes values big-endian and leaves trailing
    defaults out of the file.

    Called only for a column the segment has: Whoosh checks the file's existence again when it
    opens it and, if a merge by another process deleted the segment's files in between, hands
    an ``EmptyColumnReader`` (every value the default). That is the segment going away, like a
    missing file, so it is raised as one and the searcher is opened again (``_retrying``)."""
    if isinstance(creader, EmptyColumnReader):
        raise FileNotFoundError("a segment's column file went away (merged by another process)")
    out = np.full(size, default, dtype=np.dtype(dtype).newbyteorder("="))
    count = min(creader._count, size)
    if count:
        raw = creader._dbfile.get(creader._basepos, count * creader._fixedlen)
        out[:count] = np.frombuffer(raw, dtype=dtype)
    return out


def _raw_matcher(leaf, field: str, text: str):
    try:
        matcher = leaf.postings(field, text)
    except TermNotFound:
        return None
    # Deletions are masked per searcher, not here: the cached lists outlive them.
    return matcher.child if isinstance(matcher, FilterMatcher) else matcher


def read_postings(leaf, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
    """(document numbers, term frequencies) of ``text`` in ``field`` of one segment."""
    if (field, text) not in leaf:
        return EMPTY_DOCS, EMPTY_TF
    matcher = _raw_matcher(leaf, field, text)
    if matcher is None:
        return EMPTY_DOCS, EMPTY_TF
    ids, weights = [], []
    if hasattr(matcher, "_read_data") and hasattr(matcher, "_next_block"):
        # Whoosh 3 blocks: (delta-encoded ids, weights: None | one float | array, values).
        while matcher.is_active():
            matcher._read_data()
            block_ids, block_weights = matcher._data[0], matcher._data[1]
            ids.append(np.cumsum(np.asarray(block_ids, dtype=np.int64)).astype(np.int32))
            if block_weights is None or isinstance(block_weights, float):
                weights.append(np.full(len(ids[-1]), 1.0 if block_weights is None else block_weights,
                                       dtype=np.float32))
            else:
                weights.append(np.asarray(block_weights, dtype=np.float32))
            matcher._next_block()
    else:  # another codec: the slow, public way
        docs, tfs = [], []
        while matcher.is_active():
            docs.append(matcher.id())
            tfs.append(matcher.weight())
            matcher.next()
        ids.append(np.asarray(docs, dtype=np.int32))
        weights.append(np.asarray(tfs, dtype=np.float32))
    if not ids:
        return EMPTY_DOCS, EMPTY_TF
    return np.concatenate(ids), np.concatenate(weights)


class Segment:
    """What one segment's documents hold for the facets, filters and scores. Built once per
    segment (segments never change)."""

    def __init__(self, leaf, codes: dict[str, Codes], scored_fields):
        size = leaf.doc_count_all()
        self.size = size
        self._spelling = None
        for name in CODED:
            column = np.zeros(size, dtype=np.uint16)
            if (name in leaf.schema) and size:
                for term in leaf.lexicon(name):
                    docs, _tf = read_postings(leaf, name, term.decode())
                    column[docs] = codes[name].code(term.decode())
            setattr(self, name, column)
        tag_docs, tag_codes = [], []
        if size:
            for term in leaf.lexicon("tags"):
                docs, _tf = read_postings(leaf, "tags", term.decode())
                tag_docs.append(docs)
                tag_codes.append(np.full(len(docs), codes["tags"].code(term.decode()), dtype=np.uint32))
        self.tag_docs = np.concatenate(tag_docs) if tag_docs else EMPTY_DOCS
        self.tag_codes = np.concatenate(tag_codes) if tag_codes else np.zeros(0, dtype=np.uint32)
        # By document: document d's tags are tag_codes[tag_starts[d]:tag_starts[d + 1]]. Built
        # here, with the segment, rather than per searcher: gunicorn's master builds the segments
        # before forking (gunicorn.conf.py), so its workers share these pages.
        order = np.argsort(self.tag_docs, kind="stable")
        self.tag_docs, self.tag_codes = self.tag_docs[order], self.tag_codes[order]
        self.tag_starts = np.zeros(size + 1, dtype=np.int32)
        if len(self.tag_docs):
            np.cumsum(np.bincount(self.tag_docs, minlength=size)[:size], out=self.tag_starts[1:])
        self.tag_starts.flags.writeable = False
        self.live = np.ones(size, dtype=bool)  # a view's mask when nothing is deleted
        self.live.flags.writeable = False
        self.published = self._dates(leaf, "published", size)
        self.ends = self._dates(leaf, "ends", size)
        self.lengths = {}
        perdoc = getattr(leaf, "_perdoc", None)
        for field in scored_fields:
            name = _lenfield(field)
            if perdoc is not None and size and perdoc.has_column(name):
                self.lengths[field] = _column(perdoc.column_reader(name, LENGTHS_COLUMN), ">u1", size, 0)
            else:
                self.lengths[field] = np.zeros(size, dtype=np.uint8)

    def spelling(self, leaf) -> dict[str, list[str]]:
        """{first letter: words} of the segment's "spell" field ("did you mean"), read once."""
        if self._spelling is None:
            words: dict[str, list[str]] = {}
            if "spell" in leaf.schema:
                for term in leaf.lexicon("spell"):
                    word = term.decode()
                    words.setdefault(word[:1], []).append(word)
            self._spelling = words
        return self._spelling

    @staticmethod
    def _dates(leaf, field: str, size: int) -> np.ndarray:
        """Microseconds since datetime.min as Whoosh stores them; 0 when there is none."""
        if not size or not leaf.has_column(field):
            return np.zeros(size, dtype=np.int64)
        values = _column(leaf.column_reader(field, translate=False), ">u8", size, NO_DATE)
        values[values == NO_DATE] = 0
        return values.astype(np.int64)


class View:
    """One searcher's documents as arrays (its segments end to end, deletions masked)."""

    def __init__(self, searcher, segments: list[tuple[object, int, Segment]]):
        self.searcher = searcher
        self.segments = segments  # (leaf reader, offset, Segment)
        self.size = searcher.reader().doc_count_all()

        def joined(name, dtype):
            parts = [getattr(seg, name) for _leaf, _offset, seg in segments]
            return parts[0] if len(parts) == 1 else (np.concatenate(parts) if parts else np.zeros(0, dtype=dtype))

        self.kind = joined("kind", np.uint16)
        self.territory = joined("territory", np.uint16)
        self.subkind = joined("subkind", np.uint16)
        self.published = joined("published", np.int64)
        self.ends = joined("ends", np.int64)
        self.tag_codes = joined("tag_codes", np.uint32)
        docs = [seg.tag_docs + offset if offset else seg.tag_docs for _leaf, offset, seg in segments]
        self.tag_docs = (docs[0] if len(docs) == 1 else np.concatenate(docs)) if docs else EMPTY_DOCS
        # Document d's tags are tag_codes[tag_starts[d]:tag_starts[d + 1]]: the segments' own
        # starts end to end, each shifted by the tags of the segments before it (one segment, the
        # usual case of an optimised index: the segment's array itself, shared with the master).
        if len(segments) == 1:
            self.tag_starts = segments[0][2].tag_starts
        else:
            parts, before = [], 0
            for _leaf, _offset, seg in segments:
                parts.append(seg.tag_starts[:-1] + before)
                before += int(seg.tag_starts[-1])
            parts.append(np.array([before], dtype=np.int32))
            self.tag_starts = np.concatenate(parts)
        if len(segments) == 1 and not segments[0][0].has_deletions():
            self.live = segments[0][2].live  # nothing deleted: the segment's own, shared with the master
            return
        self.live = np.ones(self.size, dtype=bool)
        for leaf, offset, _seg in segments:
            if leaf.has_deletions():
                deleted = leaf.deleted_docs_set  # a cached property in Whoosh-Reloaded
                deleted = np.fromiter(deleted() if callable(deleted) else deleted, dtype=np.int64)
                self.live[deleted + offset] = False


class Scratch(threading.local):
    """Arrays of a view's size that one thread's searches reuse — a mask, scores, flags.

    A search of the national index works on arrays of its 190 000 documents (1.5 MB of scores
    each). Allocated for each search, every one of them is a fresh mapping of the process
    (gunicorn's workers hand blocks over 128 KiB back to the system as soon as they are freed,
    see gunicorn.conf.py) whose pages fault in one by one as they are first written: a search
    then took twice its time. Kept, they cost about 3.7 MB per searching thread, and the
    chunk arrays (``work``) at most 0.7 MB more."""

    size = -1

    def of(self, size: int) -> Scratch:
        if self.size != size:
            self.mask = np.empty(size, dtype=bool)
            self.flags = np.empty(size, dtype=bool)
            self.found = np.empty(size, dtype=bool)
            self.scores = np.empty(size, dtype=np.float64)
            self.total = np.empty(size, dtype=np.float64)
            self.size = size
        return self

    def work(self, count: int) -> tuple[np.ndarray, ...]:
        """Arrays of ``count`` items (at most ``CHUNK``) for a chunk of one term's postings —
        three of floats, two of indexes (numpy's ``take`` and ``put`` would convert narrower
        indexes into a new array each time), one of bytes —, grown to the longest chunk seen,
        by steps of a chunk: at most 41 bytes × 16 Ki = 0.7 MB per searching thread.
        (``take`` is given ``mode="clip"``: with the default, "raise", it writes into a copy of
        ``out`` first; the indexes are the documents', always in range.)"""
        if getattr(self, "capacity", 0) < count:
            self.capacity = -(-count // CHUNK) * CHUNK
            self._work = (*(np.empty(self.capacity, dtype=np.float64) for _ in range(3)),
                          *(np.empty(self.capacity, dtype=np.intp) for _ in range(2)),
                          np.empty(self.capacity, dtype=np.uint8))
        return tuple(array[:count] for array in self._work)


class Engine:
    """Matching and scoring for the Whoosh backend (one per process)."""

    def __init__(self, boosts: dict[str, float], weighting, cache_bytes: int):
        self.boosts = boosts
        self.k1 = weighting.K1
        self.field_b = {field: weighting._field_B.get(field, weighting.B) for field in boosts}
        self.codes = {name: Codes() for name in (*CODED, "tags")}
        # (segment, field, term) -> (docs, tf) of recently searched words
        self.postings = SizedLRU(cache_bytes, size=lambda value: value[0].nbytes + value[1].nbytes)
        self._segments: dict = {}
        self._lock = threading.Lock()
        self._scratch = Scratch()

    # --- views ------------------------------------------------------------------------------
    def view(self, searcher) -> View:
        """The arrays of ``searcher``, built once per searcher."""
        found = getattr(searcher, "_csti_view", None)
        if found is not None:
            return found
        with self._lock:
            reader = searcher.reader()
            parts, alive = [], set()
            if reader.doc_count_all():
                for leaf, offset in reader.leaf_readers():
                    key = _segment_key(leaf)
                    segment = self._segments.get(key) if key else None
                    if segment is None:
                        segment = Segment(leaf, self.codes, self.boosts)
                        if key:
                            self._segments[key] = segment
                    alive.add(key)
                    parts.append((leaf, offset, segment))
            for key in set(self._segments) - alive:
                del self._segments[key]
            self.postings.discard_where(lambda key: key[0] not in alive)
            view = View(searcher, parts)
            searcher._csti_view = view
            return view

    # --- filters ----------------------------------------------------------------------------
    def allowed(self, view: View, filters, now: int) -> np.ndarray:
        """The live documents the filters allow, as a mask (the thread's scratch array: valid
        until its next search)."""
        scratch = self._scratch.of(view.size)
        mask, flags = scratch.mask, scratch.flags
        np.copyto(mask, view.live)
        if filters.kind:
            self._narrow(mask, flags, view.kind, "kind", filters.kind)
        if filters.territory:
            self._narrow(mask, flags, view.territory, "territory", filters.territory)
        for tag in filters.tags:
            code = self.codes["tags"].find(tag)
            flags.fill(False)
            if code is not None:
                flags[view.tag_docs[view.tag_codes == code]] = True
            mask &= flags
        if filters.structure_kind:
            self._narrow(mask, flags, view.kind, "kind", "actor")
            self._narrow(mask, flags, view.subkind, "subkind", filters.structure_kind)
        if filters.upcoming:
            self._narrow(mask, flags, view.kind, "kind", "event")
            np.greater_equal(view.ends, now, out=flags)
            mask &= flags
        return mask

    def _narrow(self, mask: np.ndarray, flags: np.ndarray, column: np.ndarray, name: str, value: str) -> None:
        """``mask`` &= (``column`` holds ``value``), through ``flags``."""
        code = self.codes[name].find(value)
        if code is None:
            mask.fill(False)
        else:
            np.equal(column, code, out=flags)
            mask &= flags

    # --- words ------------------------------------------------------------------------------
    def match(self, view: View, stems: list[str], mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The documents of ``mask`` holding every stem in one of the scored fields, and their
        BM25F scores (as Whoosh's And of Or of boosted Terms sums them)."""
        scores = self.word_scores(view, stems)
        flags = self._scratch.of(view.size).flags
        np.greater(scores, 0, out=flags)
        flags &= mask
        docs = np.flatnonzero(flags)
        return docs, scores[docs]

    def stem_scores(self, view: View, stem: str, out: np.ndarray | None = None) -> np.ndarray:
        """Each document's score for ``stem`` (in ``out`` when given)."""
        searcher = view.searcher
        if out is None:
            scores = np.zeros(view.size, dtype=np.float64)
        else:
            scores = out
            scores.fill(0)
        for field, boost in self.boosts.items():
            if not searcher.doc_frequency(field, stem):
                continue
            idf = searcher.idf(field, stem)
            average = searcher.avg_field_length(field) or 1
            b = self.field_b[field]
            for leaf, offset, segment in view.segments:
                docs, tf = self.postings.get_or_load((_segment_key(leaf), field, stem),
                                             lambda leaf=leaf, field=field: read_postings(leaf, field, stem))
                if not len(docs):
                    continue
                # A long list is taken in chunks (the scratch arrays stay small: a term in most of
                # the national index's documents would otherwise size them to 190 000 items, 8 MB
                # per worker; "astronomie", 62 000, to 2.7 MB). Chunks of 16 Ki items cost under
                # 0.1 ms a search more than one of 64 Ki. Each item's arithmetic is the same, and
                # a document appears once in a term's list: the scores do not depend on the
                # chunking.
                lengths_of = segment.lengths[field]
                for start in range(0, len(docs), CHUNK):
                    self._add_scores(scores, docs[start:start + CHUNK], tf[start:start + CHUNK], lengths_of,
                                     offset, idf, average, b, boost)
        return scores

    def _add_scores(self, scores, docs, tf, lengths_of, offset, idf, average, b, boost) -> None:
        """scores[docs + offset] += boost · idf · (tf · (K1 + 1)) / (tf + K1 · ((1 − b) + b ·
        length / average)), operation by operation in the scratch arrays (the same floats as
        written out)."""
        lengths, tf64, part, ids, codes, small = self._scratch.work(len(docs))
        np.copyto(ids, docs)
        np.take(lengths_of, ids, out=small, mode="clip")
        np.copyto(codes, small)
        np.take(LENGTHS, codes, out=lengths, mode="clip")
        np.copyto(tf64, tf)
        np.multiply(tf64, self.k1 + 1, out=part)
        np.multiply(idf, part, out=part)
        np.multiply(b, lengths, out=lengths)
        np.divide(lengths, average, out=lengths)
        np.add(1 - b, lengths, out=lengths)
        np.multiply(self.k1, lengths, out=lengths)
        np.add(tf64, lengths, out=lengths)
        np.divide(part, lengths, out=part)
        np.multiply(boost, part, out=part)
        if offset:
            ids += offset
        # scores[ids] += part, without its two temporary arrays
        np.take(scores, ids, out=lengths, mode="clip")
        np.add(lengths, part, out=lengths)
        np.put(scores, ids, lengths)

    def prefix_scores(self, view: View, field: str, prefix: str, max_terms: int = 500) -> np.ndarray:
        """1 for the documents holding a word of ``field`` that starts with ``prefix`` (Whoosh
        scores a ``Prefix`` query the same: a constant), 0 for the others."""
        hits = np.zeros(view.size, dtype=np.float64)
        terms = []
        for term in view.searcher.reader().expand_prefix(field, prefix):
            terms.append(term.decode() if isinstance(term, bytes) else term)
            if len(terms) >= max_terms:
                break
        for leaf, offset, _segment in view.segments:
            for text in terms:
                docs, _tf = self.postings.get_or_load((_segment_key(leaf), field, text),
                                              lambda leaf=leaf, text=text: read_postings(leaf, field, text))
                hits[docs + offset] = 1.0
        return hits

    def word_scores(self, view: View, stems: list[str]) -> np.ndarray:
        """Scores of the documents holding every stem (in one of the scored fields), summed; 0 for
        the others. The thread's scratch array: valid until its next search."""
        scratch = self._scratch.of(view.size)
        total, found, flags = scratch.total, scratch.found, scratch.flags
        total.fill(0)
        found.fill(True)
        for stem in stems:
            scores = self.stem_scores(view, stem, out=scratch.scores)
            np.greater(scores, 0, out=flags)
            found &= flags
            total += scores
        np.logical_not(found, out=flags)
        np.copyto(total, 0.0, where=flags)
        return total

    # --- results ----------------------------------------------------------------------------
    def past_events_last(self, view: View, docs: np.ndarray, scores: np.ndarray, now: int) -> np.ndarray:
        """Ranking keys from relevance scores where events that are over come after every other
        hit — upcoming events and the other kinds keep their scores and their order —, the
        past events in their own order of relevance below them (scores are positive: a past
        event's key is its score minus the best score, at most 0)."""
        code = self.codes["kind"].find("event")
        if code is None or not len(docs):
            return scores
        ends = view.ends[docs]
        past = (view.kind[docs] == code) & (ends > 0) & (ends < now)
        if not past.any():
            return scores
        return np.where(past, scores - scores.max() - 1.0, scores)

    @staticmethod
    def top(docs: np.ndarray, keys: np.ndarray, count: int, newest: bool = False) -> list[int]:
        """The first ``count`` of ``docs`` by ``keys`` descending; ties by document number
        (ascending for scores, as Whoosh does; descending for dates: the newest first)."""
        if not len(docs) or count <= 0:
            return []
        if len(docs) > count:
            # Everything at least as good as the count-th best, ties included, then sorted. The
            # count-th best is taken as the count-th smallest of the negated keys: numpy's
            # selection near the end of an array of many equal keys was ten times slower (a
            # common word's 62 000 hits on 150 distinct scores: 5 ms → 0.5 ms).
            negated = np.negative(keys)
            threshold = -np.partition(negated, count - 1)[count - 1]
            keep = keys >= threshold
            docs, keys = docs[keep], keys[keep]
        order = np.lexsort((-docs if newest else docs, -keys))
        return [int(d) for d in docs[order[:count]]]

    def facets(self, view: View, docs: np.ndarray, now: int, max_tags: int) -> dict:
        def counts(column, name):
            values = self.codes[name].values
            found = np.bincount(column[docs], minlength=len(values)) if len(docs) else []
            return {values[code]: int(n) for code, n in enumerate(found) if n and code}

        actors = docs[view.kind[docs] == self.codes["kind"].find("actor")] \
            if self.codes["kind"].find("actor") is not None else EMPTY_DOCS
        structure_kinds = self.codes["subkind"].values
        found = np.bincount(view.subkind[actors], minlength=len(structure_kinds)) if len(actors) else []
        # The documents' tags, slice by slice (the documents found are often a few of the index:
        # cheaper than a pass over every tag of the index).
        starts = view.tag_starts[docs]
        lengths = view.tag_starts[docs + 1] - starts
        total = int(lengths.sum()) if len(docs) else 0
        tag_codes = view.tag_codes[np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(total)] \
            if total else view.tag_codes[:0]
        tag_values = self.codes["tags"].values
        tag_counts = np.bincount(tag_codes, minlength=len(tag_values)) if len(tag_codes) else []
        tags = sorted(((tag_values[code], int(n)) for code, n in enumerate(tag_counts) if n and code),
                      key=lambda kv: (-kv[1], kv[0]))[:max_tags]
        return {
            "kind": counts(view.kind, "kind"),
            "territory": counts(view.territory, "territory"),
            "structure_kind": {structure_kinds[code]: int(n) for code, n in enumerate(found) if n and code},
            "tags": dict(tags),
            "upcoming": int(np.count_nonzero(view.ends[docs] >= now)) if len(docs) else 0,
        }


def _segment_key(leaf):
    segment = leaf.segment()
    return segment.segment_id() if segment is not None else None
