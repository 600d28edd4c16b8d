"""The garbage collector of a served worker: young objects collected between requests, not in
the middle of one (docs/architecture.md §26).

CPython collects its youngest generation every 700 new container objects, and a page makes
thousands: a request's rows, dicts and template contexts, alive at that instant, were moved to
the older generations, then freed as the request ended. The old generation's "pending" count
grew by thousands a request, and a full collection — every object the worker keeps, 110 000 to
150 000 once warm, walked in 35–90 ms — ran about every half second under load (the benchmark:
78 and 124 full collections, 3.4 and 4.8 s of each worker's time). Between requests nearly
nothing young is alive but what a cache kept, so a collection there promotes only what lives on.

``worker_started`` (gunicorn's ``post_fork``) raises the automatic threshold so that only a
request holding tens of thousands of new objects (a map's 5 000 points, an import) collects in
its course; ``between_requests`` (``post_request``, after the response went out) collects as
CPython chooses — the youngest generation past ``YOUNG`` objects, the middle one once more than
``MIDDLE`` young collections were made since its last, a full collection once more than ``OLD``
middle ones were and the old generation grew by a quarter — but at a moment when the request's
own objects are gone. For gunicorn's sync workers, one request at a time (with threads, other
requests would still be under way).
"""
from __future__ import annotations

import gc

IN_REQUEST = 50_000  # the automatic threshold inside a request (CPython's: 700)
YOUNG = 700  # new container objects left alive between requests before a young collection
MIDDLE = 10  # young collections per middle one (CPython's own threshold)
OLD = 10  # middle collections per full one (CPython's own threshold)
# CPython's own rule for a full collection: only once the objects moved to the old generation
# since the last one are at least a quarter of those it kept then (a full collection walks
# them all; the worker keeps what it caches).
OLD_SHARE = 4

_old = {"kept": 0, "pending": 0}  # objects kept by the last full collection; moved there since


def worker_started() -> None:
    gc.set_threshold(IN_REQUEST, MIDDLE, OLD)
    _old.update(kept=0, pending=0)


def between_requests() -> int | None:
    """Collect what CPython would have by now, at the end of a request: the generation
    collected, or None. CPython's own choice (``collect_generations``): the oldest generation
    whose count is over its threshold, the old one only when the quarter rule allows."""
    young, middle, old = gc.get_count()
    if young <= YOUNG:
        return None
    if old > OLD and _old["pending"] >= _old["kept"] // OLD_SHARE:
        gc.collect(2)
        _old.update(kept=len(gc.get_objects(2)), pending=0)
        return 2
    if middle > MIDDLE:
        # What the middle collection moves to the old generation: its survivors.
        moving = len(gc.get_objects(0)) + len(gc.get_objects(1))
        moving -= gc.collect(1)
        _old["pending"] += max(0, moving)
        return 1
    gc.collect(0)
    return 0
