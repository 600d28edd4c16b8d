"""The Whoosh backend matches, scores, filters and counts facets on numpy arrays of the index
(``csti.search.whoosh_arrays``) instead of Whoosh's own matchers. These tests build an index of
several segments with deletions and compare, query by query, with what Whoosh itself answers."""
import random
from collections import Counter

import pytest
from whoosh.query import And, NullQuery, Or, Prefix, Term
from whoosh.util.times import datetime_to_long

from csti.search.base import Filters, query_words
from csti.search.whoosh_arrays import LENGTHS, read_postings
from csti.search.whoosh_backend import BOOSTS, WhooshBackend

from .whoosh_index import NOW, build_index, random_doc


@pytest.fixture(autouse=True)
def whoosh_only(search_backend):
    if search_backend.name != "whoosh":
        pytest.skip("compares the Whoosh backend with Whoosh itself")


@pytest.fixture
def index(tmp_path):
    return build_index(tmp_path / "arrays")


def _whoosh_query(backend, words):
    """The query Whoosh's own matchers would run: every stem of every word in one of the
    boosted fields."""
    parts = []
    for word in words:
        stems = backend._stems(word)
        parts.append(And([Or([Term(f, s, boost=b) for f, b in BOOSTS.items()]) for s in stems]) if stems
                     else NullQuery)
    return And(parts)


QUERIES = ["astronomie", "atelier robotique", "exposition climat", "étoile", "été nuit", "club science observation",
           "volcan", "inconnu", "planètes océans"]


@pytest.mark.parametrize("text", QUERIES)
def test_matches_and_ranking_equal_whoosh(index, text):
    backend, docs = index
    searcher = backend._get_searcher()
    words = query_words(text)
    mine, scores = backend._matches(searcher, words, Filters(), datetime_to_long(NOW))
    reference = searcher.search(_whoosh_query(backend, words), limit=None)
    assert sorted(int(d) for d in mine) == sorted(hit.docnum for hit in reference)
    assert {int(searcher.stored_fields(int(d))["id"]) for d in mine} <= set(docs)
    expected = {hit.docnum: hit.score for hit in reference}
    for docnum, score in zip(mine, scores, strict=True):
        assert score == pytest.approx(expected[int(docnum)], rel=1e-9)
    # The page order: Whoosh's, ties by document number.
    top = backend.engine.top(mine, scores, 20)
    assert [round(expected[d], 9) for d in top] == [round(hit.score, 9) for hit in reference[:20]]
    assert top == sorted(top, key=lambda d: (-round(expected[d], 9), d))


@pytest.mark.parametrize("filters", [
    Filters(kind="event"), Filters(territory="bretagne"), Filters(tags=("climat", "jeunesse")),
    Filters(structure_kind="fablab"), Filters(upcoming=True), Filters(kind="article", territory="corse"),
    Filters(territory="nowhere"), Filters(tags=("unknown",)),
])
def test_filters_and_facets_equal_the_documents(index, filters):
    backend, docs = index
    results = backend.search("science", filters, pagelen=1000)

    def allowed(doc):
        return all((
            not filters.kind or doc["kind"] == filters.kind,
            not filters.territory or doc["territory"] == filters.territory,
            all(tag in doc["tags"] for tag in filters.tags),
            not filters.structure_kind or (doc["kind"] == "actor" and doc["subkind"] == filters.structure_kind),
            not filters.upcoming or (doc["kind"] == "event" and doc["ends"] >= NOW),
        ))

    stem = backend._stems("science")[0]
    expected = [d for d in docs.values() if allowed(d) and any(
        stem in {t.text for t in backend.analyzer(d[field])} for field in BOOSTS)]
    assert sorted(hit["id"] for hit in results.hits) == sorted(d["id"] for d in expected)
    assert results.total == len(expected)
    assert results.facets["kind"] == dict(Counter(d["kind"] for d in expected))
    assert results.facets["territory"] == dict(Counter(d["territory"] for d in expected if d["territory"]))
    assert results.facets["structure_kind"] == dict(Counter(d["subkind"] for d in expected if d["kind"] == "actor"))
    tags = Counter(t for d in expected for t in d["tags"])
    assert results.facets["tags"] == dict(sorted(tags.items(), key=lambda kv: (-kv[1], kv[0]))[:20])
    assert results.facets["upcoming"] == sum(1 for d in expected if d["kind"] == "event" and d["ends"] >= NOW)


def test_filters_alone_list_the_newest_first(index):
    backend, docs = index
    results = backend.search("", Filters(territory="occitanie"), pagelen=15)
    newest = sorted((d for d in docs.values() if d["territory"] == "occitanie"),
                    key=lambda d: (d["published"], d["id"]), reverse=True)
    assert [hit["id"] for hit in results.hits] == [d["id"] for d in newest[:15]]
    assert results.total == len(newest)


