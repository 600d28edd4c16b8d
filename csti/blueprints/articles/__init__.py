from flask import Blueprint

from ...i18n import lazy_gettext as _l
from ...models.articles import Article
from ...registry import HomeSection, register

bp = Blueprint("articles", __name__)
register(
    "article", Article, "articles.index", feed_endpoint="articles.feed", cached_endpoints=("articles.formats",),
    nav_label=_l("Articles"), nav_order=20, structure_page=True,
    card_facts="articles/_card_facts.html", documents=True,
    home_section=HomeSection("articles", _l("Latest articles"), _l("No article yet."), _l("All articles")))

from . import routes  # noqa: E402,F401
