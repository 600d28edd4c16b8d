"""The read-only JSON API under ``/api/v1`` and its documentation page ``/api``
(docs/architecture.md §15). Not a content type: nothing to register."""
from flask import Blueprint

from ...errors import answer_under

bp = Blueprint("api", __name__)

from . import routes  # noqa: E402,F401

answer_under("/api/", routes.http_error)
