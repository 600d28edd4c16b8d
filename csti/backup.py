"""``flask csti backup`` and ``flask csti restore`` (docs/architecture.md §21).

One archive, ``csti-backup-YYYYmmdd-HHMMSS.tar.gz`` (UTC), holds:

- ``database.sqlite`` — SQLite copied by its online backup API (a consistent snapshot taken while
  the site keeps writing in WAL mode) — or ``database.pgdump`` — ``pg_dump --format=custom``;
- ``uploads/…`` (UPLOAD_DIR) and ``documents/…`` (DOCUMENT_DIR, without its ``tmp/`` spool);
- ``manifest.json`` (last): format, csti version, migration revision, database kind, creation time,
  file counts and the size and sha256 of every other member.

The search index is not saved: restore rebuilds it. Restore checks everything before it changes
anything: every member's name (no absolute path, no ``..``, no link, nothing outside the layout),
every checksum against the manifest, the database kind, and that the revision is one this csti
knows; it then refuses a site that holds data unless ``force``."""
import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.engine import make_url

from .extensions import db

FORMAT = "csti-backup"
FORMAT_VERSION = 1
ARCHIVE_NAME = re.compile(r"csti-backup-(\d{8}-\d{6})(?:-(\d+))?\.tar\.gz")
DATABASE_MEMBERS = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
FILE_DIRS = (("uploads", "UPLOAD_DIR"), ("documents", "DOCUMENT_DIR"))
SKIPPED = {"documents": {"tmp"}}  # documents/tmp: uploads being checked, not yet documents
CHUNK = 1024 * 1024
# Tables a freshly migrated, empty database already fills: not "data" a restore would overwrite.
BOOKKEEPING = {"alembic_version", "data_version"}


class BackupError(Exception):
    """Why a backup or a restore was refused or failed; nothing was changed by a restore refused
    before it began (the message says so otherwise)."""


def csti_version() -> str:
    try:
        with open(Path(__file__).resolve().parent.parent / "pyproject.toml", "rb") as f:
            return tomllib.load(f)["project"]["version"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


def database_kind(url) -> str:
    name = make_url(url).get_backend_name()
    if name not in DATABASE_MEMBERS:
        raise BackupError(f"unsupported database: {name}")
    return name


def _sqlite_path(url) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def _libpq(url) -> tuple[list[str], dict]:
    """pg_dump/pg_restore's ``--dbname`` (a libpq connection string without the password) and
    the environment carrying the password (PGPASSWORD: never on a command line ``ps`` shows)."""
    url = make_url(url)

    def quote(value):
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    for key, value in url.query.items():  # sslmode=require and the like
        parts[key] = value[-1] if isinstance(value, tuple) else value
    conninfo = " ".join(f"{key}={quote(value)}" for key, value in parts.items() if value not in (None, ""))
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return [f"--dbname={conninfo}"], env


def _tool(name: str) -> str:
    path = shutil.which(name) or shutil.which(name, path="/usr/bin")
    if not path:
        raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client)")
    return path


def _run(args: list[str], env: dict) -> None:
    result = subprocess.run(args, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(args[0]).name} failed: {result.stderr.strip() or result.stdout.strip()}")


