"""The garbage collector of a served worker (``csti/collector.py``, docs/architecture.md §26):
young objects collected between requests, full collections only when the old generation grew
by a quarter."""
import gc
import runpy
from pathlib import Path

import pytest

from csti import collector

ROOT = Path(__file__).resolve().parent.parent


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


def _cycle():
    """Two objects only a cycle keeps: garbage for the collector, not for reference counting."""
    a, b = Node(), Node()
    a.other, b.other = b, a


def test_a_worker_collects_by_itself_only_past_tens_of_thousands_of_new_objects(worker):
    assert gc.get_threshold() == (collector.IN_REQUEST, collector.MIDDLE, collector.OLD)
    assert collector.IN_REQUEST >= 10_000
    kept = [[] for _ in range(5_000)]  # what a page holds while it is made: no collection
    assert gc.get_count()[0] >= 5_000
    del kept


def test_between_requests_nothing_is_done_for_a_few_new_objects(worker):
    collections = gc.get_stats()[0]["collections"]
    kept = [[] for _ in range(collector.YOUNG // 2)]
    assert collector.between_requests() is None
    assert gc.get_stats()[0]["collections"] == collections
    assert gc.get_count()[0] >= collector.YOUNG // 2
    del kept


def test_between_requests_the_young_generation_is_collected_and_its_garbage_freed(worker):
    freed = []

    class Watched(Node):
        def __del__(self):
            freed.append(self)

    a, b = Watched(), Watched()
    a.other, b.other = b, a
    del a, b
    kept = [[] for _ in range(collector.YOUNG)]
    assert not freed
    assert collector.between_requests() == 0
    assert len(freed) == 2  # the cycle, freed
    assert gc.get_count()[0] < collector.YOUNG and gc.get_count()[1] == 1
    assert all(gc.is_tracked(item) for item in kept[:3])  # what is alive stays (moved on)
    freed.clear()


def test_every_tenth_collection_is_a_middle_one_that_counts_what_it_moves_to_the_old(worker):
    done = []
    kept = []
    for _ in range(collector.MIDDLE):
        kept.append([[] for _ in range(collector.YOUNG)])
        done.append(collector.between_requests())
    assert done == [0] * (collector.MIDDLE - 1) + [1]
    assert gc.get_count()[1] == 0 and gc.get_count()[2] == 1
    # What it moved to the old generation: the lists kept (and the lists holding them).
    assert collector._old["pending"] >= collector.MIDDLE * collector.YOUNG


def _until_a_middle_collection_is_due_for_a_full_one():
    kept = []
    for _ in range(collector.OLD * collector.MIDDLE - 1):
        kept.append([[] for _ in range(collector.YOUNG)])
        collector.between_requests()
    assert gc.get_count()[2] == collector.OLD - 1 and gc.get_count()[1] == collector.MIDDLE - 1
    kept.append([[] for _ in range(collector.YOUNG)])
    return kept


def test_a_full_collection_waits_until_the_old_generation_grew_by_a_quarter(worker):
    kept = _until_a_middle_collection_is_due_for_a_full_one()
    # The last full collection kept many more objects than have moved there since: a middle
    # collection again, as CPython would (a full one walks every object the worker keeps).
    collector._old.update(kept=40 * collector._old["pending"])
    full = gc.get_stats()[2]["collections"]
    assert collector.between_requests() == 1
    assert gc.get_stats()[2]["collections"] == full
    del kept


def test_a_full_collection_runs_once_the_old_generation_grew_by_a_quarter(worker):
    kept = _until_a_middle_collection_is_due_for_a_full_one()
    collector._old.update(kept=collector._old["pending"])  # grew by as many as it had: due
    full = gc.get_stats()[2]["collections"]
    _cycle()
    assert collector.between_requests() == 2
    assert gc.get_stats()[2]["collections"] == full + 1
    assert collector._old["pending"] == 0
    assert collector._old["kept"] >= collector.OLD * collector.MIDDLE * collector.YOUNG  # counted anew
    del kept


def test_the_served_worker_is_set_up_and_collects_after_each_response(worker, tmp_path):
    """gunicorn.conf.py: ``post_fork`` sets the worker's thresholds, ``post_request`` runs the
    collector after each response."""
    from types import SimpleNamespace

    from csti import create_app

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["post_fork"].__globals__["_return_freed_memory"] = lambda: None  # the test process's malloc as it is
    app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'worker.db'}",
                              "UPLOAD_DIR": str(tmp_path / "uploads"), "SEARCH_DIR": str(tmp_path / "search")})
    gc.set_threshold(700, 10, 10)
    settings["post_fork"](SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app)), None)
    assert gc.get_threshold() == (collector.IN_REQUEST, collector.MIDDLE, collector.OLD)
    kept = [[] for _ in range(collector.YOUNG)]
    collections = gc.get_stats()[0]["collections"]
    settings["post_request"](None, None, {}, None)
    assert gc.get_stats()[0]["collections"] == collections + 1
    assert gc.get_count()[0] < collector.YOUNG
    del kept
