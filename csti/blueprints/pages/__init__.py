from flask import Blueprint

from ...models.pages import Page
from ...registry import register

bp = Blueprint("pages", __name__)
register("page", Page, None)  # editorial pages: no list, no menu entry

from . import routes  # noqa: E402,F401