def current_revision(engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()


def _dump_database(url, kind: str, target: Path) -> None:
    if kind == "sqlite":
        source_path = _sqlite_path(url)
        if not source_path.exists():
            raise BackupError(f"no database at {source_path}")
        source = sqlite3.connect(source_path, timeout=current_app.config.get("SQLITE_BUSY_TIMEOUT_MS", 30000) / 1000)
        try:
            copy = sqlite3.connect(target)
            try:
                # One step (-1): the whole database in one read transaction, so a consistent
                # snapshot even while the site writes (WAL: the writers are not blocked).
                source.backup(copy, pages=-1)
            finally:
                copy.close()
        finally:
            source.close()
    else:
        args, env = _libpq(url)
        _run([_tool("pg_dump"), "--format=custom", "--no-password", f"--file={target}", *args], env)


def _files(root: Path, skipped=frozenset()):
    """Regular files under ``root`` (relative POSIX names, sorted); links are not followed."""
    if not root.is_dir():
        return
    for directory, dirnames, filenames in os.walk(root):
        here = Path(directory)
        if here == root:
            dirnames[:] = [d for d in dirnames if d not in skipped]
        dirnames.sort()
        for name in sorted(filenames):
            path = here / name
            if path.is_file() and not path.is_symlink():
                yield path.relative_to(root).as_posix(), path


class _Hashing:
    def __init__(self, f):
        self.f, self.sha = f, hashlib.sha256()

    def read(self, size=-1):
        data = self.f.read(size)
        self.sha.update(data)
        return data


def _add(tar: tarfile.TarFile, path: Path, name: str, members: dict) -> bool:
    try:
        f = open(path, "rb")
    except FileNotFoundError:  # deleted since it was listed: the site keeps running
        return False
    with f:
        info = tarfile.TarInfo(name)
        stat = os.fstat(f.fileno())
        # The file's own permissions (a proxy may serve UPLOAD_DIR as another user); the
        # archive itself is 0600.
        info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), stat.st_mode & 0o777
        reader = _Hashing(f)
        tar.addfile(info, reader)
    members[name] = {"size": info.size, "sha256": reader.sha.hexdigest()}
    return True


def archives(directory: Path) -> list[Path]:
    """The backups in ``directory``, oldest first."""
    found = []
    for path in Path(directory).iterdir() if Path(directory).is_dir() else ():
        match = ARCHIVE_NAME.fullmatch(path.name)
        if match and path.is_file():
            found.append(((match[1], int(match[2] or 0)), path))
    return [path for _, path in sorted(found)]


def uploads_in_bucket() -> bool:
    return (current_app.config.get("STORAGE") or "local") == "s3"


def backup(directory=None, keep: int | None = None) -> tuple[Path, dict, list[Path]]:
    """Write one archive into ``directory`` (BACKUP_DIR by default); keep the newest ``keep``
    archives there. Return its path, its manifest and the archives deleted."""
    config = current_app.config
    directory = Path(directory or config["BACKUP_DIR"])
    for _prefix, key in FILE_DIRS:
        saved = Path(config[key]).resolve()
        if directory.resolve() == saved or saved in directory.resolve().parents:
            # UPLOAD_DIR is public (/media/), and an archive would hold the archives before it.
            raise BackupError(f"the backup directory must not be inside {key} ({saved})")
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)  # archives hold the password hashes
    url = config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    # Uploaded images kept in an S3 bucket (CSTI_STORAGE=s3) are not copied into the archive: the
    # bucket is backed up where it lives (the provider's versioning or replication).
    in_bucket = uploads_in_bucket()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    stamp = now.strftime("%Y%m%d-%H%M%S")
    for stale in directory.glob(".csti-backup-*"):  # left by a run killed a day ago or more
        if stale.is_dir() and stale.stat().st_mtime < now.timestamp() - 86400:
            shutil.rmtree(stale, ignore_errors=True)
    work = Path(tempfile.mkdtemp(prefix=".csti-backup-", dir=directory))
    try:
        dump = work / DATABASE_MEMBERS[kind]
        revision = current_revision(db.engine)
        _dump_database(url, kind, dump)
        partial = work / "archive.tar.gz"
        members, counts = {}, {}
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as raw:
            with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6,
                              format=tarfile.PAX_FORMAT) as tar:
                _add(tar, dump, dump.name, members)
                dump.unlink()
                for prefix, key in FILE_DIRS:
                    if prefix == "uploads" and in_bucket:
                        continue  # in the S3 bucket: not in the archive (docs/architecture.md §21)
                    counts[prefix] = sum(_add(tar, path, f"{prefix}/{name}", members)
                                         for name, path in _files(Path(config[key]), SKIPPED.get(prefix, ())))
                manifest = {"format": FORMAT, "format_version": FORMAT_VERSION, "csti_version": csti_version(),
                            "revision": revision, "database": kind, "created_at": now.isoformat(),
                            "files": counts, "members": members}
                if in_bucket:
                    manifest["uploads_in_bucket"] = True
                data = json.dumps(manifest, indent=2, sort_keys=True).encode()
                info = tarfile.TarInfo("manifest.json")
                info.size, info.mtime, info.mode = len(data), int(now.timestamp()), 0o600
                tar.addfile(info, io.BytesIO(data))
            raw.flush()
            os.fsync(raw.fileno())
        suffix, target = 0, directory / f"csti-backup-{stamp}.tar.gz"
        while target.exists():  # two backups within one second
            suffix += 1
            target = directory / f"csti-backup-{stamp}-{suffix}.tar.gz"
        os.replace(partial, target)  # never a half archive under the final name
    finally:
        shutil.rmtree(work, ignore_errors=True)
    deleted = []
    if keep:
        for old in archives(directory)[:-keep]:
            old.unlink(missing_ok=True)
            deleted.append(old)
    return target, manifest, deleted


