"""Documents (PDF and office files) attached to content items — not a content type: a section
of the pages of the types registered ``documents=True`` (docs/architecture.md §3).
``operations.attach_document`` is what the views, the demo data and the tests call."""
from flask import Blueprint

bp = Blueprint("documents", __name__)

from . import routes  # noqa: E402,F401
