"""What the API reads from the query string — each list's known parameters, ISO dates, ids, the
page size and the cursor — and its JSON errors. Anything it cannot read is a 400 naming the
parameter at fault; nothing unread reaches a query."""
from __future__ import annotations

import json
from datetime import UTC, date, datetime, time, timedelta

from flask import current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from ...bounds import parse_id, year_in_range
from ...dates import local_zone

DEFAULT_LIMIT, MAX_LIMIT = 20, 100
CURSOR_SALT = "csti.api.cursor"
CORS_HEADERS = {"Access-Control-Allow-Origin": "*"}


class ApiError(Exception):
    """An error answered as ``{"error": {"status", "code", "message"[, "parameter"]}}``."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.parameter = status, code, message, parameter


def bad(parameter: str, message: str) -> ApiError:
    return ApiError(400, "bad_parameter", message, parameter)


def error_response(status: int, code: str, message: str, parameter: str | None = None, headers=None):
    body = {"status": status, "code": code, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    response = current_app.response_class(json.dumps({"error": body}, ensure_ascii=False) + "\n", status=status,
                                          mimetype="application/json")
    response.headers.update(CORS_HEADERS)
    response.headers["Cache-Control"] = "no-store"
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


# --- the query string ---------------------------------------------------------------------------
class Args:
    """The query string of one request, checked against the parameters its endpoint knows: an
    unknown one, or one given twice, is refused before anything runs."""

    def __init__(self, known):
        self.known = frozenset(known)
        for name in request.args:
            if name not in self.known:
                raise bad(name, f"Unknown parameter {name!r}; this endpoint knows: "
                                f"{', '.join(sorted(self.known)) or 'none'}.")
            if len(request.args.getlist(name)) > 1:
                raise bad(name, f"Parameter {name!r} is given more than once.")

    def text(self, name: str, max_length: int = 200) -> str | None:
        value = request.args.get(name)
        if value is None:
            return None
        value = "".join(c for c in value if c.isprintable()).strip()
        if not value:
            raise bad(name, f"Parameter {name!r} is empty.")
        if len(value) > max_length:
            raise bad(name, f"Parameter {name!r} is longer than {max_length} characters.")
        return value

    def choice(self, name: str, allowed) -> str | None:
        value = self.text(name, 60)
        if value is not None and value not in allowed:
            raise bad(name, f"Parameter {name!r} must be one of: {', '.join(sorted(allowed))}.")
        return value

    def id(self, name: str) -> int | None:
        value = request.args.get(name)
        if value is None:
            return None
        number = parse_id(value)
        if number is None:
            raise bad(name, f"Parameter {name!r} must be a positive whole number (an id).")
        return number

    def date(self, name: str) -> date | None:
        value = request.args.get(name)
        if value is None:
            return None
        try:
            day = date.fromisoformat(value.strip())
        except ValueError:
            raise bad(name, f"Parameter {name!r} must be an ISO date (YYYY-MM-DD).") from None
        if not year_in_range(day):
            raise bad(name, f"Parameter {name!r} is out of the years the site holds.")
        return day

    def datetime(self, name: str) -> datetime | None:
        value = request.args.get(name)
        if value is None:
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
        except ValueError:
            raise bad(name, f"Parameter {name!r} must be an ISO 8601 date-time "
                            "(e.g. 2026-05-01T12:00:00Z; without an offset, UTC).") from None
        if not year_in_range(moment):
            raise bad(name, f"Parameter {name!r} is out of the years the site holds.")
        return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).astimezone(UTC)

    def limit(self) -> int:
        value = request.args.get("limit")
        if value is None:
            return DEFAULT_LIMIT
        number = parse_id(value)
        if number is None or number > MAX_LIMIT:
            raise bad("limit", f"Parameter 'limit' must be a whole number from 1 to {MAX_LIMIT}.")
        return number


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the site's time zone, in UTC."""
    return datetime.combine(day, time(0), tzinfo=local_zone()).astimezone(UTC)


def day_after(day: date) -> datetime:
    return day_start(day + timedelta(days=1))


# --- cursors ------------------------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CURSOR_SALT)


def make_cursor(list_name: str, values: list) -> str:
    """An opaque, signed cursor: the list it belongs to and the last item's sort values."""
    return _serializer().dumps([list_name, *values])


def read_cursor(list_name: str, shape: tuple) -> list | None:
    """The values of the request's ``cursor`` for ``list_name``; each must have the type
    ``shape`` gives (``"datetime"``, ``"datetime?"``, ``"str"``, ``"int"``). A forged, truncated,
    foreign or absurd cursor is a 400."""
    raw = request.args.get("cursor")
    if raw is None:
        return None
    try:
        data = _serializer().loads(raw)
    except (BadSignature, ValueError, UnicodeError):
        raise bad("cursor", "Parameter 'cursor' is not a cursor this list gave.") from None
    if not (isinstance(data, list) and len(data) == len(shape) + 1 and data[0] == list_name):
        raise bad("cursor", "Parameter 'cursor' belongs to another list.")
    values = []
    for kind, value in zip(shape, data[1:], strict=True):
        try:
            values.append(_typed(kind, value))
        except (TypeError, ValueError):
            raise bad("cursor", "Parameter 'cursor' is not a cursor this list gave.") from None
    return values


def _typed(kind: str, value):
    if kind.endswith("?") and value is None:
        return None
    kind = kind.rstrip("?")
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or parse_id(value) is None:
            raise ValueError(value)
        return value
    if kind == "str":
        if not isinstance(value, str) or len(value) > 300:
            raise ValueError(value)
        return value
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or not year_in_range(moment):
            raise ValueError(value)
        return moment.astimezone(UTC)
    raise ValueError(kind)
