"""The benchmark (``make bench``): build or reuse the dataset, serve it with gunicorn (2 workers)
on loopback, then for each page measure single-client latency (p50/p95/p99), throughput under
concurrent clients (wrk) and the SQL statements it runs, anonymously then logged in as a member,
and the workers' memory; compare them with the targets and with ``bench/budgets.json``; write
``bench/results/<timestamp>-<db>.json`` and ``.md``.

    python bench/run.py --db sqlite|postgres --scale small|national [--rebuild] [--pages agenda,search]
                        [--anonymous-only] [--check-budgets] [--write-budgets]

Only loopback traffic, bounded in count and time. See bench/README.md.
"""
from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
BUDGETS = ROOT / "bench" / "budgets.json"
VENV_BIN = Path(sys.executable).parent
PG_SERVER = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432")
REUSE_DAYS = 7  # the dataset's dates are relative to the day it was made: older, it is rebuilt

# Targets (national scale, SQLite, 2 workers on 2 cores).
P95_MS = 100
GEOJSON_P95_MS = 300
LIST_RATIO = 0.20
LIST_P50_MS = 10  # list pages and fragments, cold, both passes
LIST_P95_MS = 25
WORKER_MB = 120
SITE_MB = 300
GENERATION_S = 600

sys.path.insert(0, str(ROOT))


@dataclass
class Page:
    name: str
    path: str
    htmx: bool = False
    kind: str = "page"  # page | list | fragment | geojson | feed | health
    result: dict = field(default_factory=dict)
    key: str = ""  # its name in bench/budgets.json when the name varies with the data (a page number)
    cold: bool = True  # False: its cold requests repeat the URL (the API refuses unknown arguments)

    def __post_init__(self):
        self.key = self.key or self.name

    @property
    def headers(self) -> dict:
        return {"HX-Request": "true"} if self.htmx else {}

    def headers_as(self, cookie: str | None) -> dict:
        """The page's headers, with the member's session cookie for the member pass."""
        return {**self.headers, **({"Cookie": cookie} if cookie else {})}


PASSES = ("anonymous", "member")


# --- the dataset --------------------------------------------------------------------------------
def database_url(db: str, scale: str) -> str:
    if db == "sqlite":
        return f"sqlite:///{DATA / f'bench-{scale}.db'}"
    return f"{PG_SERVER}/csti_bench_{scale}"


PAGE_CACHE = {"on": True}  # --no-cache turns it off in the served app


def app_env(db: str, scale: str, count_queries: bool = True) -> dict:
    env = dict(os.environ)
    if not PAGE_CACHE["on"]:
        env["CSTI_PAGE_CACHE_MB"] = "0"
    env.update(CSTI_DATABASE_URL=database_url(db, scale), CSTI_INSTANCE_DIR=str(DATA / f"instance-{scale}-{db}"),
               CSTI_ENV="default", FLASK_APP="wsgi", CSTI_COUNT_QUERIES="1" if count_queries else "0",
               # The bench measures rendering, not the API's rate limiter: the anonymous limit (60
               # requests a minute) would answer the API row's requests with 429 after the first ones.
               CSTI_API_RATE_ANON="100000000")
    env.pop("CSTI_SEARCH_DIR", None)
    env.pop("CSTI_UPLOAD_DIR", None)
    return env


def dataset(db: str, scale: str, rebuild: bool) -> dict:
    """The dataset's report (counts, timings); generated first when missing, stale or asked."""
    from csti.demo.bench import GENERATOR_VERSION

    meta_path = DATA / f"bench-{scale}-{db}.json"
    meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    fresh = (meta and meta.get("generator_version") == GENERATOR_VERSION
             and (time.time() - meta.get("generated_at", 0)) < REUSE_DAYS * 86400)
    if fresh and not rebuild and _database_exists(db, scale):
        print(f"dataset: reusing {scale} on {db} (made {datetime.fromtimestamp(meta['generated_at']):%Y-%m-%d %H:%M})")
        subprocess.run([str(VENV_BIN / "flask"), "db", "upgrade"], cwd=ROOT, env=app_env(db, scale), check=True,
                       capture_output=True)
        subprocess.run([str(VENV_BIN / "flask"), "csti", "analyze"], cwd=ROOT, env=app_env(db, scale), check=True,
                       capture_output=True)  # statistics of what a migration added
        meta["reused"] = True
        return meta
    print(f"dataset: generating {scale} on {db} …", flush=True)
    _drop_database(db, scale)
    shutil.rmtree(DATA / f"instance-{scale}-{db}", ignore_errors=True)
    DATA.mkdir(parents=True, exist_ok=True)
    report = DATA / f"bench-{scale}-{db}.report.json"
    started = time.monotonic()
    subprocess.run([str(VENV_BIN / "flask"), "csti", "seed-bench", "--scale", scale, "--report", str(report)],
                   cwd=ROOT, env=app_env(db, scale), check=True)
    meta = json.loads(report.read_text())
    meta.update(generator_version=GENERATOR_VERSION, generated_at=time.time(),
                wall_seconds=round(time.monotonic() - started, 1), reused=False)
    meta_path.write_text(json.dumps(meta, indent=2))
    report.unlink()
    return meta


