from flask import Blueprint

bp = Blueprint("actors", __name__)

from . import routes  # noqa: E402,F401
