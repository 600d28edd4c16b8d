"""csti — the application factory."""
import logging
import os
import re
import secrets
import sys
from collections import ChainMap
from pathlib import Path

from flask import Flask, Request, g, has_request_context, request, session
from flask.templating import Environment
from flask_babel import get_locale
from flask_login import current_user

from config import CONFIGS

from .extensions import babel, csrf, db, login_manager, mail


class CstiRequest(Request):
    from .urls import BoundedArgs as parameter_storage_class


class _TemplateGlobals(ChainMap):
    """A template's globals (Jinja's ChainMap of its own over the environment's) whose ``keys()``
    is the environment's own ``dict_keys`` when the template has none of its own — nearly always.
    Each ``{% import %}`` asks which of the page's globals the macro file lacks
    (``Template._get_default_module``): a set minus a ChainMap's keys tests each name through
    every map (60 names, 30 imports a page: 2 ms of a list page); minus ``dict_keys``, in C."""

    def keys(self):
        return self.maps[1].keys() if len(self.maps) == 2 and not self.maps[0] else super().keys()


class CstiEnvironment(Environment):
    def make_globals(self, d):
        return _TemplateGlobals(d if d is not None else {}, self.globals)


class CstiFlask(Flask):
    request_class = CstiRequest
    jinja_environment = CstiEnvironment

    def create_url_adapter(self, request):
        """With a configured ``SERVER_NAME``, external URLs built during a request use it (Flask
        does) and ``PREFERRED_URL_SCHEME`` (Flask would take the request's scheme: http when TLS
        ends at a proxy)."""
        adapter = super().create_url_adapter(request)
        if request is not None and adapter is not None and self.config.get("SERVER_NAME"):
            adapter.url_scheme = self.config["PREFERRED_URL_SCHEME"]
        return adapter


def create_app(config=None, overrides=None):
    """Build the app. ``config`` is a config name ("default", "test", "production"; else
    ``CSTI_ENV``), a config object, or a dict of overrides applied on top of ``CSTI_ENV``'s
    class; ``overrides`` is applied last."""
    app = CstiFlask(__name__, instance_path=os.environ.get("CSTI_INSTANCE_DIR") or None,
                instance_relative_config=True)
    name = config if isinstance(config, str) else os.environ.get("CSTI_ENV", "default")
    app.config.from_object(CONFIGS[name]())
    if isinstance(config, dict):
        app.config.update(config)
    elif config is not None and not isinstance(config, str):
        app.config.from_object(config)
    if overrides:
        app.config.update(overrides)

    _finish_config(app)
    from .urls import DatabaseIntConverter

    app.url_map.converters["int"] = DatabaseIntConverter  # before any route is added
    register_extensions(app)
    register_blueprints(app)
    register_request_hooks(app)
    register_template_helpers(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def _finish_config(app):
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config.get("SECRET_KEY"):
        key_file = instance / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
    if not app.config.get("SQLALCHEMY_DATABASE_URI"):
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'csti.db'}"
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("postgres://") or uri.startswith("postgresql://"):
        # psycopg 3 is the driver we ship.
        app.config["SQLALCHEMY_DATABASE_URI"] = "postgresql+psycopg://" + uri.split("://", 1)[1]
    for key, sub in (("UPLOAD_DIR", "uploads"), ("SEARCH_DIR", "search"), ("DOCUMENT_DIR", "documents")):
        if not app.config.get(key):
            app.config[key] = str(instance / sub)
        # Documents are private (served by the app to those who may see them): the directory is
        # made for its owner alone, out of reach of the proxy's user who reads the uploads.
        Path(app.config[key]).mkdir(mode=0o700 if key == "DOCUMENT_DIR" else 0o777, parents=True, exist_ok=True)
    if not app.config.get("BACKUP_DIR"):
        app.config["BACKUP_DIR"] = str(instance / "backups")  # made by the first backup
    uploads, documents = (Path(app.config[k]).resolve() for k in ("UPLOAD_DIR", "DOCUMENT_DIR"))
    if documents == uploads or uploads in documents.parents:
        # /media/ (or the reverse proxy) serves UPLOAD_DIR to anybody: a draft's documents would leak.
        raise RuntimeError("CSTI_DOCUMENT_DIR must not be inside CSTI_UPLOAD_DIR (served publicly at /media/)")
    _check_hosts(app.config)
    from .storage import check_config

    check_config(app.config)
    _warn_without_mail_server(app.config)
    from .requestlog import configure_logging, log_format

    app.config["LOG_FORMAT"] = log_format(app)
    configure_logging(app.config["LOG_FORMAT"])


