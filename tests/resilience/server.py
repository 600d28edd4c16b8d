"""A real gunicorn (``gunicorn.conf.py``, its preloading master and forked workers) on a free
loopback port against a scratch database, for the resilience tests: the workers' pids (to kill
or measure them), a logged-in HTTP client per member (a session cookie signed with the server's
key, as the login form would set it), a CSRF token read from a page."""
import os
import re
import sys
import threading
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path

import httpx

from .. import concurrency
from ..needs import ROOT
from ..servers import free_port, gunicorn_command, running

SECRET = "resilience-secret"
BIN = Path(sys.executable).parent


def make_app(url, folder, **overrides):
    """The test process's own app on the same database, files and key as the server."""
    return concurrency.make_app(url, folder, **{"SECRET_KEY": SECRET, **overrides})


def server_env(url, folder, **extra):
    """The environment of a production-like process (``CSTI_ENV=default``, page cache on)."""
    env_file = Path(folder) / "empty.env"
    env_file.touch()
    env = {key: value for key, value in os.environ.items() if not key.startswith(("CSTI_", "FLASK_"))}
    env.update({"CSTI_ENV": "default", "CSTI_ENV_FILE": str(env_file), "FLASK_APP": "wsgi",
                "FLASK_SKIP_DOTENV": "1", "CSTI_DATABASE_URL": url, "CSTI_INSTANCE_DIR": str(folder),
                "CSTI_SECRET_KEY": SECRET, "CSTI_UPLOAD_DIR": str(Path(folder) / "uploads"),
                "CSTI_SEARCH_DIR": str(Path(folder) / "search"), "CSTI_MAIL_BACKEND": "locmem",
                "CSTI_API_RATE_ANON": "1000000", "CSTI_SPAM_BURST_MAX": "1000", **extra})
    return env


def children(pid: int) -> list[int]:
    """The live child processes of ``pid`` (gunicorn's workers), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def rss_kb(pid: int) -> int:
    """Resident memory of ``pid`` in KiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


class Answers:
    """The answers concurrent clients got, counted under a lock: ``answers`` by outcome (a
    status), and ``wrong``, what was said of the answers out of what was expected (the first
    ``keep`` of them)."""

    def __init__(self, keep: int | None = None):
        self.lock = threading.Lock()
        self.answers = Counter()
        self.wrong = []
        self.keep = keep

    def count(self, outcome, wrong=None):
        with self.lock:
            self.answers[outcome] += 1
            if wrong is not None and (self.keep is None or len(self.wrong) < self.keep):
                self.wrong.append(wrong)


def noting_errors(target, errors, *args):
    """Run ``target(*args)`` (in a client thread); what it raises is appended to ``errors``, for the test to report."""
    try:
        target(*args)
    except BaseException as error:  # noqa: BLE001 — reported by the test
        errors.append(f"{target.__name__}: {error!r}")


class Server:
    def __init__(self, process, port, log):
        self.process, self.port, self.log = process, port, log
        self.base = f"http://127.0.0.1:{port}"

    def workers(self) -> list[int]:
        return children(self.process.pid)

    def wait_workers(self, count: int = 2, timeout: float = 60) -> list[int]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pids = self.workers()
            if len(pids) == count:
                return pids
            time.sleep(0.05)
        raise AssertionError(f"gunicorn has {self.workers()} workers, not {count}:\n{self.log_text()}")

    def log_text(self) -> str:
        return Path(self.log).read_text(errors="replace")[-6000:]


DYING_CONFIG = """# gunicorn.conf.py, and a worker that dies right after committing some writes (tests only)
import os, signal
__file__ = {conf!r}
exec(compile(open(__file__).read(), __file__, "exec"))
_post_fork = post_fork
TOKENS = {tokens!r}
MODELS = ("Registration", "Booking")


def post_fork(server, worker):
    _post_fork(server, worker)
    from flask import has_request_context, request
    from sqlalchemy import event
    from sqlalchemy.orm import Session

    @event.listens_for(Session, "after_flush")
    def _note(session, context):
        if any(type(o).__name__ in MODELS for o in [*session.new, *session.dirty]):
            session.info["resilience_write"] = True

    @event.listens_for(Session, "after_commit")
    def _die(session):
        if not (session.info.pop("resilience_write", False) and has_request_context()):
            return
        for name in sorted(os.listdir(TOKENS)):
            if request.path.endswith("/" + name.rsplit("-", 1)[0]):
                try:
                    os.remove(os.path.join(TOKENS, name))
                except FileNotFoundError:
                    continue
                os.kill(os.getpid(), signal.SIGKILL)  # committed; the answer is never sent
"""


