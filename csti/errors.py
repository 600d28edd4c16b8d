"""Error pages (HTML, or a small fragment for htmx requests)."""
from flask import render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from .extensions import db
from .i18n import gettext as _


def _messages():
    return {
        400: (_("Bad request"), _("The request could not be understood. Please check what you sent and try again.")),
        403: (_("Access denied"), _("You do not have permission to do this.")),
        404: (_("Page not found"), _("This page does not exist or is no longer available.")),
        405: (_("Method not allowed"), _("This address does not accept this kind of request.")),
        413: (_("File too large"), _("What you sent is too large. Please send a smaller file.")),
        422: (_("Invalid data"), _("Some of the data you sent is not valid.")),
        429: (_("Too many attempts"), _("Too many attempts. Please wait a few minutes before trying again.")),
        500: (_("Server error"), _("Something went wrong on our side. The error has been logged; please try again later.")),
    }


# (path prefix, handler(code, error) -> response): where errors are not pages (the API's JSON).
_ANSWERED_UNDER: list = []


def answer_under(prefix: str, handler) -> None:
    """Errors of the requests whose path starts with ``prefix`` — unknown paths and wrong methods
    too, which no blueprint sees — are answered by ``handler(code, error)`` (the API, §15)."""
    if (prefix, handler) not in _ANSWERED_UNDER:
        _ANSWERED_UNDER.append((prefix, handler))


def _answered_under(code, error):
    for prefix, handler in _ANSWERED_UNDER:
        if request.path.startswith(prefix):
            return handler(code, error)
    return None


def render_error(code, description=None):
    title, message = _messages().get(code, (str(code), ""))
    template = "errors/_error.html" if request.headers.get("HX-Request") == "true" else "errors/error.html"
    return render_template(template, code=code, title=title, message=description or message), code


def init_app(app):
    @app.errorhandler(CSRFError)
    def _csrf(error):
        special = _answered_under(400, error)
        if special is not None:
            return special
        return render_error(400, _("Your form has expired or was not sent by this site. "
                                   "Please reload the page and try again."))

    @app.errorhandler(HTTPException)
    def _http(error):
        if error.code is None or error.code < 400:
            return error
        special = _answered_under(error.code, error)
        if special is not None:
            return special
        custom = getattr(error, "csti_message", None)
        return render_error(error.code, custom)

    @app.errorhandler(Exception)
    def _unexpected(error):
        if isinstance(error, HTTPException):
            return _http(error)
        app.logger.exception("Unhandled error")
        db.session.rollback()
        special = _answered_under(500, error)
        if special is not None:
            return special
        return render_error(500)


def fail(code: int, message: str | None = None):
    """Abort with ``code`` and a message written for people (shown on the error page)."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code]()
    error.csti_message = message
    raise error
