from flask import Blueprint

bp = Blueprint("accounts", __name__)

from . import api_keys, routes  # noqa: E402,F401
