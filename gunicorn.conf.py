"""gunicorn settings for csti (``make serve``, the benchmark; ``gunicorn -c gunicorn.conf.py wsgi:app``).

The application is loaded once in the master, then the workers are forked: the code and data
every worker imports stay in pages the processes share instead of one copy each.
``gc.freeze()`` before forking keeps the garbage collector from touching — and so copying —
those shared objects; each worker then collects its garbage between requests
(``csti/collector.py``). The modules a worker would import with its first search, feed or
home page are imported in the master too (``PRELOAD``), and what it would build with its first
pages is built there (``_warm``: mappers, locale data, catalogues, search arrays).
No database connection is opened while loading (``create_app`` only creates the engine); each
worker empties the engine's pool after the fork all the same. The search index is read and
closed again. New workers start from the master's copies: a ``systemctl reload`` (HUP) does not
pick up new code or catalogues — an upgrade restarts the service (docs/deploy.md §10).
"""
import ctypes
import ctypes.util
import gc
import importlib
import os
import sys

# The settings file, as wsgi.py reads it (HOST, PORT, WORKERS may be set there too).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from config import load_env_file  # noqa: E402

load_env_file()
# numpy's OpenBLAS would start a thread per core when the search modules are imported below; the
# search uses no BLAS routine, and a thread started in the master is not in its forked workers.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
workers = int(os.environ.get("WORKERS", "2"))
preload_app = True


def _return_freed_memory() -> None:
    """glibc raises its mmap and trim thresholds (up to 32 MB) after a large block is freed,
    and then keeps what a big response (a 600 KB iCal feed, a GeoJSON) freed in the heap for
    good. Fixed thresholds hand blocks over 128 KiB back to the system as soon as they are
    freed: a worker stays near its working set (about 10 MB less after the benchmark)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt(-3, 128 * 1024)  # M_MMAP_THRESHOLD (setting it turns the dynamic one off)
        libc.mallopt(-1, 128 * 1024)  # M_TRIM_THRESHOLD
    except (OSError, AttributeError):
        pass  # not glibc: nothing to tune


# Modules every worker imports with its first home page, event page, feed, API answer or search (numpy alone
# is 21 MB): imported once in the master, before the fork, they are pages the
# workers share instead of a copy in each.
PRELOAD = ("csti.homes", "csti.memberpage", "crawlerdetect", "feedgen.feed",
           "csti.blueprints.api.serialize")  # the API's answers: pydantic and its models
PRELOAD_WHOOSH = ("csti.search.whoosh_backend",)


def _preload(app) -> None:
    names = PRELOAD
    if (app.config.get("SEARCH_BACKEND") or "whoosh") == "whoosh":
        names += PRELOAD_WHOOSH
    for name in names:
        importlib.import_module(name)
    _warm(app)


def _warm(app) -> None:
    """What every worker would otherwise build for itself with its first pages, built once in the
    master: the ORM's mapper configuration, Babel's locale data and the translation catalogues of
    each language, and the search index's arrays (Whoosh backend; its files are closed again).
    A worker driven through the benchmark's pages keeps about 18 MB less of its own for 23 MB
    more in the master (docs/architecture.md §26). Compiling every template here was tried and
    cost more than it saved: a worker rewrote most of what it used (CPython specialises the
    bytecode it runs in place) and the master held all 195. Nothing here opens a database
    connection, and nothing that fails here stops the server: the page that needs it will say
    what is wrong."""
    if app.extensions.get("csti_warm"):
        return  # pre_fork runs before each worker's fork; once is enough
    app.extensions["csti_warm"] = True
    from babel import Locale, localedata
    from flask_babel import force_locale, get_translations
    from sqlalchemy.orm import configure_mappers

    def attempt(what, build):
        try:
            build()
        except Exception as error:  # noqa: BLE001 — see the docstring
            app.logger.warning("%s not built before forking the workers: %r", what, error)

    attempt("the ORM's mappers", configure_mappers)
    if (app.config.get("SEARCH_BACKEND") or "whoosh") == "whoosh":
        from csti import search

        with app.app_context():
            attempt("the search arrays", lambda: search.backend().build_arrays())
    with app.test_request_context("/"):
        for language in app.config.get("LANGUAGES") or ("fr",):
            attempt(f"{language} locale data", lambda language=language: localedata.load(str(Locale.parse(language))))
            with force_locale(language):
                attempt(f"{language} catalogue", get_translations)


def pre_fork(server, worker):
    _preload(server.app.wsgi())
    gc.collect()  # what loading and warming left behind is not frozen with the rest
    gc.freeze()


def post_fork(server, worker):
    _return_freed_memory()
    from csti import collector

    collector.worker_started()
    from csti.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)


def post_request(worker, req, environ, resp):
    """After each response: the garbage collector's work, between requests (csti/collector.py;
    sync workers, one request at a time)."""
    from csti import collector

    collector.between_requests()
