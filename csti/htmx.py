"""One URL, full page or fragment (docs/architecture.md §5).

``render(template, block=...)`` renders the whole page, or — for an htmx request that is not
a history restore — only the named block of the same template (jinja2-fragments), or an
explicit fragment template. ``Vary: HX-Request`` keeps caches from mixing the two.
"""
from flask import get_flashed_messages, make_response, redirect, render_template, request, session, url_for
from jinja2_fragments.flask import render_block

from .urls import safe_next


def is_htmx() -> bool:
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def render(template: str, block: str | None = None, fragment: str | None = None,
           status: int = 200, **context):
    """Full page normally; for htmx, ``fragment`` template or ``block`` of ``template``."""
    if is_htmx() and fragment:
        body = render_template(fragment, **context)
    elif is_htmx() and block:
        body = render_block(template, block, **context)
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response


def flashes_out_of_band(response):
    """After an htmx request whose answer is swapped in (2xx but 204, and 422), show the messages
    it flashed: a fragment does not render base.html's message region, so they would otherwise
    wait in the session and appear on the next page, out of place. They go out of band into
    ``#live-messages`` (its content replaced, a polite live region). Redirects and answers htmx
    does not swap (``HX-Redirect``, errors) keep them for the page that comes next."""
    if (not is_htmx() or not session.get("_flashes") or response.mimetype != "text/html"
            or response.direct_passthrough
            or not (200 <= response.status_code < 300 and response.status_code != 204
                    or response.status_code == 422)
            or {"HX-Redirect", "HX-Location", "HX-Refresh"} & set(response.headers.keys())):
        return response
    messages = get_flashed_messages(with_categories=True)
    response.set_data(response.get_data() + render_template("_flashes.html", messages=messages).encode())
    return response


def back(default_endpoint: str = "main.index", **values):
    """Redirect (303) to ``next`` if it is a local URL, else to the default endpoint."""
    target = safe_next(request.values.get("next")) or safe_next(request.referrer, allow_absolute_same_host=True)
    return redirect(target or url_for(default_endpoint, **values), code=303)


def login_needed():
    """Flask-Login's unauthorized handler. A page: the usual redirect to the log-in form. An
    htmx request (a Register button clicked after the session expired): the log-in page must
    not be swapped into the button's box, so tell htmx to go there (``HX-Redirect``) and come
    back to the page the visitor was on."""
    from flask import flash
    from flask_login import login_url

    from .i18n import gettext as _

    current = safe_next(request.headers.get("HX-Current-URL"), allow_absolute_same_host=True)
    target = login_url("accounts.login", next_url=current or request.full_path)
    if is_htmx():
        flash(_("Please log in to see this page."), "info")
        response = make_response("", 401)
        response.headers["HX-Redirect"] = target
        return response
    flash(_("Please log in to see this page."), "info")
    return redirect(target)
