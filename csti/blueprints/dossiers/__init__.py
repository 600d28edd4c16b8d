from flask import Blueprint

bp = Blueprint("dossiers", __name__)

from . import routes  # noqa: E402,F401
