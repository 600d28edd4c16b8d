"""My feed (/me/feed) and the welcome page (/welcome): a member's pages, never cached (the page
cache keeps anonymous pages of its own list of endpoints only, csti/pagecache.py)."""
from flask import request, url_for
from flask_login import current_user, login_required

from ...htmx import render
from ...listing import multi
from . import bp
from .domain import feed_page, feed_types, reasons, structure_suggestions, tag_suggestions, territory_suggestions

PER_PAGE = 20
MAX_PAGE = 10_000


@bp.get("/me/feed")
@login_required
def index():
    """The published items from what the member follows, newest first, filtered by kind
    (``?kind=``, repeated); the ``results`` block for htmx (docs/architecture.md §5)."""
    user = current_user._get_current_object()
    types = feed_types()
    kinds = multi(request.args, "kind", [t.kind for t in types])
    number = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
    page = feed_page(user, kinds, number, PER_PAGE)
    return render("myfeed/index.html", block="results", page=page, why=reasons(user, page.items),
                  types=types, kinds=kinds, follows_url=follows_url(),
                  page_url=lambda n: url_for("myfeed.index", page=n, kind=kinds or None))


@bp.get("/welcome")
@login_required
def welcome():
    """After the e-mail confirmation: a short welcome and what to follow — the territories,
    the structures nearby and most followed, the most used tags —, each with its follow button."""
    user = current_user._get_current_object()
    return render("myfeed/welcome.html", territories=territory_suggestions(user),
                  structures=structure_suggestions(user), tags=tag_suggestions(user))


def follows_url() -> str | None:
    """``/me/follows`` (what the member follows, another page of the site) when it is served."""
    from flask import current_app
    from werkzeug.exceptions import HTTPException
    from werkzeug.routing import RequestRedirect

    try:
        current_app.url_map.bind_to_environ(request.environ).match("/me/follows", method="GET")
    except (HTTPException, RequestRedirect):
        return None
    return "/me/follows"
