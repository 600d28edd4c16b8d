"""Side by side with Indico (``make bench-indico``): issue #20 asks for event and article pages
at least ten times as fast as Indico's event page, on the same events and the same machine.

Installs Indico (``INDICO``, pinned) in a virtualenv of its own (``bench/data/indico/venv``),
gives it the benchmark dataset's first ``--events`` coming events (title, description, dates,
venue, address) in a PostgreSQL database of its own (``csti_bench_indico``: Indico runs on
PostgreSQL only), with one local account; serves Indico, then csti (the dataset on ``--db``),
with gunicorn, 2 sync workers each, one at a time on loopback; measures Indico's event page and
csti's page of the same event and an article page, anonymously and logged in, with
``bench/run.py``'s cold latency and wrk throughput; writes
``bench/results/<timestamp>-indico-<db>.json`` and ``.md``.

    python bench/compare_indico.py --db sqlite|postgres [--events 2000] [--seconds 10] [--requests 100]

Only loopback traffic once Indico is installed (PyPI for the first run). See bench/README.md.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import secrets
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run  # noqa: E402  (bench/run.py: the dataset, the csti server, latency, throughput)

INDICO = "indico==3.2.9"  # the version of the measurement
GUNICORN = "gunicorn==27.0.1"  # the same as requirements.txt
HOME = run.DATA / "indico"
VENV = HOME / "venv"
DATABASE = "csti_bench_indico"
RATIO = 10  # the target: csti's page answers at least 10× Indico's event page's requests a second


# --- Indico: installed, configured, seeded --------------------------------------------------------
def install() -> None:
    """Indico's virtualenv, made once (Indico 3.2 runs on Python 3.9–3.11)."""
    marker = VENV / "installed.txt"
    if marker.exists() and marker.read_text() == f"{INDICO} {GUNICORN}":
        return
    if sys.version_info >= (3, 12):
        raise SystemExit(f"{INDICO} needs Python 3.9 to 3.11; this is {sys.version.split()[0]}")
    shutil.rmtree(VENV, ignore_errors=True)
    print(f"indico: installing {INDICO} in {VENV} …", flush=True)
    subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
    subprocess.run([str(VENV / "bin" / "pip"), "install", "--quiet", "--disable-pip-version-check", INDICO, GUNICORN],
                   check=True)
    marker.write_text(f"{INDICO} {GUNICORN}")


def configure(port: int) -> Path:
    """``indico.conf`` (the fields of Indico's setup wizard), its folders and a kept secret key;
    Indico answers only the host and port of its ``BASE_URL`` (its ``SERVER_NAME``)."""
    for name in ("cache", "tmp", "log", "archive"):
        (HOME / name).mkdir(parents=True, exist_ok=True)
    key = HOME / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_hex(32))
    config = HOME / "indico.conf"
    settings = {
        "SQLALCHEMY_DATABASE_URI": f"{run.PG_SERVER.replace('+psycopg', '')}/{DATABASE}",
        "SECRET_KEY": key.read_text().encode(), "BASE_URL": f"http://127.0.0.1:{port}",
        "CELERY_BROKER": "redis://127.0.0.1:6379/14", "REDIS_CACHE_URL": "redis://127.0.0.1:6379/15",
        "DEFAULT_TIMEZONE": "Europe/Paris", "DEFAULT_LOCALE": "fr_FR", "ENABLE_ROOMBOOKING": False,
        "CACHE_DIR": str(HOME / "cache"), "TEMP_DIR": str(HOME / "tmp"), "LOG_DIR": str(HOME / "log"),
        "STORAGE_BACKENDS": {"default": f"fs:{HOME / 'archive'}"}, "ATTACHMENT_STORAGE": "default",
        "SMTP_SERVER": ("localhost", 25), "SUPPORT_EMAIL": "root@localhost",
        "PUBLIC_SUPPORT_EMAIL": "root@localhost", "NO_REPLY_EMAIL": "noreply@localhost",
        "SYSTEM_NOTICES_URL": None,
    }
    config.write_text("".join(f"{name} = {value!r}\n" for name, value in settings.items()))
    logging = VENV / "lib" / f"python{sys.version_info[0]}.{sys.version_info[1]}" / "site-packages" / "indico"
    shutil.copy(logging / "logging.yaml.sample", HOME / "logging.yaml")
    (HOME / "indico_wsgi.py").write_text("from indico.web.flask.app import make_app\napplication = make_app()\n")
    return config


