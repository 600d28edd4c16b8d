from flask import Blueprint

bp = Blueprint("sanctions", __name__)

from . import routes  # noqa: E402,F401