# --- restore ---------------------------------------------------------------------------------


@dataclass
class Restored:
    manifest: dict
    upgraded_from: str | None = None
    documents_indexed: int = 0
    files: dict = field(default_factory=dict)


def _safe_name(name: str) -> bool:
    if not name or name.startswith("/") or "\\" in name:
        return False
    parts = name.split("/")
    if any(part in ("", ".", "..") for part in parts):
        return False
    return name == "manifest.json" or name in DATABASE_MEMBERS.values() or (
        len(parts) > 1 and parts[0] in dict(FILE_DIRS))


def _sha256(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            sha.update(chunk)
    return sha.hexdigest()


def _extract(tar: tarfile.TarFile, member: tarfile.TarInfo, staging: Path) -> None:
    """Write one regular file of a safe name (both checked by the caller) under ``staging``, as
    tarfile's "data" filter would: no link, no device, no set-id bit, no write bit for the group
    or others. Written by hand: Debian 12's Python 3.11.2 predates tarfile's filters (3.11.4)."""
    target = staging / member.name
    target.parent.mkdir(parents=True, exist_ok=True)
    source = tar.extractfile(member)
    with source, open(target, "xb") as out:
        shutil.copyfileobj(source, out, CHUNK)
    os.chmod(target, member.mode & 0o755 | 0o600)


def unpack(archive: Path, staging: Path) -> dict:
    """Extract ``archive`` into ``staging`` and check it against its manifest; return the
    manifest. BackupError for anything that is not an intact csti backup."""
    names = set()
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if not _safe_name(member.name):
                    raise BackupError(f"refused: unexpected member {member.name!r} in the archive")
                if not member.isfile():
                    raise BackupError(f"refused: {member.name!r} is not a regular file")
                if member.name in names:
                    raise BackupError(f"refused: {member.name!r} appears twice in the archive")
                names.add(member.name)
                _extract(tar, member, staging)
    except BackupError:
        raise
    except (tarfile.TarError, EOFError, OSError, ValueError) as error:
        # gzip.BadGzipFile is an OSError; so is a full disk, hence the last words.
        raise BackupError(f"refused: the archive is damaged or truncated, or could not be extracted "
                          f"({error})") from None
    try:
        manifest = json.loads((staging / "manifest.json").read_text())
    except (OSError, ValueError):
        raise BackupError("refused: not a csti backup (no readable manifest.json)") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("refused: not a csti backup (manifest of another format)")
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BackupError(f"refused: backup format {manifest.get('format_version')!r}, this csti reads "
                          f"{FORMAT_VERSION}")
    members = manifest.get("members")
    if manifest.get("database") not in DATABASE_MEMBERS or not isinstance(members, dict):
        raise BackupError("refused: the manifest is incomplete")
    if set(members) != names - {"manifest.json"}:
        extra = sorted((names - {"manifest.json"}) ^ set(members))[:5]
        raise BackupError(f"refused: the archive and its manifest disagree ({', '.join(extra)})")
    if DATABASE_MEMBERS[manifest["database"]] not in members:
        raise BackupError("refused: the archive holds no database")
    for name, expected in members.items():
        path = staging / name
        if not isinstance(expected, dict) or path.stat().st_size != expected.get("size") \
                or _sha256(path) != expected.get("sha256"):
            raise BackupError(f"refused: {name} does not match its checksum (damaged archive)")
    return manifest


def site_contents(engine) -> list[str]:
    """What the configured site already holds (empty list: nothing)."""
    held = []
    with engine.connect() as conn:
        for table in sa.inspect(conn).get_table_names():
            if table in BOOKKEEPING:
                continue
            if conn.execute(sa.text(f'SELECT 1 FROM "{table}" LIMIT 1')).first():
                held.append(f"table {table}")
    config = current_app.config
    for _prefix, key in FILE_DIRS:
        root = Path(config[key])
        if root.is_dir() and any(root.iterdir()):
            held.append(f"{key} {root}")
    return held


def _known_revision(revision):
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(current_app.extensions["migrate"].directory)
    if revision is None:
        return script, None
    try:
        if script.get_revision(revision) is None:
            raise BackupError("unknown")
    except Exception:
        raise BackupError(f"refused: the archive's schema revision {revision} is unknown to this csti "
                          "(a backup from a newer version? upgrade csti first)") from None
    return script, revision


def _replace_sqlite(url, source: Path) -> None:
    target = _sqlite_path(url)
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, temporary)
    os.chmod(temporary, 0o600)
    with open(temporary, "rb") as f:
        os.fsync(f.fileno())
    # The old database's write-ahead log must not be replayed onto the new file.
    for suffix in ("-wal", "-shm", "-journal"):
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(temporary, target)


