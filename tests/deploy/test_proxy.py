"""The deployment run for real on loopback: gunicorn started with gunicorn.conf.py as the systemd
unit starts it (production settings, CSTI_PROXY_FIX=1, a scratch database migrated with
`flask db upgrade`), then nginx and Caddy in front of it with deploy/'s example files rendered
onto loopback ports (tests/deploy/examples.py). Through each proxy: pages come from the app,
static files and uploads from the disk (gunicorn's access log never sees them), documents never,
and the app counts each client by its own address (X-Forwarded-For), not the proxy's.

Cost: about 10 s (one migration, one gunicorn, each proxy started once). Skipped where nginx,
caddy or openssl is missing; `.ci/run` installs them."""
import http.client
import os
import secrets
import ssl
import time

import pytest

from ..databases import scratch_database
from ..needs import ROOT
from ..servers import free_port, gunicorn_command, running
from ..test_migrations import flask_db
from .examples import (
    CADDY,
    NGINX,
    OPENSSL,
    SITE,
    caddy_env,
    render_caddyfile,
    render_nginx,
    self_signed_certificate,
)

RATE = 3  # CSTI_API_RATE_ANON: API requests per minute from one address
# Each proxy's clients come from loopback addresses of their own: the rate-limit counters they
# fill (in the shared database) never meet.
CLIENTS = {"nginx": ("127.0.0.2", "127.0.0.3"), "caddy": ("127.0.0.4", "127.0.0.5")}


def fetch(port, path, *, tls=False, source="127.0.0.1", host=SITE, headers=None):
    if tls:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, source_address=(source, 0),
                                           context=context)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20, source_address=(source, 0))
    try:
        conn.request("GET", path, headers={"Host": host, **(headers or {})})
        response = conn.getresponse()
        return response.status, response.headers, response.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    """gunicorn as in production; yields (root, app port, its access log)."""
    work = tmp_path_factory.mktemp("deploy")
    root = work / "srv"  # stands for /srv/csti
    (root / "instance" / "uploads").mkdir(parents=True)
    (root / "instance" / "documents").mkdir()
    (root / "csti").symlink_to(ROOT / "csti")
    with scratch_database(work, "deploy") as url:
        flask_db(url, root / "instance", "upgrade")
        port = free_port()
        (work / "empty.env").write_text("")
        env = {k: v for k, v in os.environ.items() if not k.startswith("CSTI_")}
        env.update({"HOST": "127.0.0.1", "PORT": str(port), "WORKERS": "1", "FLASK_SKIP_DOTENV": "1",
                    "CSTI_ENV_FILE": str(work / "empty.env"), "CSTI_ENV": "production", "CSTI_SERVER_NAME": SITE,
                    "CSTI_PROXY_FIX": "1", "CSTI_SECRET_KEY": secrets.token_hex(16), "CSTI_DATABASE_URL": url,
                    "CSTI_INSTANCE_DIR": str(root / "instance"), "CSTI_API_RATE_ANON": str(RATE)})
        log = work / "gunicorn-access.log"
        with running(gunicorn_command("--access-logfile", str(log)), "gunicorn",
                     lambda: fetch(port, "/healthz")[0] == 200, log=work / "gunicorn.err", env=env, stop_within=15):
            yield root, port, log


@pytest.fixture(scope="module", params=["nginx", "caddy"])
def proxy(request, app_server, tmp_path_factory):
    """The proxy in the foreground; yields (name, a fetch function through it)."""
    root, app_port, _ = app_server
    work = tmp_path_factory.mktemp(request.param)
    port = free_port()
    if request.param == "nginx":
        if not NGINX or not OPENSSL:
            pytest.skip("nginx (or openssl) is not installed")
        cert, key = self_signed_certificate(work)
        conf = render_nginx(root, work, app_port=app_port, http_port=free_port(), https_port=port,
                            cert=cert, key=key)
        command, env, tls = [NGINX, "-c", str(conf), "-e", str(work / "error.log"), "-g", "daemon off;"], None, True
    else:
        if not CADDY:
            pytest.skip("caddy is not installed")
        conf = render_caddyfile(root, work, app_port=app_port, port=port)
        command, env, tls = [CADDY, "run", "--adapter", "caddyfile", "--config", str(conf)], caddy_env(work), False

    def through(path, **kwargs):
        return fetch(port, path, tls=tls, **kwargs)

    with running(command, request.param, lambda: through("/healthz")[0] == 200, log=work / "proxy.err", env=env,
                 stop_within=15):
        yield request.param, through


