"""A member's own pages about what they follow: "My feed" (/me/feed), the welcome page after
the e-mail confirmation (/welcome), and the logged-in home's blocks (domain.py)."""
from flask import Blueprint

bp = Blueprint("myfeed", __name__)

from . import routes  # noqa: E402,F401