def _replace_postgresql(url, source: Path) -> None:
    engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
    except sa.exc.DBAPIError as error:
        raise BackupError(f"cannot empty the database (its user must own it and its schema public): "
                          f"{error.orig}") from None
    finally:
        engine.dispose()
    args, env = _libpq(url)
    try:
        _run([_tool("pg_restore"), "--no-owner", "--no-acl", "--exit-on-error", "--single-transaction",
              "--no-password", *args, str(source)], env)
    except BackupError as error:
        raise BackupError(f"{error} — the database was emptied before: fix the cause and run "
                          f"restore --force again (the archive is untouched)") from None


def _replace_files(staged: Path, root: Path) -> int:
    """Make ``root`` hold exactly what ``staged`` holds (root itself is kept: it may be a mount)."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in list(root.iterdir()):
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    count = 0
    if staged.is_dir():
        for entry in staged.iterdir():
            shutil.move(str(entry), str(root / entry.name))
        count = sum(1 for _ in _files(root))
    return count


def restore(archive, force: bool = False, log=print) -> Restored:
    """Put the archive's database and files in place of the configured site's (see the module)."""
    config = current_app.config
    archive = Path(archive)
    url = config["SQLALCHEMY_DATABASE_URI"]
    kind = database_kind(url)
    if not archive.is_file():
        raise BackupError(f"no such file: {archive}")
    staging_parent = Path(current_app.instance_path)
    staging = Path(tempfile.mkdtemp(prefix=".csti-restore-", dir=staging_parent))
    try:
        manifest = unpack(archive, staging)
        if manifest["database"] != kind:
            raise BackupError(f"refused: the archive holds a {manifest['database']} database and this site "
                              f"uses {kind}; restore it onto a {manifest['database']} database")
        script, revision = _known_revision(manifest.get("revision"))
        held = site_contents(db.engine)
        if held and not force:
            raise BackupError("refused: the site is not empty (" + ", ".join(held[:6])
                              + (", …" if len(held) > 6 else "") + "); pass --force to replace it all")
        db.session.remove()
        db.engine.dispose()
        dump = staging / DATABASE_MEMBERS[kind]
        log(f"restoring the {kind} database (revision {revision or 'none'})…")
        if kind == "sqlite":
            _replace_sqlite(url, dump)
        else:
            _replace_postgresql(url, dump)
        result = Restored(manifest)
        for prefix, key in FILE_DIRS:
            if prefix == "uploads" and manifest.get("uploads_in_bucket"):
                result.files[prefix] = 0  # they stayed in the bucket: the upload directory is left alone
                continue
            result.files[prefix] = _replace_files(staging / prefix, Path(config[key]))
        db.engine.dispose()
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    head = script.get_current_head()
    if revision != head:
        from flask_migrate import upgrade

        log(f"upgrading the database from {revision} to {head}…")
        upgrade()
        db.engine.dispose()
        result.upgraded_from = revision or "empty"
    from .search import SearchBusy, reindex

    try:
        result.documents_indexed = reindex()
    except SearchBusy as error:
        raise BackupError(f"restored, but the search index was not rebuilt ({error}): run "
                          "`flask csti reindex`") from None
    return result
