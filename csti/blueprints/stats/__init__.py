"""Statistics: a territory's figures for its animators (/t/<slug>/stats), the instance's and
every territory's for the administrators (/admin/stats); SVG charts with their tables, CSV."""
from flask import Blueprint

bp = Blueprint("stats", __name__)

from . import routes  # noqa: E402,F401
