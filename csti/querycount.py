"""SQL statements per request, for the benchmark (``CSTI_COUNT_QUERIES=1``): every response
carries an ``X-Query-Count`` header. Off by default — then no listener is registered and
requests pay nothing."""
from __future__ import annotations

from flask import g, has_request_context
from sqlalchemy import event

HEADER = "X-Query-Count"


def init_app(app) -> None:
    if not app.config.get("COUNT_QUERIES"):
        return
    from .extensions import db

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn, cursor, statement, parameters, context, executemany):
        if has_request_context():
            g._csti_queries = g.get("_csti_queries", 0) + 1

    @app.after_request
    def _header(response):
        response.headers[HEADER] = str(g.get("_csti_queries", 0))
        return response
