from flask import Blueprint
from flask_babel import lazy_gettext as _l

from ...models.articles import Article
from ...registry import register

bp = Blueprint("articles", __name__)
register(
    "article", Article, "articles.index", feed_endpoint="articles.feed", cached_endpoints=("articles.formats",),
    nav_label=_l("Articles"), nav_order=20, structure_page=True, home_section="articles")

from . import routes  # noqa: E402,F401