def _pg_admin():
    import sqlalchemy as sa

    return sa.create_engine(f"{PG_SERVER}/postgres", isolation_level="AUTOCOMMIT")


def _database_exists(db: str, scale: str) -> bool:
    if db == "sqlite":
        return (DATA / f"bench-{scale}.db").exists()
    import sqlalchemy as sa

    with _pg_admin().connect() as conn:
        return conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"),
                            {"n": f"csti_bench_{scale}"}).first() is not None


def _drop_database(db: str, scale: str) -> None:
    """The bench's own database only (its file in bench/data, or csti_bench_<scale>)."""
    if db == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            (DATA / f"bench-{scale}.db{suffix}").unlink(missing_ok=True)
        return
    name = f"csti_bench_{scale}"
    with _pg_admin().connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        conn.exec_driver_sql(f"CREATE DATABASE {name}")


# --- the server ----------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    def __init__(self, db: str, scale: str, workers: int = 2):
        self.port = free_port()
        self.log = DATA / f"gunicorn-{scale}-{db}.log"
        self.process = subprocess.Popen(
            [str(VENV_BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"), "--workers", str(workers),
             "--bind", f"127.0.0.1:{self.port}",
             "--error-logfile", str(self.log), "wsgi:app"],
            cwd=ROOT, env=app_env(db, scale), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait("/healthz", workers, 90)

    def wait(self, probe: str, workers: int, seconds: float) -> None:
        """Until ``probe`` answers 200 and every worker has started; stopped and refused after
        ``seconds``."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                if request(self.port, probe)[0] == 200 and len(self.workers()) == workers:
                    return
            except OSError:
                pass
            if self.process.poll() is not None:
                raise SystemExit(f"gunicorn stopped: see {self.log}")
            time.sleep(0.3)
        self.stop()
        raise SystemExit(f"gunicorn did not answer within {seconds:.0f} s: see {self.log}")

    def workers(self) -> list[int]:
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text()
                except OSError:
                    continue
                if int(stat.rsplit(")", 1)[1].split()[1]) == self.process.pid:
                    found.append(int(entry.name))
        return sorted(found)

    def memory(self) -> dict:
        def status(pid):
            values = {}
            for name in ("status", "smaps_rollup"):
                for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
                    key, _sep, value = line.partition(":")
                    if key in ("VmRSS", "VmHWM", "Pss"):
                        values[key] = round(int(value.split()[0]) / 1024, 1)
            return {"rss_mb": values.get("VmRSS"), "peak_rss_mb": values.get("VmHWM"), "pss_mb": values.get("Pss")}

        workers = {pid: status(pid) for pid in self.workers()}
        master = status(self.process.pid)
        return {"master": master, "workers": workers,
                "site_rss_mb": round(master["rss_mb"] + sum(w["rss_mb"] for w in workers.values()), 1),
                "site_peak_rss_mb": round(master["peak_rss_mb"] + sum(w["peak_rss_mb"] for w in workers.values()), 1),
                "site_pss_mb": round(master["pss_mb"] + sum(w["pss_mb"] for w in workers.values()), 1)}

    def stop(self):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                self.process.kill()


def request(port: int, path: str, headers: dict | None = None):
    """(status, body bytes, X-Query-Count) — a new connection each time, as gunicorn's sync
    workers close it after every response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        count = response.getheader("X-Query-Count")
        return response.status, body, int(count) if count is not None else None
    finally:
        conn.close()


# --- the member ----------------------------------------------------------------------------------
MEMBER_SQL = """
SELECT u.id, u.email, u.name FROM "user" u JOIN membership m ON m.user_id = u.id
WHERE m.territory_id = (SELECT id FROM territory ORDER BY id LIMIT 1) AND m.role = 'member' AND NOT u.is_admin
ORDER BY (SELECT count(*) FROM follow f WHERE f.follower_id = u.id) DESC, u.id LIMIT 1"""


def bench_member(url: str) -> dict:
    """The member the member pass logs in as: not an administrator, a plain member of the first
    territory, the one of them who follows the most things (the busiest "following" parts)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        row = conn.execute(sa.text(MEMBER_SQL)).one()
        follows = conn.execute(sa.text("SELECT count(*) FROM follow WHERE follower_id = :id"),
                               {"id": row.id}).scalar_one()
    engine.dispose()
    from csti.demo.bench import BENCH_PASSWORD

    return {"id": row.id, "email": row.email, "name": row.name, "password": BENCH_PASSWORD, "follows": follows}


CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def logged_in(body: bytes | str, member: dict) -> bool:
    """A full page as the member shows the logout form and the member's name."""
    import html

    text = body.decode() if isinstance(body, bytes) else body
    return 'action="/logout"' in text and html.escape(member["name"]) in text


def _cookies(response, jar: dict) -> None:
    for header in response.msg.get_all("Set-Cookie") or []:
        name, _sep, rest = header.partition("=")
        value = rest.split(";", 1)[0]
        if value in ("", '""') or "max-age=0" in header.lower() or "expires=thu, 01 jan 1970" in header.lower():
            jar.pop(name.strip(), None)
        else:
            jar[name.strip()] = value


def login(port: int, member: dict) -> str:
    """Log ``member`` in as a browser does (GET /login for the CSRF token and the session
    cookie, POST the form) and return the Cookie header of the session; fail loudly when the
    server does not show the member logged in."""
    from urllib.parse import urlencode

    jar: dict = {}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/login")
        response = conn.getresponse()
        body = response.read().decode()
        _cookies(response, jar)
    finally:
        conn.close()
    token = CSRF.search(body)
    if response.status != 200 or not token:
        raise SystemExit(f"member pass: GET /login answered {response.status} without a csrf_token")
    form = urlencode({"email": member["email"], "password": member["password"], "csrf_token": token.group(1)})
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("POST", "/login", body=form, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        response = conn.getresponse()
        response.read()
        _cookies(response, jar)
    finally:
        conn.close()
    if response.status != 303:
        raise SystemExit(f"member pass: POST /login as {member['email']} answered {response.status}, not 303")
    # The first page after the login shows (and so takes out of the session cookie) its flashed
    # greeting: the cookie it sends back is the one every measured request carries.
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request("GET", "/", headers={"Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
        response = conn.getresponse()
        body = response.read()
        _cookies(response, jar)
    finally:
        conn.close()
    if response.status != 200 or not logged_in(body, member):
        raise SystemExit(f"member pass: / does not show {member['name']} logged in after POST /login")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- the pages -----------------------------------------------------------------------------------
def last_page(body: bytes | str) -> int:
    """The number of pages a list says it has ("Page 1 of N"), 1 when it says nothing."""
    text = body.decode() if isinstance(body, bytes) else body
    found = re.search(r"Page\s+1\s+\S+\s+(\d+)", text)
    return int(found.group(1)) if found else 1


def pages_for(db: str, scale: str, port: int) -> list[Page]:
    """The pages measured on the running server (see ``page_list``)."""
    return page_list(database_url(db, scale), lambda path: last_page(request(port, path)[1]), _app(db, scale))


def page_list(url: str, agenda_pages: Callable[[str], int], app) -> list[Page]:
    """The pages measured, with real items of the dataset at ``url`` (the same ones on every run).
    ``agenda_pages(path)`` says how many pages the agenda list at ``path`` has (asked of the server
    or of a test client); ``app`` says which routes exist (a page whose route does not is skipped)."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        territory = conn.execute(sa.text("SELECT slug FROM territory ORDER BY id LIMIT 1")).scalar_one()
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
        events = conn.execute(sa.text(
            "SELECT c.id, c.slug FROM content c JOIN event e ON e.id = c.id WHERE c.status = 'published' "
            "AND e.starts_at > :now ORDER BY c.id"), {"now": now}).all()
        articles = conn.execute(sa.text(
            "SELECT c.id, c.slug FROM content c WHERE c.kind = 'article' AND c.status = 'published' "
            "AND EXISTS (SELECT 1 FROM comment m WHERE m.content_id = c.id) ORDER BY c.id")).all()
        resources = conn.execute(sa.text(
            "SELECT c.id, c.slug FROM content c JOIN resource r ON r.id = c.id WHERE c.status = 'published' "
            "AND r.lendable AND EXISTS (SELECT 1 FROM booking b WHERE b.resource_id = c.id) ORDER BY c.id")).all()
        tag = conn.execute(sa.text(
            "SELECT t.slug FROM tag t JOIN content_tag ct ON ct.tag_id = t.id GROUP BY t.id, t.slug "
            "ORDER BY count(*) DESC, t.slug LIMIT 1")).scalar_one()
    engine.dispose()
    event, article = events[len(events) // 2], articles[len(articles) // 2]
    # The availability filter over a week two weeks ahead: accepted loans there exclude resources.
    week = datetime.now(UTC).date() + timedelta(days=14)
    available = f"/resources?from={week.isoformat()}&to={(week + timedelta(days=6)).isoformat()}"
    agenda = f"/agenda?territory={territory}&price=free"
    last = agenda_pages(agenda)
    deep = last * 9 // 10 if last >= 10 else last  # the small dataset's agenda has 2 pages
    pages = [
        Page("/healthz", "/healthz", kind="health"),
        Page("instance home", "/", kind="list"),
        Page("territory home", f"/t/{territory}", kind="list"),
        Page("agenda", "/agenda", kind="list"),  # every territory's coming dates: the dates under way first
        Page("agenda filtered, page 1", agenda, kind="list"),
        Page(f"agenda filtered, page {deep}", f"{agenda}&page={deep}", kind="list",
             key="agenda filtered, page 9/10"),
        Page("agenda fragment (htmx)", agenda, htmx=True, kind="fragment"),
        Page("directory filtered", f"/actors?territory={territory}&kind=association", kind="list"),
        Page("directory fragment (htmx)", f"/actors?territory={territory}&kind=association", htmx=True,
             kind="fragment"),
        Page("actor GeoJSON (territory)", f"/actors.geojson?territory={territory}", kind="geojson"),
        Page("agenda GeoJSON (the map's 5 000 points)", "/agenda.geojson", kind="geojson"),
        Page("articles", "/articles", kind="list"),
        Page("event page", f"/event/{event[0]}-{event[1]}"),
        Page("article page", f"/article/{article[0]}-{article[1]}"),
        Page("tag page", f"/tags/{tag}", kind="list"),
        Page("search: astronomie", "/search?q=astronomie", kind="list"),
        Page("search: atelier robotique", "/search?q=atelier+robotique", kind="list"),
        Page("search: exposition climat (events)", "/search?q=exposition+climat&kind=event", kind="list"),
        Page("feed: articles (Atom)", "/articles.atom", kind="feed"),
        Page("feed: tag (Atom)", f"/tags/{tag}.atom", kind="feed"),
        Page("feed: territory agenda (iCal)", f"/t/{territory}/agenda.ics", kind="feed"),
        Page("resources", "/resources", kind="list"),
        Page("resources: kits", "/resources?kind=kit", kind="list"),
        Page("resources: for libraries", "/resources?audience=libraries", kind="list"),
        Page("resources: available on dates", available, kind="list"),
    ]
    if resources:
        resource = resources[len(resources) // 2]
        pages.append(Page("resource page", f"/resource/{resource[0]}-{resource[1]}"))
    # Pages of later work are measured once their route exists (skipped, and said so, until then).
    for name, path in (("partner page: libraries", "/partners/libraries"),):
        if has_route(app, path):
            pages.append(Page(name, path, kind="list"))
        else:
            SKIPPED.append(f"{name} ({path}: no route yet)")
            print(f"{name}: no route {path} yet, skipped")
    api = api_list_path(app)
    if api:
        # The API answers an unknown argument (``_bench``) with 400, and no page cache keeps its
        # answers: its "cold" requests repeat the URL.
        pages.append(Page("API list", api, kind="list", cold=False))
    return pages


_APPS: dict = {}
SKIPPED: list[str] = []  # pages not measured: their route does not exist yet


def _app(db: str, scale: str):
    if (db, scale) not in _APPS:
        os.environ.update({k: v for k, v in app_env(db, scale, count_queries=False).items() if k.startswith("CSTI_")})
        from csti import create_app

        _APPS[db, scale] = create_app()
    return _APPS[db, scale]


def api_list_path(app) -> str | None:
    """The first argument-less GET rule under /api/, once the API exists."""
    rules = sorted(r.rule for r in app.url_map.iter_rules()
                   if r.rule.startswith("/api/") and not r.arguments and "GET" in (r.methods or ()))
    return rules[0] if rules else None


def has_route(app, path: str) -> bool:
    """True when the app has a GET rule for ``path``."""
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method="GET")
    except Exception:  # NotFound, MethodNotAllowed, a redirect
        return False
    return True


# --- measuring -----------------------------------------------------------------------------------
def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    rank = max(0, math.ceil(pct / 100 * len(ordered)) - 1)
    return ordered[rank]


def latency(port: int, page: Page, count: int, budget_s: float, cold: bool = True,
            cookie: str | None = None) -> dict:
    """Sequential requests. ``cold``: each URL is new (an ignored ``_bench`` argument), so every
    request is rendered, none served from the page cache — what a page costs the first time."""
    times, statuses, sizes, queries = [], set(), set(), set()
    started = time.monotonic()
    for i in range(count):
        path = f"{page.path}{'&' if '?' in page.path else '?'}_bench={i}" if cold and page.cold else page.path
        t0 = time.perf_counter()
        status, body, n = request(port, path, page.headers_as(cookie))
        times.append((time.perf_counter() - t0) * 1000)
        statuses.add(status)
        sizes.add(len(body))
        queries.add(n)
        if i >= 19 and time.monotonic() - started > budget_s:
            break
    return {"requests": len(times), "p50_ms": round(percentile(times, 50), 1),
            "p95_ms": round(percentile(times, 95), 1), "p99_ms": round(percentile(times, 99), 1),
            "max_ms": round(max(times), 1), "status": sorted(statuses), "bytes": max(sizes),
            "queries": max(q for q in queries if q is not None) if any(q is not None for q in queries) else None}


UNITS = {"us": 0.001, "ms": 1, "s": 1000, "m": 60000}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()
    return float(number) * UNITS[unit]


def throughput(port: int, page: Page, threads: int, connections: int, seconds: int,
               cookie: str | None = None) -> dict:
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s", "--latency"]
    for key, value in page.headers_as(cookie).items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run(command + [f"http://127.0.0.1:{port}{page.path}"], capture_output=True, text=True,
                            check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))}
    result["requests"] = int(re.search(r"(\d+) requests in", output).group(1))
    for pct in ("50", "99"):
        found = re.search(rf"^\s+{pct}%\s+([\d.]+\w+)", output, re.M)
        result[f"p{pct}_ms"] = round(_ms(found.group(1)), 1) if found else None
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    result["socket_errors"] = sum(map(int, errors.groups())) if errors else 0
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    result["non_2xx"] = int(non_2xx.group(1)) if non_2xx else 0
    return result


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    memory = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME=")), platform.platform())
    import sqlite3

    wrk = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split()[1:2]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gb": round(memory / 1024 / 1024, 1), "os": os_name,
            "python": platform.python_version(), "sqlite": sqlite3.sqlite_version, "wrk": " ".join(wrk)}


def git_state() -> dict:
    def git(*args):
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "--short", "HEAD"), "uncommitted_changes": bool(git("status", "--porcelain"))}


# --- targets and report --------------------------------------------------------------------------
def passes(page: dict) -> dict[str, dict]:
    """A measured page's passes: {"anonymous": {latency, warm, throughput}, "member": {…}} (no
    "member" when the run was ``--anonymous-only``)."""
    found = {"anonymous": {k: page[k] for k in ("latency", "warm", "throughput")}}
    if page.get("member"):
        found["member"] = page["member"]
    return found


def evaluate(pages: list[Page], memory: dict, data: dict, scale: str) -> list[dict]:
    """The targets, each page's per pass (``pass`` None: the server's, not a page's)."""
    health = next(p for p in pages if p.kind == "health").result["throughput"]["rps"]
    checks = []

    def check(target, value, met, pass_=None):
        checks.append({"target": target, "pass": pass_, "value": value, "met": bool(met)})

    for page in pages:
        for name, measured in passes(page.result).items():
            lat = measured["latency"]
            limit = GEOJSON_P95_MS if page.kind == "geojson" else P95_MS
            check(f"{page.name}: p95 ≤ {limit} ms", f"{lat['p95_ms']} ms", lat["p95_ms"] <= limit, name)
            statuses = sorted(set(lat["status"] + measured["warm"]["status"]))
            wrk_errors = measured["throughput"]["non_2xx"] + measured["throughput"]["socket_errors"]
            if statuses != [200] or wrk_errors:  # an error page measured: said only when it happens
                check(f"{page.name}: every response 200", f"statuses {statuses}, wrk errors {wrk_errors}", False,
                      name)
            if page.kind in ("list", "fragment"):
                check(f"{page.name}: median ≤ {LIST_P50_MS} ms", f"{lat['p50_ms']} ms",
                      lat["p50_ms"] <= LIST_P50_MS, name)
                check(f"{page.name}: p95 ≤ {LIST_P95_MS} ms", f"{lat['p95_ms']} ms",
                      lat["p95_ms"] <= LIST_P95_MS, name)
                ratio = measured["throughput"]["rps"] / health
                check(f"{page.name}: throughput ≥ {LIST_RATIO:.0%} of /healthz", f"{ratio:.1%}",
                      ratio >= LIST_RATIO, name)
    for pid, worker in memory["workers"].items():
        check(f"worker {pid}: RSS after the run ≤ {WORKER_MB} MB",
              f"{worker['rss_mb']} MB (peak {worker['peak_rss_mb']} MB)", worker["rss_mb"] <= WORKER_MB)
    # The memory the machine gives the site: shared pages (the code the master loaded before
    # forking the workers) once, not once per process as a sum of RSS would.
    check(f"whole site (master + workers, PSS) ≤ {SITE_MB} MB",
          f"{memory['site_pss_mb']} MB (sum of RSS {memory['site_rss_mb']} MB)", memory["site_pss_mb"] <= SITE_MB)
    if scale == "national" and not data.get("reused"):
        seconds = data["wall_seconds"]
        check(f"dataset generated in ≤ {GENERATION_S // 60} min", f"{seconds:.0f} s", seconds <= GENERATION_S)
    return checks


# --- budgets: the regression check ---------------------------------------------------------------
def load_budgets() -> dict:
    return json.loads(BUDGETS.read_text()) if BUDGETS.exists() else {}


def check_budgets(result: dict, budgets: dict) -> list[dict]:
    """Each page and pass of ``result`` against bench/budgets.json for its scale: at most
    ``queries`` SQL statements and a cold p95 of at most ``p95_ms``. ``over`` is True when it
    goes over, None when the page has no budget at this scale."""
    scale = budgets.get(result["scale"], {}).get("pages", {})
    rows = []
    for page in result["pages"]:
        for name, measured in passes(page).items():
            budget = scale.get(page.get("key") or page["name"], {}).get(name)
            queries, p95 = measured["latency"]["queries"], measured["latency"]["p95_ms"]
            row = {"page": page["name"], "pass": name, "queries": queries, "p95_ms": p95,
                   "max_queries": budget and budget["queries"], "max_p95_ms": budget and budget["p95_ms"]}
            row["over"] = None if budget is None else (
                (queries is not None and queries > budget["queries"]) or p95 > budget["p95_ms"])
            rows.append(row)
    return rows


def budgets_from(result: dict) -> dict:
    """Budgets for ``result``'s scale from its figures: its SQL counts as they are (a statement
    more is a regression to look at), its p95 with room for a machine's noise (×1.5, +5 ms)."""
    pages = {}
    for page in result["pages"]:
        pages[page.get("key") or page["name"]] = {
            name: {"queries": measured["latency"]["queries"],
                   "p95_ms": math.ceil(max(measured["latency"]["p95_ms"] * 1.5, measured["latency"]["p95_ms"] + 5))}
            for name, measured in passes(page).items()}
    return {"source": f"{result['started']}, {result['db']}, page cache {'on' if result['page_cache'] else 'off'}, "
                      f"commit {result['git']['commit']}", "pages": pages}


def write_budgets(budgets: dict) -> None:
    """bench/budgets.json, a line per page (a change to a budget is a one-line diff)."""
    lines = ["{"]
    for i, (scale, entry) in enumerate(budgets.items()):
        lines += [f"  {json.dumps(scale)}: {{", f"    \"source\": {json.dumps(entry['source'], ensure_ascii=False)},",
                  '    "pages": {']
        pages = list(entry["pages"].items())
        lines += [f"      {json.dumps(name, ensure_ascii=False)}: {json.dumps(by_pass)}"
                  + ("," if j < len(pages) - 1 else "") for j, (name, by_pass) in enumerate(pages)]
        lines += ["    }", "  }" + ("," if i < len(budgets) - 1 else "")]
    BUDGETS.write_text("\n".join(lines + ["}"]) + "\n")


def budget_lines(rows: list[dict], scale: str) -> list[str]:
    if not any(r["over"] is not None for r in rows):
        return [f"No budgets for the {scale} scale in bench/budgets.json (`--write-budgets` makes them)."]
    over = [r for r in rows if r["over"]]
    lines = [f"Budgets ({scale} scale, bench/budgets.json): "
             + (f"**{len(over)} over**." if over else "every page within its SQL count and p95."),
             "", "| Page | Pass | SQL (max) | cold p95 ms (max) | Within |", "|---|---|---:|---:|---|"]
    for r in rows:
        if r["over"] is None:
            lines.append(f"| {r['page']} | {r['pass']} | {r['queries']} | {r['p95_ms']} | no budget |")
        else:
            lines.append(f"| {r['page']} | {r['pass']} | {r['queries']} ({r['max_queries']}) | {r['p95_ms']} "
                         f"({r['max_p95_ms']}) | {'**no**' if r['over'] else 'yes'} |")
    return lines


def markdown(result: dict) -> str:
    health = result["pages"][0]["throughput"]["rps"]
    member = result.get("member")
    lines = [
        f"# Benchmark {result['started']} — {result['scale']} dataset, {result['db']}",
        "",
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"{result['machine']['memory_gb']} GB, "
        f"{result['machine']['os']}; Python {result['machine']['python']}, SQLite {result['machine']['sqlite']}, "
        f"wrk {result['machine']['wrk']}. Load average before the run: {result['load_before']}, after: "
        f"{result['load_after']}.",
        f"Server: gunicorn, {result['workers']} sync workers on 127.0.0.1. Latency: {result['settings']['requests']} "
        f"sequential requests per page (at most {result['settings']['budget_s']} s). Throughput: "
        f"`wrk -t{result['settings']['threads']} -c{result['settings']['connections']} "
        f"-d{result['settings']['seconds']}s` on the same machine. Page cache "
        f"{'on' if result['page_cache'] else 'off'}. Commit {result['git']['commit']}"
        f"{' + uncommitted changes' if result['git']['uncommitted_changes'] else ''}.",
        "",
        "Latency is single-client: *cold* requests each ask a new URL (rendered every time, never from the page "
        "cache), *warm* ones repeat the same URL. Throughput: wrk repeating the page's URL with 8 connections.",
        "",
    ]
    if member:
        lines += [f"Each cell: anonymous / logged in as a member ({member['name']}, user {member['id']}, a member "
                  f"of the first territory following {member['follows']} things).", ""]
    else:
        lines += ["Anonymous only (`--anonymous-only`).", ""]
    lines += ["| Page | cold p50 ms | cold p95 ms | cold p99 ms | warm p50 ms | req/s | vs /healthz | SQL | KB |",
              "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]

    def cells(page, fn):
        return " / ".join(fn(m) for m in passes(page).values())

    def rps(m):
        errors = m["throughput"]["non_2xx"] + m["throughput"]["socket_errors"]
        return f"{m['throughput']['rps']:.0f}" + (f" ({errors} errors)" if errors else "")

    columns = [lambda m: str(m["latency"]["p50_ms"]), lambda m: str(m["latency"]["p95_ms"]),
               lambda m: str(m["latency"]["p99_ms"]), lambda m: str(m["warm"]["p50_ms"]), rps,
               lambda m: f"{m['throughput']['rps'] / health:.0%}",
               lambda m: "–" if m["latency"]["queries"] is None else str(m["latency"]["queries"]),
               lambda m: f"{m['latency']['bytes'] / 1024:.0f}"]
    for page in result["pages"]:
        lines.append(f"| {page['name']} | " + " | ".join(cells(page, fn) for fn in columns) + " |")
    memory = result["memory"]
    lines += ["", "Memory after the run — RSS (peak RSS, PSS): " + ", ".join(
        f"worker {pid} {w['rss_mb']} MB ({w['peak_rss_mb']} MB, {w['pss_mb']} MB)"
        for pid, w in memory["workers"].items())
        + f", master {memory['master']['rss_mb']} MB ({memory['master']['pss_mb']} MB); whole site: "
          f"{memory['site_pss_mb']} MB in proportional set size (shared pages counted once), "
          f"{memory['site_rss_mb']} MB as a sum of RSS (shared pages counted in every process)."]
    if result.get("skipped"):
        lines += ["", "Not measured: " + "; ".join(result["skipped"]) + "."]
    data = result["dataset"]
    lines += ["", f"Dataset: {sum(data['counts'].values())} rows, {data['documents']} search documents; "
              + ("reused, " if data.get("reused") else "")
              + f"generated in {data['wall_seconds']:.0f} s (data {data['data_seconds']:.0f} s, search index "
                f"{data['index_seconds']:.0f} s)."]
    # Targets: one row per target, a column per pass (the server's targets span both).
    names = [p for p in PASSES if p == "anonymous" or member]
    rows: dict[str, dict] = {}
    for c in result["targets"]:
        rows.setdefault(c["target"], {})[c["pass"]] = c
    met = sum(c["met"] for c in result["targets"])
    lines += ["", f"Targets: {met} of {len(result['targets'])} met.", "",
              "| Target | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for target, by_pass in rows.items():
        if None in by_pass:
            c = by_pass[None]
            value = f"{c['value']} — {'yes' if c['met'] else '**no**'}"
            lines.append(f"| {target} | " + " | ".join([value] + ["〃"] * (len(names) - 1)) + " |")
        else:
            lines.append(f"| {target} | " + " | ".join(
                f"{by_pass[n]['value']} — {'yes' if by_pass[n]['met'] else '**no**'}" if n in by_pass else "–"
                for n in names) + " |")
    if "budgets" in result:
        lines += [""] + budget_lines(result["budgets"], result["scale"])
    return "\n".join(lines) + "\n"


def measure(port: int, page: Page, args, cookie: str | None = None) -> dict:
    measured = {"latency": latency(port, page, args.requests, args.budget, cookie=cookie),
                "warm": latency(port, page, 30, args.budget, cold=False, cookie=cookie),
                "throughput": throughput(port, page, args.threads, args.connections, args.seconds, cookie=cookie)}
    print(f"{'member' if cookie else 'anonymous'} p95 {measured['latency']['p95_ms']} ms, "
          f"{measured['throughput']['rps']:.0f} req/s, {measured['latency']['queries']} queries; ", end="", flush=True)
    return measured


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--scale", choices=["small", "national"], default="national")
    parser.add_argument("--rebuild", action="store_true", help="generate the dataset even if a fresh one exists")
    parser.add_argument("--requests", type=int, default=100, help="sequential requests per page (latency)")
    parser.add_argument("--budget", type=float, default=20, help="at most this many seconds of them per page")
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per page")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-cache", action="store_true", help="serve with the page cache off")
    parser.add_argument("--pages", default="", help="only the pages whose name contains one of these words (a,b)")
    parser.add_argument("--anonymous-only", action="store_true", help="skip the member pass")
    parser.add_argument("--check-budgets", action="store_true",
                        help="exit with status 1 when a page goes over its budget (bench/budgets.json)")
    parser.add_argument("--write-budgets", action="store_true",
                        help="write this run's figures as the scale's budgets in bench/budgets.json")
    args = parser.parse_args(argv)
    PAGE_CACHE["on"] = not args.no_cache
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    started = datetime.now()
    data = dataset(args.db, args.scale, args.rebuild)
    member = None if args.anonymous_only else bench_member(database_url(args.db, args.scale))
    load_before = [round(x, 2) for x in os.getloadavg()]
    server = Server(args.db, args.scale, args.workers)
    try:
        pages = pages_for(args.db, args.scale, server.port)
        if args.pages:
            words = [w.strip() for w in args.pages.split(",") if w.strip()]
            pages = [p for p in pages if p.kind == "health" or any(w in p.name for w in words)]
        cookie = login(server.port, member) if member else None
        for page in pages:  # warm up: every worker has loaded templates, catalogues and caches
            for who in (None, cookie) if cookie else (None,):
                for _ in range(2 * args.workers):
                    status, body, _count = request(server.port, page.path, page.headers_as(who))
                if status != 200:
                    raise SystemExit(f"{page.path}{' (member)' if who else ''}: HTTP {status}")
                if who and b"<html" in body[:500].lower() and not logged_in(body, member):
                    raise SystemExit(f"{page.path}: the member pass is not logged in (no logout form, no "
                                     f"{member['name']!r})")
        for page in pages:
            print(f"{page.name}: ", end="", flush=True)
            page.result.update(measure(server.port, page, args))
            if cookie:
                page.result["member"] = measure(server.port, page, args, cookie)
            print(flush=True)
        memory = server.memory()
    finally:
        server.stop()
    result = {
        "started": started.strftime("%Y-%m-%d %H:%M"), "db": args.db, "scale": args.scale, "workers": args.workers,
        "page_cache": not args.no_cache,
        "settings": {"requests": args.requests, "budget_s": args.budget, "seconds": args.seconds,
                     "threads": args.threads, "connections": args.connections},
        "machine": machine(), "git": git_state(), "load_before": load_before,
        "load_after": [round(x, 2) for x in os.getloadavg()], "dataset": data, "memory": memory,
        "skipped": SKIPPED,
        "member": member and {k: member[k] for k in ("id", "name", "follows")},
        "pages": [{"name": p.name, "key": p.key, "path": p.path, "htmx": p.htmx, "kind": p.kind, **p.result}
                  for p in pages],
    }
    result["targets"] = evaluate(pages, memory, data, args.scale)
    budgets = load_budgets()
    if args.write_budgets:
        budgets[args.scale] = budgets_from(result)
        write_budgets(budgets)
        print(f"written: {BUDGETS.relative_to(ROOT)} ({args.scale})")
    result["budgets"] = check_budgets(result, budgets)
    RESULTS.mkdir(parents=True, exist_ok=True)
    stem = RESULTS / f"{started:%Y%m%d-%H%M%S}-{args.db}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    print(f"written: {stem.with_suffix('.json').relative_to(ROOT)}, {stem.with_suffix('.md').relative_to(ROOT)}")
    over = [r for r in result["budgets"] if r["over"]]
    if over and args.check_budgets:
        raise SystemExit("over budget: " + "; ".join(
            f"{r['page']} ({r['pass']}): {r['queries']} SQL (max {r['max_queries']}), p95 {r['p95_ms']} ms "
            f"(max {r['max_p95_ms']})" for r in over))


if __name__ == "__main__":
    main()