def indico_env(config: Path) -> dict:
    return {**os.environ, "INDICO_CONFIG": str(config)}


def the_events(db: str, scale: str, count: int) -> list[dict]:
    """The dataset's first ``count`` coming published events (by id), as Indico's seed reads them."""
    import sqlalchemy as sa

    engine = sa.create_engine(run.database_url(db, scale))
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    with engine.connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT c.id, c.slug, c.title, c.body_html, e.starts_at, e.ends_at, e.venue_name, e.address, "
            "e.postcode, e.commune FROM content c JOIN event e ON e.id = c.id WHERE c.status = 'published' "
            "AND e.starts_at > :now ORDER BY c.id LIMIT :count"), {"now": now, "count": count}).all()
    engine.dispose()

    def when(value):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))

    return [{"id": r.id, "slug": r.slug, "title": r.title, "description": r.body_html,
             "start": when(r.starts_at).isoformat(), "end": when(r.ends_at or r.starts_at).isoformat(),
             "venue": r.venue_name, "address": ", ".join(x for x in (r.address, f"{r.postcode} {r.commune}".strip())
                                                        if x)} for r in rows]


def seed(config: Path, db: str, scale: str, count: int, dataset: dict) -> dict:
    """Indico's database with the events, made again when the dataset or the count changed."""
    import sqlalchemy as sa

    state_path = HOME / "seed.json"
    wanted = {"dataset_generated_at": dataset["generated_at"], "db": db, "scale": scale, "count": count,
              "indico": INDICO}
    state = json.loads(state_path.read_text()) if state_path.exists() else {}
    engine = run._pg_admin()
    with engine.connect() as conn:
        exists = conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": DATABASE}).first()
        if exists and {k: state.get(k) for k in wanted} == wanted:
            engine.dispose()
            return state
        print(f"indico: creating {DATABASE} with {count} events …", flush=True)
        if exists:
            conn.execute(sa.text(f'DROP DATABASE "{DATABASE}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{DATABASE}"'))
    engine.dispose()
    database = sa.create_engine(f"{run.PG_SERVER}/{DATABASE}", isolation_level="AUTOCOMMIT")
    with database.connect() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS unaccent"))
    database.dispose()
    env = indico_env(config)
    subprocess.run([str(VENV / "bin" / "indico"), "db", "prepare"], env=env, check=True, capture_output=True)
    events = the_events(db, scale, count)
    done = subprocess.run([str(VENV / "bin" / "python"), str(Path(__file__).with_name("indico_seed.py"))],
                          input=json.dumps(events), env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"indico: creating the events failed:\n{done.stderr[-3000:]}")
    created = json.loads(done.stdout.strip().splitlines()[-1])
    state = {**wanted, "pairs": [[e["id"], e["slug"], i] for e, i in zip(events, created["events"], strict=True)],
             "login": created["login"]}
    state_path.write_text(json.dumps(state))
    return state


