"""Structured logs: one line per request on the logger ``csti.request``, and every record of the
app (errors and their tracebacks included) carrying the request's id (docs/architecture.md §20).

``CSTI_LOG_FORMAT``: ``json`` (one JSON object per line; the default in production) or ``text``
(the default elsewhere). The request id comes from an incoming ``X-Request-ID`` when it is a sane
token (1 to 64 of ``A-Z a-z 0-9 . _ -``), else it is generated; the response echoes it. The path is
logged without its query string, and a path's ``<token>`` (password resets, unsubscribe links,
survey links) is replaced by ``…``. The user id is the one the request already loaded (never a
query of its own): null for anonymous visitors and for the answers that never looked.
"""
from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
HEADER = "X-Request-ID"
FORMATS = ("json", "text")
request_log = logging.getLogger("csti.request")
_SECRET_ARGS = ("token",)


def request_id_from(header: str | None) -> str:
    """The incoming id when it is a sane token, else a new one (never what a forged header says)."""
    if header and REQUEST_ID.fullmatch(header):
        return header
    return uuid.uuid4().hex


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    return g.get("request_id")


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger, message, the request id,
    the fields passed as ``extra={"csti": {...}}``, and the traceback if any."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id(),
            "pid": record.process,
        }
        entry.update(getattr(record, "csti", None) or {})
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """The usual one-line text, with ``[request id]`` when there is one."""

    def __init__(self):
        super().__init__("%(asctime)s %(levelname)s %(name)s%(rid)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        rid = getattr(record, "request_id", None) or current_request_id()
        record.rid = f" [{rid}]" if rid else ""
        return super().format(record)


def configure_logging(log_format: str) -> None:
    """The root logger's handler (ours, on stderr) with the chosen formatter. A handler someone
    else installed (the test runner's, a logging config file) is left alone."""
    root = logging.getLogger()
    ours = [handler for handler in root.handlers if getattr(handler, "_csti", False)]
    if root.handlers and not ours:
        return
    handler = ours[0] if ours else logging.StreamHandler(sys.stderr)
    handler._csti = True
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    if not ours:
        root.addHandler(handler)
        root.setLevel(logging.INFO)
        logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per plugin, each start


def logged_path() -> str:
    """The request's path, without the query string, a ``<token>`` of the route replaced by ``…``."""
    path = request.path
    args = request.view_args
    if args:
        for name in _SECRET_ARGS:
            value = args.get(name)
            if isinstance(value, str) and value:
                path = path.replace(value, "…")
    # The path is percent-decoded: a %0A would start a forged line in a text log. Control
    # characters are written as escapes (\n, \x1b) in both formats.
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in path):
        path = "".join(c.encode("unicode_escape").decode("ascii") if ord(c) < 0x20 or ord(c) == 0x7F else c
                       for c in path)
    return path


def init_app(app) -> None:
    def _start():
        g.request_id = request_id_from(request.headers.get(HEADER))
        g._request_started = time.perf_counter()

    # First of all: a hook that answers early (the page cache) must not skip it.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)

    @app.after_request
    def _log(response):
        rid = g.get("request_id") or request_id_from(None)
        response.headers[HEADER] = rid
        started = g.get("_request_started")
        user = g.get("_login_user")  # what Flask-Login loaded already: no query of our own
        user_id = getattr(user, "id", None) if getattr(user, "is_authenticated", False) else None
        fields = {
            "method": request.method,
            "path": logged_path(),
            "status": response.status_code,
            "duration_ms": round((time.perf_counter() - started) * 1000, 1) if started else None,
            "user_id": user_id,
            "remote_addr": request.remote_addr,
        }
        request_log.info("%s %s %s", fields["method"], fields["path"], fields["status"],
                         extra={"csti": fields, "request_id": rid})
        return response


def log_format(app) -> str:
    value = (app.config.get("LOG_FORMAT") or "").strip().lower()
    if not value:
        value = "json" if app.config.get("ENV_NAME") == "production" else "text"
    if value not in FORMATS:
        raise RuntimeError(f"CSTI_LOG_FORMAT={app.config.get('LOG_FORMAT')!r}: json or text")
    return value


__all__ = ["JsonFormatter", "TextFormatter", "configure_logging", "current_request_id", "init_app",
           "log_format", "request_id_from"]
