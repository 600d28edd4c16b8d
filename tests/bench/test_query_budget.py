"""The benchmark's SQL budgets (bench/budgets.json, issue #20), kept by a test: the small dataset
(``flask csti seed-bench --scale small`` into a file of its own), every page the benchmark
measures — the same list, ``bench/run.py``'s ``page_list`` — requested anonymously and logged in
as the benchmark's member through the test client, and each page's ``X-Query-Count`` at most the
small scale's budget. Not timed: the render-time budget is checked by the benchmark itself
(``bench/run.py --check-budgets``)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from csti import create_app
from csti.extensions import db as _db
from csti.querycount import HEADER

from . import ROOT, bench_run

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')

pytestmark = pytest.mark.slow  # about a minute: the dataset is generated


@pytest.fixture(scope="module")
def bench_site(tmp_path_factory):
    """The small dataset in a SQLite file of its own, with its instance folder."""
    folder = tmp_path_factory.mktemp("bench")
    url = f"sqlite:///{folder / 'bench-small.db'}"
    env = {**os.environ, "FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_INSTANCE_DIR": str(folder),
           "CSTI_DATABASE_URL": url, "CSTI_SEARCH_DIR": str(folder / "search"),
           "CSTI_UPLOAD_DIR": str(folder / "uploads")}
    result = subprocess.run([str(Path(sys.executable).parent / "flask"), "csti", "seed-bench", "--scale", "small"],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return folder, url


@pytest.fixture
def bench_app(app, bench_site):
    folder, url = bench_site
    bench = create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "SEARCH_DIR": str(folder / "search"),
                                "UPLOAD_DIR": str(folder / "uploads"), "COUNT_QUERIES": True, "PAGE_CACHE_MB": 0})
    yield bench
    with bench.app_context():
        _db.session.remove()
        _db.engine.dispose()


def _login(client, member):
    page = client.get("/login")
    token = CSRF.search(page.get_data(as_text=True))
    response = client.post("/login", data={"email": member["email"], "password": member["password"],
                                           "csrf_token": token.group(1) if token else ""})
    assert response.status_code == 303, f"login as {member['email']}: {response.status_code}"
    client.get("/")  # takes the flashed greeting out of the session, as in the benchmark


def test_pages_stay_within_their_sql_budget(bench_app, bench_site):
    run = bench_run()
    budgets = json.loads((ROOT / "bench" / "budgets.json").read_text())["small"]["pages"]
    _folder, url = bench_site
    anonymous, member_client = bench_app.test_client(), bench_app.test_client()

    def agenda_pages(path):
        return run.last_page(anonymous.get(path).data)

    pages = {page.key: page for page in run.page_list(url, agenda_pages, bench_app)}
    assert set(budgets) <= set(pages), f"budgets of pages the benchmark no longer measures: {set(budgets) - set(pages)}"
    member = run.bench_member(url)
    _login(member_client, member)
    failures, counts = [], {}
    for key, by_pass in budgets.items():
        page = pages[key]
        for pass_, client in (("anonymous", anonymous), ("member", member_client)):
            if pass_ not in by_pass:
                continue
            # No User-Agent, as the benchmark's clients (http.client, wrk): no visit is counted.
            headers = {**page.headers, "User-Agent": ""}
            client.get(page.path, headers=headers)  # the first request of a page fills caches
            response = client.get(page.path, headers=headers)
            if response.status_code != 200:
                failures.append(f"{key} ({pass_}): HTTP {response.status_code}")
                continue
            body = response.get_data(as_text=True)
            if pass_ == "member" and "<html" in body[:500].lower():
                assert run.logged_in(body, member), f"{key}: the member is not logged in"
            count = int(response.headers[HEADER])
            counts[key, pass_] = count
            if count > by_pass[pass_]["queries"]:
                failures.append(f"{key} ({pass_}, {page.path}): {count} SQL statements, budget "
                                f"{by_pass[pass_]['queries']}")
    assert not failures, "over the SQL budget (bench/budgets.json, small):\n" + "\n".join(failures)
    assert counts  # something was checked