_SERVER_NAME = re.compile(r"[a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?::[0-9]{1,5})?|\[[0-9a-f:.]+\](?::[0-9]{1,5})?")


def _warn_without_mail_server(config):
    """Production without a mail server still starts (a first install is tried before its mail is
    set up), but says loudly that confirmations and password resets only reach the log."""
    if config.get("ENV_NAME") == "production" and config.get("MAIL_BACKEND") == "console":
        logging.getLogger("csti").warning(
            "CSTI_MAIL_SERVER is not set: mails (e-mail confirmations, password resets, registrations) "
            "are written to the log, not sent; set CSTI_MAIL_SERVER (and CSTI_MAIL_PORT, "
            "CSTI_MAIL_USERNAME, CSTI_MAIL_PASSWORD, CSTI_MAIL_USE_TLS) to send them")


def _check_hosts(config):
    """Absolute URLs come from SERVER_NAME and PREFERRED_URL_SCHEME, requests must name a trusted
    host, and production will not start without a server name (links in mails would otherwise
    follow whatever Host a request claims)."""
    from config import parse_proxy_fix

    server_name = (config.get("SERVER_NAME") or "").strip().lower() or None
    if server_name is not None and not _SERVER_NAME.fullmatch(server_name):
        raise RuntimeError(f"CSTI_SERVER_NAME={config['SERVER_NAME']!r}: give the site's host name "
                           "(and port if not the standard one), e.g. csti.example.org — no scheme, no path")
    config["SERVER_NAME"] = server_name
    scheme = (config.get("PREFERRED_URL_SCHEME") or "").strip().lower()
    if scheme not in ("http", "https"):
        raise RuntimeError(f"CSTI_URL_SCHEME={config.get('PREFERRED_URL_SCHEME')!r}: http or https")
    config["PREFERRED_URL_SCHEME"] = scheme
    if config.get("ENV_NAME") == "production" and server_name is None:
        raise RuntimeError("CSTI_SERVER_NAME is not set: in production (CSTI_ENV=production) set it to the "
                           "site's public host name, e.g. CSTI_SERVER_NAME=csti.example.org (and "
                           "CSTI_URL_SCHEME, https by default); links in mails and feeds are built from it")
    if config.get("TRUST_ANY_HOST"):
        config["TRUSTED_HOSTS"] = None
    elif not config.get("TRUSTED_HOSTS") and server_name is not None:
        config["TRUSTED_HOSTS"] = [server_name.rsplit(":", 1)[0] if not server_name.endswith("]")
                                   else server_name]
    config["PROXY_FIX"] = parse_proxy_fix(config.get("PROXY_FIX"))


def register_extensions(app):
    from .database import configure_postgresql, configure_sqlite, end_reading, is_sqlite

    db.init_app(app)
    with app.app_context():
        engine = db.engine  # created, not connected: safe before gunicorn forks
        if is_sqlite(engine):
            configure_sqlite(engine, app.config["SQLITE_BUSY_TIMEOUT_MS"])
        elif engine.dialect.name == "postgresql":
            configure_postgresql(engine)

            # When the application context ends (a request's, a command's), just before
            # Flask-SQLAlchemy removes the session (teardown functions run in reverse order):
            # not at a request's end, whose session may live on in an outer context (a test's,
            # a command rendering a mail in ``test_request_context``).
            @app.teardown_appcontext
            def _end_reading(exc):
                if exc is None:
                    try:
                        end_reading(db.session())
                    except Exception:  # noqa: BLE001 — the page is made: roll back, as without it
                        app.logger.exception("ending a reading transaction failed")
                        db.session.rollback()
    if "gunicorn" not in sys.modules:
        # `flask db …` (Flask-Migrate, Alembic) from the command line and the tests; a served
        # worker never migrates, and not importing them spares it 11 MB.
        from flask_migrate import Migrate

        Migrate(app, db, directory=str(Path(__file__).parent.parent / "migrations"), render_as_batch=True,
                compare_type=True)
    csrf.init_app(app)
    mail.init_app(app)
    from .catalogues import ensure_compiled

    ensure_compiled(app)  # before Flask-Babel reads BABEL_TRANSLATION_DIRECTORIES
    babel.init_app(app, locale_selector=select_locale)
    login_manager.init_app(app)
    login_manager.login_view = "accounts.login"
    login_manager.login_message_category = "info"
    from .i18n import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.refresh_view = "accounts.login"
    from .htmx import login_needed

    login_manager.unauthorized_handler(login_needed)

    from . import (
        models,  # noqa: F401  (registers the mappers)
        search,  # noqa: F401  (registers the outbox hooks)
    )

    if app.config.get("SEARCH_BACKEND") not in search.BACKENDS:
        raise ValueError(f"CSTI_SEARCH_BACKEND={app.config.get('SEARCH_BACKEND')!r}: "
                         f"choose one of {', '.join(search.BACKENDS)}")
    if engine.dialect.name == "postgresql":
        # The PostgreSQL search tables exist on every PostgreSQL database (the migration makes
        # them), whichever backend is chosen; they are part of the metadata there only.
        from .search.postgres_backend import register_tables

        register_tables(db.metadata)
    elif app.config["SEARCH_BACKEND"] == "postgres":
        raise RuntimeError("CSTI_SEARCH_BACKEND=postgres needs a PostgreSQL database (CSTI_DATABASE_URL)")
    from .sessions import load_session_user

    # The session and remember-me cookies name a server-side session (csti/sessions.py).
    login_manager.user_loader(load_session_user)


