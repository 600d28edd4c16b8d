"""Mail notifications: each member's choices (/me/mail), the unsubscribe link, immediate mails
and digests (operations.py; docs/architecture.md §3)."""
from flask import Blueprint

bp = Blueprint("mailprefs", __name__)

from . import routes  # noqa: E402,F401
