from flask import Blueprint

bp = Blueprint("discussion", __name__)

from . import routes  # noqa: E402,F401
