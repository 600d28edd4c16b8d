"""``/healthz?deep=1``: what a monitor needs to know beyond "the process answers"
(docs/architecture.md §20). Each check reports ``ok`` (true/false) and a few numbers — never a
path, a host or a software version; the migration revision is the only identifier shown.

- database: ``alembic_version`` read, compared with the head of ``migrations/versions`` (read once
  per process, without importing Alembic);
- search: Whoosh — the live index opens (it is never created here) and its document count;
  PostgreSQL backend — ``search_document`` counted; both — the outbox backlog (rows waiting);
- disk: the free megabytes of the instance, upload and document directories, failing under
  ``CSTI_HEALTH_MIN_FREE_MB``;
- redis (when ``CSTI_REDIS_URL`` is set): PING;
- storage (when ``CSTI_STORAGE=s3``): the bucket exists and answers (within ``CSTI_S3_TIMEOUT``).
"""
from __future__ import annotations

import functools
import logging
import re
import shutil
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, text

from .extensions import db

log = logging.getLogger("csti")
MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations" / "versions"
_REVISION = re.compile(r"^revision\s*=\s*['\"]([0-9A-Za-z_]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\s*=\s*(.+)$", re.M)
_ID = re.compile(r"['\"]([0-9A-Za-z_]+)['\"]")


@functools.lru_cache(maxsize=4)
def migration_heads(folder: Path = MIGRATIONS) -> tuple[str, ...]:
    """The revisions no other one follows (one, unless the line is split)."""
    revisions, downs = set(), set()
    for path in folder.glob("*.py"):
        source = path.read_text(encoding="utf-8")
        found = _REVISION.search(source)
        if not found:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(source)
        if down:
            downs.update(_ID.findall(down.group(1)))
    return tuple(sorted(revisions - downs))


def _failed(check: dict, error: Exception, what: str) -> dict:
    log.warning("health check %s failed: %s", what, error)
    db.session.rollback()
    check.update(ok=False, error=type(error).__name__)
    return check


def check_database() -> dict:
    check = {"ok": True}
    try:
        revisions = db.session.scalars(text("SELECT version_num FROM alembic_version")).all()
    except Exception as error:  # noqa: BLE001  (unreachable, or never migrated)
        return _failed(check, error, "database")
    heads = migration_heads()
    check["revision"] = revisions[0] if len(revisions) == 1 else sorted(revisions)
    if heads:
        check["at_head"] = sorted(revisions) == list(heads)
        check["ok"] = check["at_head"]
    return check


def _whoosh_count(backend) -> dict:
    from whoosh import index as whoosh_index

    name = backend._read_pointer()
    if not name or not name.startswith(backend._prefix()) or not (backend.root / name).is_dir():
        return {"ok": False, "error": "index missing"}
    index = whoosh_index.open_dir(str(backend.root / name))
    try:
        return {"ok": True, "documents": index.doc_count()}
    finally:
        index.close()


def check_search() -> dict:
    from .models.search import SearchOutbox
    from .search import backend

    check = {"ok": True}
    try:
        engine = backend()
        check["backend"] = engine.name
        if engine.name == "whoosh":
            check.update(_whoosh_count(engine))
        else:
            check["documents"] = db.session.scalar(text("SELECT count(*) FROM search_document"))
        check["outbox"] = db.session.scalar(select(func.count()).select_from(SearchOutbox))
    except Exception as error:  # noqa: BLE001
        return _failed(check, error, "search")
    return check


def check_disk() -> dict:
    config = current_app.config
    minimum = config.get("HEALTH_MIN_FREE_MB", 200)
    check = {"ok": True, "min_free_mb": minimum}
    for label, folder in (("instance", current_app.instance_path), ("uploads", config["UPLOAD_DIR"]),
                          ("documents", config["DOCUMENT_DIR"])):
        try:
            free = shutil.disk_usage(folder).free // (1024 * 1024)
        except OSError as error:
            log.warning("health check disk (%s) failed: %s", label, error)
            check[label] = {"ok": False, "error": type(error).__name__}
            check["ok"] = False
            continue
        check[label] = {"ok": free >= minimum, "free_mb": free}
        check["ok"] = check["ok"] and free >= minimum
    return check


def check_redis() -> dict | None:
    if not current_app.config.get("REDIS_URL"):
        return None
    from .throttle import RedisStore, store

    client = store().client if isinstance(store(), RedisStore) else None
    try:
        if client is None:
            import redis

            client = redis.Redis.from_url(current_app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=2)
        return {"ok": bool(client.ping())}
    except Exception as error:  # noqa: BLE001
        log.warning("health check redis failed: %s", error)
        return {"ok": False, "error": type(error).__name__}


def check_storage() -> dict | None:
    if (current_app.config.get("STORAGE") or "local").strip().lower() != "s3":
        return None
    from .storage import storage

    try:
        return {"ok": storage().ping()}
    except Exception as error:  # noqa: BLE001
        log.warning("health check storage failed: %s", error)
        return {"ok": False, "error": type(error).__name__}


def deep_health() -> dict:
    checks = {"database": check_database(), "search": check_search(), "disk": check_disk()}
    redis_check = check_redis()
    if redis_check is not None:
        checks["redis"] = redis_check
    storage_check = check_storage()
    if storage_check is not None:
        checks["storage"] = storage_check
    return {"status": "ok" if all(check["ok"] for check in checks.values()) else "fail", "checks": checks}
