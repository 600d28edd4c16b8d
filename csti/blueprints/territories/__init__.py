from flask import Blueprint

bp = Blueprint("territories", __name__)

from . import routes  # noqa: E402,F401
