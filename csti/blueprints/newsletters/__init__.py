from flask import Blueprint

bp = Blueprint("newsletters", __name__)

from . import routes  # noqa: E402,F401
