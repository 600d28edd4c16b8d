from flask import Blueprint

bp = Blueprint("projects", __name__)

from . import routes  # noqa: E402,F401