def test_columns_read_whole_equal_whoosh_per_document(index):
    backend, _docs = index
    searcher = backend._get_searcher()
    view = backend.engine.view(searcher)
    for leaf, _offset, segment in view.segments:
        published = leaf.column_reader("published", translate=False)
        for docnum in range(leaf.doc_count_all()):
            raw = published[docnum]
            assert segment.published[docnum] == (0 if raw == 2**64 - 1 else raw)
            for field in BOOSTS:
                assert LENGTHS[segment.lengths[field][docnum]] == (leaf.doc_field_length(docnum, field) or 0)
        for field in BOOSTS:
            for term in list(leaf.lexicon(field))[:10]:
                reference = leaf.postings(field, term)
                ids, weights = [], []
                while reference.is_active():
                    ids.append(reference.id())
                    weights.append(reference.weight())
                    reference.next()
                docs, tfs = read_postings(leaf, field, term.decode())
                live = [d for d in docs.tolist() if not leaf.is_deleted(d)]
                assert live == ids
                assert [w for d, w in zip(docs.tolist(), tfs.tolist(), strict=True) if not leaf.is_deleted(d)] \
                    == pytest.approx(weights)


def test_suggestions_take_the_beginning_of_the_last_word(index):
    backend, _docs = index
    searcher = backend._get_searcher()
    reference = searcher.search(And([_whoosh_query(backend, ["atelier"]), Or([Prefix("spell", "rob"),
                                     _whoosh_query(backend, ["rob"])])]), limit=None)
    hits = backend.suggest("atelier rob", limit=1000)
    assert {h["id"] for h in hits} == {int(hit["id"]) for hit in reference}
    assert hits and len(hits) == len(reference)


def test_did_you_mean_proposes_known_words(index):
    backend, _docs = index
    assert "robotique" in backend.similar_words("robotqiue")
    assert backend.similar_words("zzzz") == []
    results = backend.search("robotqiue")
    assert results.total == 0 and results.suggestion == "robotique"


def test_a_segment_without_any_value_of_a_column_reads_as_defaults(tmp_path):
    """A small segment may hold no event, or only unpublished items: Whoosh writes no column file
    for a field none of its documents has and hands an EmptyColumnReader, which the array reader must read as "no date" (it was a 500
    on every search once such a segment existed)."""
    rng = random.Random(3)
    backend = WhooshBackend(str(tmp_path / "no-dates"), cache_mb=1)
    first, second = random_doc(rng, 1), random_doc(rng, 5)  # articles: no starts/ends
    second["published"] = None  # e.g. pending: never published
    with backend.writer(timeout=5) as writer:
        writer.replace_all([first])
    with backend.writer(timeout=5, quick=True) as writer:
        writer.index([second])  # in a segment of its own, with no "published" value at all
    searcher = backend._get_searcher()
    leaves = [leaf for leaf, _ in searcher.reader().leaf_readers()]
    assert len(leaves) == 2 and not all(leaf._perdoc.has_column("published") for leaf in leaves)
    view = backend.engine.view(searcher)
    assert sorted(segment.published.tolist()[0] > 0 for _leaf, _offset, segment in view.segments) == [False, True]
    assert [hit["id"] for hit in backend.search("", Filters(), pagelen=10).hits] == [1, 5]


def test_a_column_file_gone_between_check_and_open_reopens_the_searcher(tmp_path, monkeypatch):
    """Another process merging segments deletes their files: if the "published" column existed
    when checked but is gone when opened, Whoosh hands an EmptyColumnReader. Reading it as
    defaults would have been wrong, reading it as a fixed column was a 500 on every search
    (AttributeError, seen in CI under concurrent writers); it is a vanished file, retried."""
    from whoosh.reading import SegmentReader

    from csti.search.whoosh_arrays import Segment
    rng = random.Random(4)
    backend = WhooshBackend(str(tmp_path / "gone"), cache_mb=1)
    doc = random_doc(rng, 1)
    doc["published"] = None
    with backend.writer(timeout=5) as writer:
        writer.replace_all([doc])
    searcher = backend._get_searcher()
    (leaf, _offset), = searcher.reader().leaf_readers()
    assert not leaf.has_column("published")
    monkeypatch.setattr(SegmentReader, "has_column", lambda self, field: True)  # "was there when checked"
    with pytest.raises(FileNotFoundError):
        Segment(leaf, backend.engine.codes, backend.engine.boosts)


