from flask import abort, current_app, redirect, request, send_file, send_from_directory, session, url_for
from flask_login import current_user
from sqlalchemy import func, select, text

from ...datacache import remember
from ...extensions import db
from ...htmx import render
from ...models import PUBLISHED, Content, Membership, Territory
from ...urls import safe_next
from . import bp


@bp.get("/")
def index():
    territories = Territory.by_name()
    members, contents = remember("home-counts", _territory_counts)
    from ...homes import sections_html
    from ...theming import accents_version

    return render("main/index.html", territories=territories, members=members, contents=contents,
                  accents_version=accents_version(territories), **_member_blocks(), home_sections_html=sections_html())


def _territory_counts() -> tuple[dict, dict]:
    """Members and public published items per territory: two GROUP BY over whole tables, kept
    until the data changes (csti/datacache.py) — each from an index alone: (territory_id) and
    content's (status, territory_id, published_at, members_only), 40 ms at national scale where
    reading each item's row for members_only (past its body) took 650 ms."""
    members = dict(db.session.execute(
        select(Membership.territory_id, func.count(Membership.id)).group_by(Membership.territory_id)
    ).all())
    contents = dict(db.session.execute(
        select(Content.territory_id, func.count())
        .where(Content.status == PUBLISHED, Content.public_clause()).group_by(Content.territory_id)
    ).all())
    return members, contents


def _member_blocks() -> dict:
    """A logged-in member's blocks before the public sections: the latest of their feed and
    their next registrations (never cached: the page cache keeps anonymous pages only)."""
    if not current_user.is_authenticated:
        return {}
    from ..myfeed.domain import latest, next_registrations, reasons
    from ..myfeed.routes import follows_url

    user = current_user._get_current_object()
    feed = latest(user)
    return {"member_feed": feed, "member_why": reasons(user, feed), "follows_url": follows_url(),
            "member_registrations": next_registrations(user)}


@bp.get("/lang/<code>")
def set_language(code):
    """Switch the interface language; remembered on the account when logged in."""
    if code not in current_app.config["LANGUAGES"]:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated and current_user.locale != code:
        from ...database import write_transaction

        with write_transaction(db.session):
            current_user.locale = code
            db.session.commit()
    return redirect(safe_next(request.args.get("next")) or url_for("main.index"), code=303)




@bp.get("/healthz")
def healthz():
    """``ok`` once the database answers; ``?deep=1``: every dependency, as JSON (csti/health.py)."""
    if request.args.get("deep") in ("1", "true", "yes"):
        from flask import jsonify

        from ...health import deep_health

        report = deep_health()
        response = jsonify(report)
        response.status_code = 200 if report["status"] == "ok" else 503
        response.headers["Cache-Control"] = "no-store"
        return response
    db.session.execute(text("SELECT 1"))
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.get("/media/<path:path>")
def media(path):
    """Uploaded files (a reverse proxy can serve CSTI_UPLOAD_DIR directly instead). On S3-compatible
    storage (csti/storage.py): a redirect to CSTI_S3_PUBLIC_URL when set (links written into texts
    keep working), else the object read through the app."""
    from ...storage import _clean, storage

    store = storage()
    if store.kind != "local" and _clean(path) is None:
        abort(404)
    if store.kind == "local":
        response = send_from_directory(current_app.config["UPLOAD_DIR"], path, max_age=7 * 24 * 3600)
    elif store.url(path):
        response = redirect(store.url(path), code=302)  # the public URL may change one day
    else:
        try:
            stream = store.open(path)
        except OSError:  # the bucket does not answer
            current_app.logger.warning("could not read %s from the storage", path, exc_info=True)
            abort(503)
        if stream is None:
            abort(404)
        response = send_file(stream, mimetype="image/webp" if path.endswith(".webp") else None,
                             download_name=path.rsplit("/", 1)[-1], max_age=7 * 24 * 3600, etag=False)
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