def app_saw(log, path, since=0, wait=0.0):
    """Whether gunicorn's access log, from byte `since` on, has a request for path (gunicorn
    writes the line once the response is sent: wait up to `wait` seconds for it)."""
    deadline = time.monotonic() + wait
    while True:
        if any(f" {path} HTTP/" in line for line in log.read_bytes()[since:].decode().splitlines()):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def test_pages_come_from_the_app(app_server, proxy):
    _, _, log = app_server
    _, through = proxy
    status, headers, body = through("/")
    assert status == 200 and b"<html" in body
    assert headers["Content-Security-Policy"]  # the app's headers come through
    assert app_saw(log, "/", wait=5)


def test_static_files_come_from_the_disk(app_server, proxy):
    _, _, log = app_server
    _, through = proxy
    since = log.stat().st_size
    status, _, body = through("/static/css/csti.css")
    assert status == 200 and body == (ROOT / "csti" / "static" / "css" / "csti.css").read_bytes()
    through("/healthz")  # a request the app logs after it: the log is written up to here
    assert app_saw(log, "/healthz", since, wait=5) and not app_saw(log, "/static/css/csti.css", since)


def test_uploads_are_served_at_media_by_the_proxy(app_server, proxy):
    root, _, log = app_server
    name, through = proxy
    content = secrets.token_bytes(256)
    (root / "instance" / "uploads" / f"{name}.png").write_bytes(content)
    since = log.stat().st_size
    status, headers, body = through(f"/media/{name}.png")
    assert status == 200 and body == content
    assert "sandbox" in headers["Content-Security-Policy"]
    through("/healthz")
    assert app_saw(log, "/healthz", since, wait=5)
    assert not app_saw(log, f"/media/{name}.png", since)
    assert through(f"/media/{name}-missing.png")[0] == 404


def test_documents_are_never_served_by_the_proxy(app_server, proxy):
    root, _, _ = app_server
    name, through = proxy
    secret = secrets.token_hex(16).encode()
    (root / "instance" / "documents" / f"{name}.txt").write_bytes(secret)
    for path in (f"/media/../documents/{name}.txt", f"/media/%2e%2e/documents/{name}.txt",
                 f"/media/..%2fdocuments/{name}.txt", f"/media../documents/{name}.txt",
                 f"/static/../../instance/documents/{name}.txt", f"/documents/{name}.txt",
                 f"/instance/documents/{name}.txt", f"/media/{name}.txt"):
        status, _, body = through(path)
        assert secret not in body, path
        assert status in (400, 403, 404), (path, status)
    assert through(f"/media/{name}.png")[0] in (200, 404)  # the test's paths reach the upload directory


def test_each_client_is_counted_by_its_own_address(proxy):
    """The API's anonymous rate limit counts requests per client address: through the proxy the
    app must see each client's address (X-Forwarded-For, trusted by CSTI_PROXY_FIX=1), not the
    proxy's, and a client must not choose its address by sending that header itself."""
    name, through = proxy
    first, second = CLIENTS[name]
    for _ in range(RATE):
        assert through("/api/v1/territories", source=first)[0] == 200
    assert through("/api/v1/territories", source=first)[0] == 429
    assert through("/api/v1/territories", source=first, headers={"X-Forwarded-For": "198.51.100.7"})[0] == 429
    assert through("/api/v1/territories", source=second)[0] == 200