def test_long_postings_are_scored_in_chunks_to_the_same_floats(index, monkeypatch):
    """A term's postings are scored a chunk at a time, so that the scratch arrays stay the size of
    a chunk rather than of the longest list (a word in most of the national index: 8 MB per
    worker). The chunking must not change a single score."""
    import numpy as np

    from csti.search import whoosh_arrays
    backend, _docs = index
    searcher = backend._get_searcher()
    words = query_words("atelier robotique science")
    _mine, whole = backend._matches(searcher, words, Filters(), datetime_to_long(NOW))
    whole = np.array(whole)
    asked = []
    work = whoosh_arrays.Scratch.work
    monkeypatch.setattr(whoosh_arrays.Scratch, "work", lambda self, count: asked.append(count) or work(self, count))
    monkeypatch.setattr(whoosh_arrays, "CHUNK", 7)
    _mine, chunked = backend._matches(searcher, words, Filters(), datetime_to_long(NOW))
    assert asked and max(asked) == 7  # lists longer than a chunk were cut, none was taken whole
    assert np.array_equal(np.array(chunked), whole)  # bit for bit, not approximately
    # Every document's score for each stem, the documents the query does not keep included.
    view = backend.engine.view(searcher)
    stems = [s for word in words for s in backend._stems(word)]
    chunked_each = [backend.engine.stem_scores(view, stem) for stem in stems]
    monkeypatch.setattr(whoosh_arrays, "CHUNK", 1 << 20)
    for stem, chunked_scores in zip(stems, chunked_each, strict=True):
        assert np.count_nonzero(chunked_scores) and np.array_equal(chunked_scores, backend.engine.stem_scores(view, stem))


def test_each_document_s_tags_are_its_slice_across_segments(index):
    """``View.tag_starts`` (what the tag facet reads): each segment's starts, built with the
    segment, joined and shifted by the tags of the segments before it."""
    backend, docs = index
    searcher = backend._get_searcher()
    view = backend.engine.view(searcher)
    assert len(view.segments) > 1
    values = backend.engine.codes["tags"].values
    for docnum in range(view.size):
        if not view.live[docnum]:
            continue
        mine = sorted(values[c] for c in view.tag_codes[view.tag_starts[docnum]:view.tag_starts[docnum + 1]])
        assert mine == docs[int(searcher.stored_fields(docnum)["id"])]["tags"], docnum
    assert any(docs[i]["tags"] for i in docs)


def test_one_segment_s_view_reads_the_segment_s_own_arrays(tmp_path):
    """An optimised index is one segment, built by gunicorn's master before it forks: a searcher's
    view then holds the segment's arrays themselves (shared with the master), not copies."""
    rng = random.Random(5)
    backend = WhooshBackend(str(tmp_path / "one"), cache_mb=1)
    with backend.writer(timeout=5) as writer:
        writer.replace_all([random_doc(rng, i) for i in range(1, 60)])
    view = backend.engine.view(backend._get_searcher())
    (_leaf, _offset, segment), = view.segments
    for name in ("kind", "territory", "subkind", "published", "ends", "tag_codes", "tag_docs", "tag_starts", "live"):
        assert getattr(view, name) is getattr(segment, name), name
    assert view.tag_starts.dtype.itemsize == 4 and view.tag_starts[-1] == len(segment.tag_codes)
    # A deletion: the view masks it in a mask of its own; the segment's stays whole.
    with backend.writer(timeout=5, quick=True) as writer:
        writer.delete([3, 4])
    searcher = backend._get_searcher()
    view = backend.engine.view(searcher)
    (leaf, _offset, same), = view.segments
    assert same is segment and leaf.has_deletions()
    assert view.tag_starts is segment.tag_starts and view.live is not segment.live
    assert segment.live.all() and (~view.live).sum() == 2
    assert {int(searcher.stored_fields(int(d))["id"]) for d in (~view.live).nonzero()[0]} == {3, 4}
    assert 3 not in [hit["id"] for hit in backend.search("", Filters(), pagelen=100).hits]


@pytest.mark.parametrize("newest", [False, True])
def test_the_top_hits_are_the_best_keys_ties_by_document(newest):
    """``Engine.top`` picks the page from many hits with few distinct keys (a common word: 62 000
    hits on 150 scores), ties by document — ascending for scores, descending for dates."""
    import numpy as np

    from csti.search.whoosh_arrays import Engine
    rng = np.random.default_rng(7)
    docs = np.sort(rng.choice(200_000, size=5_000, replace=False))
    keys = rng.integers(0, 12, size=len(docs)).astype(np.int64 if newest else np.float64)
    for count in (1, 20, 60, len(docs) - 1, len(docs), len(docs) + 5):
        expected = sorted(zip(docs.tolist(), keys.tolist(), strict=True),
                          key=lambda dk: (-dk[1], -dk[0] if newest else dk[0]))[:count]
        assert Engine.top(docs, keys, count, newest=newest) == [d for d, _k in expected]
