"""``bench/compare_indico.py``'s judgement on made-up figures: each csti page and pass is set
against Indico's event page in the same pass (its requests a second, the issue's ≥ 10×), and the
report says which are met. Not the measurement itself: Indico is installed by the benchmark only."""
import importlib.util
import sys

from . import ROOT, bench_run


def compare():
    bench_run()  # ``import run`` in the script finds the same module
    sys.modules.setdefault("run", sys.modules["bench_run"])
    if "bench_compare_indico" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_compare_indico", ROOT / "bench" / "compare_indico.py")
        module = importlib.util.module_from_spec(spec)
        sys.modules["bench_compare_indico"] = module
        spec.loader.exec_module(module)
    return sys.modules["bench_compare_indico"]


def _row(site, page, pass_, rps, p50):
    return {"site": site, "page": page, "pass": pass_, "path": "/",
            "latency": {"p50_ms": p50, "p95_ms": p50 * 2, "bytes": 2048}, "throughput": {"rps": rps}}


ROWS = [_row("indico", "event page", "anonymous", 30, 40), _row("indico", "event page", "logged in", 20, 50),
        _row("csti", "event page", "anonymous", 300, 4), _row("csti", "event page", "logged in", 150, 8),
        _row("csti", "article page", "anonymous", 299, 4.1)]


def test_each_csti_page_is_set_against_indico_s_event_page_in_the_same_pass():
    checks = {(c["page"], c["pass"]): c for c in compare().evaluate(ROWS)}
    assert set(checks) == {("event page", "anonymous"), ("event page", "logged in"), ("article page", "anonymous")}
    assert checks["event page", "anonymous"]["ratio"] == 10 and checks["event page", "anonymous"]["met"]
    assert checks["event page", "anonymous"]["latency_ratio"] == 10
    assert checks["event page", "logged in"]["ratio"] == 7.5 and not checks["event page", "logged in"]["met"]
    assert not checks["article page", "anonymous"]["met"]  # 9.97×: just under


def test_a_pass_indico_was_not_measured_in_is_not_judged():
    checks = compare().evaluate([r for r in ROWS if not (r["site"] == "indico" and r["pass"] == "logged in")])
    assert {c["pass"] for c in checks} == {"anonymous"}


def test_the_report_says_what_is_met():
    module = compare()
    workers = {"workers": {"1": {"rss_mb": 100.0}}, "site_pss_mb": 150.0}
    result = {"started": "2026-12-06 08:00", "db": "sqlite", "scale": "national", "indico": "3.2.9", "events": 2000,
              "settings": {"requests": 100, "budget": 20, "seconds": 10, "threads": 2, "connections": 8},
              "machine": {"cpu": "cpu", "cores": 2, "memory_gb": 24, "os": "Debian", "python": "3.11", "wrk": "4"},
              "git": {"commit": "abc", "uncommitted_changes": False}, "rows": ROWS,
              "memory": {"indico": workers, "csti": workers}}
    result["checks"] = module.evaluate(ROWS)
    text = module.markdown(result)
    assert "1 of 3 met" in text
    assert "| indico | event page | anonymous | 40 | 80 | 30 | 2 | – |" in text
    assert "| csti | event page | logged in | 8 | 16 | 150 | 2 | 7.5× |" in text
    assert "- event page, anonymous: 10.0× the requests a second, 10.0× faster at the median — met" in text
    assert "- event page, logged in: 7.5× the requests a second, 6.25× faster at the median — **not met**" in text
