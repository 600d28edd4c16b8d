"""Embeddable widgets (docs/architecture.md §18): the agenda and the news as light pages another
site shows in an ``<iframe>`` — the only pages that may be framed (``csti.security``), that set
no cookie and are kept in the page cache — and the "Embed" page that makes their code."""
from flask import Blueprint

bp = Blueprint("embed", __name__)

from . import routes  # noqa: E402,F401
