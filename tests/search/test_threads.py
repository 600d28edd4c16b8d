"""One Whoosh backend searched from several threads at once (``flask run`` is threaded): Whoosh's
file-backed readers seek then read a shared file object, so two threads reading through one
searcher mixed their reads (a 500 with ``zlib.error``, or the stored fields of another
document). Every search, suggestion and excerpt must be what a single thread gets."""
import sys
import threading

import pytest

from csti.search.base import Filters

from .whoosh_index import build_index

THREADS = 8
ROUNDS = 3
QUERIES = [
    ("astronomie", Filters()), ("atelier robotique", Filters()), ("exposition climat", Filters(kind="event")),
    ("étoile", Filters(territory="bretagne")), ("été nuit", Filters()), ("club science observation", Filters()),
    ("volcan", Filters(tags=("climat",))), ("planètes océans", Filters()), ("", Filters(territory="occitanie")),
    ("énergie musée", Filters()), ("science", Filters(upcoming=True)), ("robotqiue", Filters()),
]
SUGGESTIONS = ["atelier rob", "astro", "science é", "volcan cl", "fab"]


def _answers(backend, turn: int) -> list:
    """Every query (in an order of its own per thread), pages of 40 hits with their excerpts."""
    out = []
    for i in range(len(QUERIES)):
        text, filters = QUERIES[(i + turn) % len(QUERIES)]
        results = backend.search(text, filters, pagelen=40)
        out.append((text, filters, results.total, results.facets, results.suggestion,
                    [(hit["id"], hit["title"], str(hit["excerpt"]), hit["data"]) for hit in results.hits]))
    for i in range(len(SUGGESTIONS)):
        text = SUGGESTIONS[(i + turn) % len(SUGGESTIONS)]
        out.append((text, backend.suggest(text, limit=20)))
    return sorted(out, key=repr)


@pytest.fixture
def switch_often():
    """Threads switched every 10 µs rather than every 5 ms, so that they interleave inside
    Whoosh's reads as they would under load."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    yield
    sys.setswitchinterval(previous)


def test_parallel_searches_answer_as_one_thread(tmp_path, search_backend, switch_often):
    if search_backend.name != "whoosh":
        pytest.skip("Whoosh's readers are the ones shared between threads")
    backend, _docs = build_index(tmp_path / "threads")
    expected = _answers(backend, 0)
    assert any("<mark>" in answer[-1][0][2] for answer in expected if len(answer) == 6 and answer[-1])
    backend, _docs = build_index(tmp_path / "threads-cold")  # nothing read or cached yet
    start = threading.Barrier(THREADS)
    errors, mismatches = [], []

    def work(turn):
        try:
            start.wait()
            for round_ in range(ROUNDS):
                if _answers(backend, turn + round_) != expected:
                    mismatches.append(turn)
        except Exception as error:  # noqa: BLE001 - every failure is reported below
            errors.append(repr(error))

    threads = [threading.Thread(target=work, args=(turn,)) for turn in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors[:5]
    assert not mismatches
