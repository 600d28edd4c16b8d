"""The garbage collector of a served worker (``csti/collector.py``, docs/architecture.md §26):
young objects collected between requests, full collections only when the old generation grew
by a quarter."""
import gc
import runpy
import weakref
from pathlib import Path

import pytest

from csti import collector

ROOT = Path(__file__).resolve().parent.parent


ROUND = collector.YOUNG + 200  # new objects a test's "request" leaves alive: past the threshold, with a margin


@pytest.fixture
def worker():
    """A worker's collector settings, the test process's given back after."""
    threshold = gc.get_threshold()
    collector.worker_started()
    gc.collect()  # every generation's count from zero
    yield
    gc.set_threshold(*threshold)
    collector._old.update(kept=0, pending=0)


class Node:
    def __init__(self):
        self.other = None


def _round():
    """What a request leaves alive: enough new objects for a young collection."""
    return [[] for _ in range(ROUND)]


def test_a_worker_collects_by_itself_only_past_tens_of_thousands_of_new_objects(worker):
    assert gc.get_threshold() == (collector.IN_REQUEST, collector.MIDDLE, collector.OLD)
    assert collector.IN_REQUEST >= 10_000
    collections = gc.get_stats()[0]["collections"]
    kept = [[] for _ in range(5_000)]  # what a page holds while it is made: no collection
    assert gc.get_count()[0] >= 5_000
    assert gc.get_stats()[0]["collections"] == collections
    del kept


def test_between_requests_nothing_is_done_for_a_few_new_objects(worker):
    gc.collect()
    collections = gc.get_stats()[0]["collections"]
    kept = [[] for _ in range(collector.YOUNG // 2)]
    assert collector.between_requests() is None
    assert gc.get_stats()[0]["collections"] == collections
    assert gc.get_count()[0] >= collector.YOUNG // 2
    del kept


def test_between_requests_the_young_generation_is_collected_and_its_garbage_freed(worker):
    freed = []
    a, b = Node(), Node()
    a.other, b.other = b, a  # only the cycle keeps them
    watch = [weakref.ref(a, freed.append), weakref.ref(b, freed.append)]
    del a, b
    kept = _round()
    assert not freed
    assert collector.between_requests() == 0
    assert len(freed) == 2 and all(ref() is None for ref in watch)  # the cycle, freed
    assert gc.get_count()[0] < collector.YOUNG and gc.get_count()[1] == 1
    assert any(o is kept for o in gc.get_objects(1))  # what is alive stays, moved on


def test_a_middle_collection_comes_past_ten_young_ones_and_counts_what_it_moves(worker):
    done, kept = [], []
    for _ in range(collector.MIDDLE + 2):
        kept.append(_round())
        done.append(collector.between_requests())
    assert done == [0] * (collector.MIDDLE + 1) + [1]  # CPython's: a count over its threshold
    assert gc.get_count()[1] == 0 and gc.get_count()[2] == 1
    # What it moved to the old generation: the lists kept (and the lists holding them).
    assert collector._old["pending"] >= (collector.MIDDLE + 2) * ROUND
    assert any(o is kept[0] for o in gc.get_objects(2))


def _until_a_full_collection_is_due():
    kept = []
    while gc.get_count()[2] <= collector.OLD:
        kept.append(_round())
        collector.between_requests()
    kept.append(_round())
    return kept


def test_a_full_collection_waits_until_the_old_generation_grew_by_a_quarter(worker):
    kept = _until_a_full_collection_is_due()
    # The last full collection kept many more objects than have moved there since: not yet, as
    # in CPython (a full collection walks every object the worker keeps) — a young one.
    collector._old.update(kept=40 * collector._old["pending"])
    full = gc.get_stats()[2]["collections"]
    assert collector.between_requests() == 0
    assert gc.get_stats()[2]["collections"] == full
    del kept


def test_a_full_collection_runs_once_the_old_generation_grew_by_a_quarter(worker):
    kept = _until_a_full_collection_is_due()
    due = 4 * collector._old["pending"]
    collector._old.update(kept=due)  # grew by a quarter exactly: due
    full = gc.get_stats()[2]["collections"]
    assert collector.between_requests() == 2
    assert gc.get_stats()[2]["collections"] == full + 1
    assert collector._old["pending"] == 0
    # Counted anew (give or take what other threads' work moved since):
    assert abs(collector._old["kept"] - len(gc.get_objects(2))) < 1_000 < abs(collector._old["kept"] - due)
    assert collector._old["kept"] >= len(kept) * ROUND
    del kept


def test_the_served_worker_is_set_up_and_collects_after_each_response(worker, tmp_path, monkeypatch):
    """gunicorn.conf.py: ``post_fork`` sets the worker's thresholds, ``post_request`` runs the
    collector after each response."""
    from types import SimpleNamespace

    import config
    from csti import create_app

    monkeypatch.setattr(config, "load_env_file", lambda *args, **kwargs: None)  # no .env read into the tests
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["post_fork"].__globals__["_return_freed_memory"] = lambda: None  # the test process's malloc as it is
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'worker.db'}",
                              "UPLOAD_DIR": str(tmp_path / "uploads"), "SEARCH_DIR": str(tmp_path / "search")})
    gc.set_threshold(700, 10, 10)
    settings["post_fork"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)), None)
    assert gc.get_threshold() == (collector.IN_REQUEST, collector.MIDDLE, collector.OLD)
    gc.collect()
    kept = _round()
    collections = gc.get_stats()[0]["collections"]
    settings["post_request"](None, None, {}, None)
    assert gc.get_stats()[0]["collections"] == collections + 1
    assert gc.get_count()[0] < collector.YOUNG
    del kept