class IndicoServer(run.Server):
    """Indico under gunicorn: 2 sync workers, like csti's (``run.Server``'s memory and stop)."""

    def __init__(self, config: Path, port: int, probe: str, workers: int = 2):
        self.port = port
        self.log = HOME / "gunicorn.log"
        self.process = subprocess.Popen(  # in Indico's folder: not csti's gunicorn.conf.py
            [str(VENV / "bin" / "gunicorn"), "--workers", str(workers), "--bind", f"127.0.0.1:{self.port}",
             "--chdir", str(HOME), "--error-logfile", str(self.log), "indico_wsgi:application"],
            cwd=HOME, env=indico_env(config), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.wait(probe, workers, 120)


def indico_login(port: int, login: dict) -> str:
    """Log in with Indico's own form (its CSRF token, its session cookie) and return the Cookie header."""
    jar: dict = {}

    def send(method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        try:
            conn.request(method, path, body=body, headers={
                **(headers or {}), "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items())})
            response = conn.getresponse()
            text = response.read().decode()
            run._cookies(response, jar)
            return response, text
        finally:
            conn.close()

    response, text = send("GET", "/login/")
    fields = {}
    for tag in re.findall(r"<input\b[^>]*>", text):
        attributes = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = unescape(attributes.get("value", ""))
    if "csrf_token" not in fields:
        raise SystemExit(f"Indico's /login/ answered {response.status} without a csrf_token")
    fields.update(identifier=login["identifier"], password=login["password"], _provider="indico")
    response, _text = send("POST", "/login/", urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"})
    if response.status not in (302, 303):
        raise SystemExit(f"Indico's POST /login/ answered {response.status}, not a redirect")
    return "; ".join(f"{k}={v}" for k, v in jar.items())


# --- measuring ------------------------------------------------------------------------------------
def measure(port: int, page: run.Page, args, cookie: str | None, check) -> dict:
    status, body, _n = run.request(port, page.path, page.headers_as(cookie))
    if status != 200 or not check(body):
        raise SystemExit(f"{page.path}{' (logged in)' if cookie else ''}: HTTP {status} or not the expected page")
    for _ in range(4):  # warm up both workers
        run.request(port, page.path, page.headers_as(cookie))
    measured = {"latency": run.latency(port, page, args.requests, args.budget, cookie=cookie),
                "throughput": run.throughput(port, page, args.threads, args.connections, args.seconds, cookie=cookie)}
    print(f"  {page.name}{' (logged in)' if cookie else ''}: p50 {measured['latency']['p50_ms']} ms, "
          f"{measured['throughput']['rps']:.0f} req/s", flush=True)
    return measured


def evaluate(rows: list[dict]) -> list[dict]:
    """For each csti page and pass: its requests a second over Indico's event page's in the same pass."""
    indico = {r["pass"]: r for r in rows if r["site"] == "indico"}
    checks = []
    for row in rows:
        if row["site"] != "csti" or row["pass"] not in indico:
            continue
        base = indico[row["pass"]]
        ratio = row["throughput"]["rps"] / base["throughput"]["rps"]
        speedup = base["latency"]["p50_ms"] / row["latency"]["p50_ms"]
        checks.append({"page": row["page"], "pass": row["pass"], "ratio": round(ratio, 2),
                       "latency_ratio": round(speedup, 2), "met": ratio >= RATIO})
    return checks


def markdown(result: dict) -> str:
    lines = [
        f"# Side by side with Indico, {result['started']} — csti on {result['db']}, Indico {result['indico']} "
        "on PostgreSQL", "",
        f"Machine: {result['machine']['cpu']}, {result['machine']['cores']} cores, "
        f"{result['machine']['memory_gb']} GB, {result['machine']['os']}; Python {result['machine']['python']}, "
        f"wrk {result['machine']['wrk']}. Commit {result['git']['commit']}"
        f"{' + uncommitted changes' if result['git']['uncommitted_changes'] else ''}.",
        f"Both sites: gunicorn, 2 sync workers on 127.0.0.1, served one after the other; csti with its page "
        f"cache off, on its {result['scale']} dataset; Indico with the same dataset's first {result['events']} coming "
        f"events (lectures in one category; title, description, dates, venue, address). Latency: "
        f"{result['settings']['requests']} sequential cold requests (a new URL each time); throughput: "
        f"`wrk -t{result['settings']['threads']} -c{result['settings']['connections']} "
        f"-d{result['settings']['seconds']}s`. Logged in: csti's bench member, Indico's local account.", "",
        "| Site | Page | Pass | cold p50 ms | cold p95 ms | req/s | KB | × Indico's event page (req/s) |",
        "|---|---|---|---:|---:|---:|---:|---:|"]
    ratios = {(c["page"], c["pass"]): c for c in result["checks"]}
    for row in result["rows"]:
        check = ratios.get((row["page"], row["pass"])) if row["site"] == "csti" else None
        lines.append(f"| {row['site']} | {row['page']} | {row['pass']} | {row['latency']['p50_ms']} | "
                     f"{row['latency']['p95_ms']} | {row['throughput']['rps']:.0f} | "
                     f"{row['latency']['bytes'] / 1024:.0f} | {str(check['ratio']) + '×' if check else '–'} |")
    met = sum(c["met"] for c in result["checks"])
    lines += ["", f"Target (issue #20): csti's event and article pages at ≥ {RATIO}× Indico's event page's "
              f"requests a second — {met} of {len(result['checks'])} met.", ""]
    for c in result["checks"]:
        lines.append(f"- {c['page']}, {c['pass']}: {c['ratio']}× the requests a second, "
                     f"{c['latency_ratio']}× faster at the median — {'met' if c['met'] else '**not met**'}")
    memory = result["memory"]
    lines += ["", "Memory after the run (RSS of each worker, site PSS): " + "; ".join(
        f"{site}: " + ", ".join(f"{w['rss_mb']} MB" for w in m["workers"].values()) + f", site {m['site_pss_mb']} MB"
        for site, m in memory.items()) + "."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite", help="csti's database")
    parser.add_argument("--scale", choices=["small", "national"], default="national")
    parser.add_argument("--events", type=int, default=2000, help="events given to Indico")
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--budget", type=float, default=20)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--connections", type=int, default=8)
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is missing: apt-get install -y wrk")
    started = datetime.now()
    run.PAGE_CACHE["on"] = False
    dataset = run.dataset(args.db, args.scale, False)
    install()
    port = run.free_port()
    config = configure(port)
    state = seed(config, args.db, args.scale, args.events, dataset)
    csti_id, csti_slug, indico_id = state["pairs"][len(state["pairs"]) // 2]  # the same event on both sites
    rows, memory = [], {}

    print("Indico:", flush=True)
    page = run.Page("event page", f"/event/{indico_id}/")
    server = IndicoServer(config, port, page.path)
    try:
        cookie = indico_login(server.port, state["login"])
        for who, pass_name in ((None, "anonymous"), (cookie, "logged in")):
            rows.append({"site": "indico", "page": page.name, "pass": pass_name, "path": page.path,
                         **measure(server.port, page, args, who,
                                   lambda body, who=who: b"Camille" in body if who else b"<html" in body)})
        memory["indico"] = server.memory()
    finally:
        server.stop()

    print("csti:", flush=True)
    member = run.bench_member(run.database_url(args.db, args.scale))
    server = run.Server(args.db, args.scale)
    try:
        article = next(p for p in run.pages_for(args.db, args.scale, server.port) if p.name == "article page")
        cookie = run.login(server.port, member)
        for page in (run.Page("event page", f"/event/{csti_id}-{csti_slug}"), article):
            for who, pass_name in ((None, "anonymous"), (cookie, "logged in")):
                rows.append({"site": "csti", "page": page.name, "pass": pass_name, "path": page.path,
                             **measure(server.port, page, args, who,
                                       lambda body, who=who: run.logged_in(body, member) if who else True)})
        memory["csti"] = server.memory()
    finally:
        server.stop()

    result = {"started": started.strftime("%Y-%m-%d %H:%M"), "db": args.db, "scale": args.scale,
              "indico": INDICO.split("==")[1], "events": args.events,
              "settings": {k: getattr(args, k) for k in ("requests", "budget", "seconds", "threads", "connections")},
              "machine": run.machine(), "git": run.git_state(), "rows": rows, "memory": memory}
    result["checks"] = evaluate(rows)
    run.RESULTS.mkdir(parents=True, exist_ok=True)
    stem = run.RESULTS / f"{started:%Y%m%d-%H%M%S}-indico-{args.db}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=2))
    stem.with_suffix(".md").write_text(markdown(result))
    print(markdown(result))
    print(f"written: {stem}.md")


if __name__ == "__main__":
    main()
