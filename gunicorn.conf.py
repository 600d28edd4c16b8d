"""gunicorn settings for csti (``make serve``, the benchmark; ``gunicorn -c gunicorn.conf.py wsgi:app``).

The application is loaded once in the master, then the workers are forked: the code and data
every worker imports (about 100 MB of modules) stay in pages the processes share instead of one
copy each. ``gc.freeze()`` before forking keeps the garbage collector from touching — and so
copying — those shared objects. No database connection or search index is opened while loading
(``create_app`` only creates the engine); each worker empties the engine's pool after the fork
all the same.
"""
import gc
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WORKERS", "2"))
preload_app = True


def pre_fork(server, worker):
    gc.freeze()


def post_fork(server, worker):
    from csti.extensions import db

    app = server.app.wsgi()
    with app.app_context():
        db.engine.dispose(close=False)