def select_locale():
    """The user's choice, then the session's, then the browser's; French by default."""
    from flask import current_app

    languages = current_app.config["LANGUAGES"]
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # CLI commands, mails sent outside requests
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    if session.get("lang") in languages:
        return session["lang"]
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def discover_blueprints() -> list:
    """Every package of ``csti.blueprints`` that exposes a ``bp``, by package name (no list to
    keep: a new feature's package is found; importing it registers its content type, see
    docs/architecture.md §4). No route depends on the order: Werkzeug matches by rule, not
    by registration."""
    import pkgutil
    from importlib import import_module

    from . import blueprints

    found = []
    for info in sorted(pkgutil.iter_modules(blueprints.__path__), key=lambda info: info.name):
        if info.ispkg:
            module = import_module(f"{blueprints.__name__}.{info.name}")
            if hasattr(module, "bp"):
                found.append(module.bp)
    return found


def register_blueprints(app):
    for bp in discover_blueprints():
        app.register_blueprint(bp)


def register_request_hooks(app):
    from . import requestlog
    from .database import reset_write_intent, set_write_intent
    from .security import set_security_headers

    requestlog.init_app(app)  # its before_request runs first of all

    @app.before_request
    def _mark_writes():
        # Transactions of unsafe requests begin IMMEDIATE on SQLite (see csti/database.py).
        g._write_token = set_write_intent(request.method not in ("GET", "HEAD", "OPTIONS"))

    @app.teardown_request
    def _unmark_writes(exc):
        token = g.pop("_write_token", None)
        if token is not None:
            reset_write_intent(token)

    app.after_request(set_security_headers)
    from .htmx import flashes_out_of_band

    app.after_request(flashes_out_of_band)
    from . import feeds, fragments, pagecache, querycount

    fragments.init_app(app)
    feeds.init_app(app)  # before the page cache: conditional GET on its responses too

    querycount.init_app(app)
    pagecache.init_app(app)
    from . import visits

    visits.init_app(app)  # after_request: counts the page cache's answers too
    from .security import QueryStringSanitiser

    app.wsgi_app = QueryStringSanitiser(app.wsgi_app)
    if app.config.get("TRUSTED_HOSTS"):
        from .security import TrustedHostCheck

        app.wsgi_app = TrustedHostCheck(app.wsgi_app, app.config["TRUSTED_HOSTS"])
    if app.config["PROXY_FIX"]:
        # Behind a reverse proxy: the client's address (rate limits) and scheme (https links
        # without SERVER_NAME, secure requests) from the X-Forwarded-* headers it sets.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, **app.config["PROXY_FIX"])


def register_template_helpers(app):
    from . import templating

    templating.init_app(app)


def register_errorhandlers(app):
    from .errors import init_app

    init_app(app)


def register_commands(app):
    from .cli import csti_cli

    app.cli.add_command(csti_cli)


__all__ = ["create_app", "get_locale"]
