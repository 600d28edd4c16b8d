"""``bench/run.py``'s budget check on a made-up run: a page over its SQL count or its p95 is
flagged, a page within is not, a page without a budget is said to have none; and the budgets a
run writes hold every page of both passes."""
from . import bench_run


def _page(name, queries, p95, member=True):
    measured = {"latency": {"queries": queries, "p95_ms": p95, "p50_ms": p95 / 2, "p99_ms": p95, "bytes": 1000,
                            "status": [200]},
                "warm": {"p50_ms": 1, "status": [200]},
                "throughput": {"rps": 100, "non_2xx": 0, "socket_errors": 0}}
    page = {"name": name, "key": name, "path": "/", "kind": "list", **measured}
    if member:
        page["member"] = measured
    return page


def _result(*pages):
    return {"scale": "small", "db": "sqlite", "started": "2026-12-05 00:00", "page_cache": False,
            "git": {"commit": "abc"}, "pages": list(pages)}


def test_over_budget_is_flagged():
    run = bench_run()
    budgets = {"small": {"pages": {
        "a": {"anonymous": {"queries": 10, "p95_ms": 20}, "member": {"queries": 12, "p95_ms": 20}},
        "b": {"anonymous": {"queries": 10, "p95_ms": 20}}}}}
    rows = run.check_budgets(_result(_page("a", 11, 5), _page("b", 10, 21, member=False), _page("c", 1, 1)), budgets)
    over = {(r["page"], r["pass"]): r["over"] for r in rows}
    assert over == {("a", "anonymous"): True, ("a", "member"): False, ("b", "anonymous"): True,
                    ("c", "anonymous"): None, ("c", "member"): None}
    rows = run.check_budgets(_result(_page("a", 10, 20)), budgets)
    assert not any(r["over"] for r in rows)
    assert run.check_budgets(_result(_page("a", 99, 99)), {})[0]["over"] is None  # no budgets at this scale


def test_written_budgets_hold_both_passes():
    run = bench_run()
    written = run.budgets_from(_result(_page("a", 7, 10), _page("b", 3, 2, member=False)))
    assert written["pages"] == {"a": {"anonymous": {"queries": 7, "p95_ms": 15}, "member": {"queries": 7, "p95_ms": 15}},
                                "b": {"anonymous": {"queries": 3, "p95_ms": 7}}}
    assert not any(r["over"] for r in run.check_budgets(_result(_page("a", 7, 10)), {"small": written}))
