from flask import Blueprint

bp = Blueprint("announcements", __name__)

from . import routes  # noqa: E402,F401