def dying_config(folder, **deaths) -> tuple[Path, Path]:
    """A gunicorn config: ``gunicorn.conf.py``, plus workers that SIGKILL themselves just after
    the commit of a registration or loan written by a request whose path ends with a key of
    ``deaths`` (``register=3``: the first three). Returns (config, the folder of the deaths left)."""
    tokens = Path(folder) / "deaths"
    tokens.mkdir(exist_ok=True)
    for action, count in deaths.items():
        for n in range(count):
            (tokens / f"{action}-{n}").touch()
    config = Path(folder) / "gunicorn-dying.conf.py"
    config.write_text(DYING_CONFIG.format(conf=str(ROOT / "gunicorn.conf.py"), tokens=str(tokens)))
    return config, tokens


@contextmanager
def gunicorn(url, folder, workers: int = 2, config="gunicorn.conf.py", **extra):
    """Start gunicorn, wait until it answers, yield a Server; stop it (SIGTERM) at the end."""
    port = free_port()
    log = Path(folder) / f"gunicorn-{port}.log"
    env = server_env(url, folder, HOST="127.0.0.1", PORT=str(port), WORKERS=str(workers), **extra)
    base = f"http://127.0.0.1:{port}"
    command = gunicorn_command("--timeout", "60", "--no-control-socket", config=config)
    with running(command, "gunicorn", lambda: httpx.get(base + "/robots.txt", timeout=5).status_code < 500,
                 log=log, env=env, seconds=90, pause=0.2, stop_within=30) as process:
        server = Server(process, port, log)
        server.wait_workers(workers)
        yield server


def session_cookie(app, user: int) -> tuple[str, str]:
    """(name, value) of a session cookie logging the user of id ``user`` in (a server-side session opened in the
    database, its id signed into Flask's cookie), as the login form sets it. Commits."""
    from csti.extensions import db

    [session_id] = concurrency.open_sessions(app, [user]).values()
    with app.app_context():
        value = app.session_interface.get_signing_serializer(app).dumps({"_user_id": session_id, "_fresh": True})
        db.session.remove()
    return app.config["SESSION_COOKIE_NAME"], value


class Browser:
    """An HTTP client keeping its cookies as a browser does for one site (httpx's jar would keep
    the cookie given at the start apart from the one the server sets for 127.0.0.1)."""

    def __init__(self, server, cookie=None, timeout: float = 30):
        self.http = httpx.Client(base_url=server.base, timeout=timeout, headers={"Accept-Language": "fr"})
        self.cookies = dict([cookie]) if cookie else {}

    def request(self, method, path, follow_redirects=False, **kwargs) -> httpx.Response:
        for _ in range(10):
            headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}
            response = self.http.request(method, path, headers=headers, **kwargs)
            for name, value in response.cookies.items():
                self.cookies[name] = value
            if not (follow_redirects and response.is_redirect):
                return response
            method, path, kwargs = "GET", response.headers["location"], {}
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, follow_redirects=True, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def client(server, cookie=None, timeout: float = 30) -> Browser:
    return Browser(server, cookie, timeout)


TOKEN = (re.compile(r'name="csrf_token"[^>]*value="([^"]+)"'),
         re.compile(r'value="([^"]+)"[^>]*name="csrf_token"'),
         re.compile(r'"X-CSRFToken"\s*:\s*"([^"]+)"'))


def csrf_token(html: str) -> str:
    for pattern in TOKEN:
        found = pattern.search(html)
        if found:
            return found.group(1)
    raise AssertionError("no CSRF token in the page")
