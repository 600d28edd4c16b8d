"""One structured line per request, with a request id a client may give but never forge into
the log (docs/architecture.md §20)."""
import io
import json
import logging
from contextlib import contextmanager

import pytest
from webtest import TestApp
from werkzeug.test import create_environ, run_wsgi_app

from csti.requestlog import JsonFormatter, TextFormatter
from tests.conftest import isolated
from tests.test_hosts import make_app  # noqa: F401 — the fixture


@pytest.fixture
def log_lines():
    """What the root logger writes during the test, through the JSON formatter, line by line."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    lines = []

    def read(logger=None):
        lines[:] = [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]
        return [line for line in lines if logger is None or line["logger"] == logger]

    yield read
    root.removeHandler(handler)
    root.setLevel(level)


@contextmanager
def text_log():
    """Yield a stream that receives what ``csti.request`` logs meanwhile, through the text formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(TextFormatter())
    logger = logging.getLogger("csti.request")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)


def test_a_request_logs_one_json_line_and_echoes_its_id(testapp, log_lines):
    page = testapp.get("/healthz?secret=abc", headers={"X-Request-ID": "edge-42.a_b"})
    assert page.headers["X-Request-ID"] == "edge-42.a_b"
    [line] = log_lines("csti.request")
    assert line["request_id"] == "edge-42.a_b"
    assert line["level"] == "INFO"
    assert line["method"] == "GET" and line["path"] == "/healthz" and line["status"] == 200
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] is None and line["remote_addr"] == "127.0.0.1"
    assert isinstance(line["pid"], int) and line["time"].endswith("+00:00")
    assert "secret" not in json.dumps(line)  # the query string is never logged


def test_without_a_header_an_id_is_generated_each_time(testapp, log_lines):
    first = testapp.get("/healthz").headers["X-Request-ID"]
    second = testapp.get("/healthz").headers["X-Request-ID"]
    assert first != second and len(first) == 32
    assert [line["request_id"] for line in log_lines("csti.request")] == [first, second]


def test_a_logged_in_member_is_logged_by_id(testapp, factory, log_in, log_lines):
    user = factory.user()
    log_in(testapp, user)
    testapp.get("/")
    line = log_lines("csti.request")[-1]
    assert line["path"] == "/" and line["user_id"] == user.id


def test_a_token_in_the_path_is_not_logged(testapp, log_lines):
    testapp.get("/reset/SECRETTOKEN123", expect_errors=True)
    [line] = log_lines("csti.request")
    assert "SECRETTOKEN123" not in json.dumps(line)
    assert line["path"] == "/reset/…"


@pytest.mark.parametrize("forged", ["two words", "line\nbreak", "x" * 65, "a;b", "é"])
def test_a_forged_request_id_is_replaced(app, db, log_lines, forged):
    """Spaces, line breaks (log injection) or too long: a generated id instead, in the log and
    the response."""
    environ = create_environ("/healthz", environ_base={"REMOTE_ADDR": "127.0.0.1"})
    environ["HTTP_X_REQUEST_ID"] = forged
    _body, _status, headers = run_wsgi_app(isolated(app), environ, buffered=True)
    echoed = headers["X-Request-ID"]
    assert echoed != forged and len(echoed) == 32 and echoed.isalnum()
    [line] = log_lines("csti.request")
    assert line["request_id"] == echoed


def test_an_unhandled_error_is_logged_with_its_traceback_and_request_id(make_app, log_lines):  # noqa: F811
    other = make_app()

    @other.get("/ops-test-boom")
    def boom():
        raise RuntimeError("ops test explosion")

    page = TestApp(isolated(other), extra_environ={"REMOTE_ADDR": "127.0.0.1"}).get(
        "/ops-test-boom", headers={"X-Request-ID": "boom-1"}, status=500)
    assert page.headers["X-Request-ID"] == "boom-1"
    [error] = [line for line in log_lines() if line["level"] == "ERROR"]
    assert error["request_id"] == "boom-1"
    assert "RuntimeError: ops test explosion" in error["exception"] and "Traceback" in error["exception"]
    [request_line] = log_lines("csti.request")
    assert request_line["status"] == 500 and request_line["request_id"] == "boom-1"


def test_the_text_format_names_the_request_id(testapp):
    with text_log() as stream:
        testapp.get("/healthz", headers={"X-Request-ID": "text-1"})
    assert "[text-1]" in stream.getvalue() and "GET /healthz 200" in stream.getvalue()


def test_log_format_defaults_and_refuses_nonsense(make_app):  # noqa: F811
    assert make_app().config["LOG_FORMAT"] == "text"
    assert make_app(LOG_FORMAT="JSON").config["LOG_FORMAT"] == "json"
    with pytest.raises(RuntimeError, match="CSTI_LOG_FORMAT"):
        make_app(LOG_FORMAT="xml")


def test_the_client_address_is_the_one_after_proxy_fix(make_app, log_lines):  # noqa: F811
    other = make_app(PROXY_FIX="1")
    TestApp(isolated(other), extra_environ={"REMOTE_ADDR": "10.0.0.1"}).get(
        "/healthz", headers={"X-Forwarded-For": "203.0.113.7"})
    [line] = log_lines("csti.request")
    assert line["remote_addr"] == "203.0.113.7"


def test_a_newline_in_the_path_never_starts_a_forged_line(testapp):
    """The path is logged percent-decoded: %0A must be written as an escape in the text format
    (the JSON format escapes it anyway), never as a line of the attacker's choosing."""
    with text_log() as stream:
        testapp.get("/no-such-page%0A2026-12-04 INFO csti.request [x] GET /admin 200%1B[2J", expect_errors=True)
    written = stream.getvalue()
    assert written.count("\n") == 1 and "\x1b" not in written
    assert "/no-such-page\\n2026-12-04 INFO" in written and "\\x1b[2J" in written
