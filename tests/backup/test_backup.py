"""`flask csti backup` → wipe → `flask csti restore` gives back every row, every file and the
search results (on SQLite, and on PostgreSQL when CSTI_TEST_DATABASE_URL is set); a damaged,
foreign or hostile archive, or one of the other database kind, is refused with nothing changed.

The backup and the restores run as a person runs them (`flask csti …` in a subprocess); the
refusals, which change nothing, run in-process (CliRunner) to keep the test short (~25 s)."""
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from PIL import Image

from csti import create_app
from csti.extensions import db

from .. import sample_site
from ..databases import scratch_database
from ..documents.files import pdf_bytes
from ..factories import Factory
from ..needs import ROOT

TITLE = "Observer les comètes depuis le Pic du Midi"


def flask(url, instance, *args, ok=True):
    env = {**os.environ, "FLASK_APP": "wsgi", "CSTI_ENV": "default", "CSTI_DATABASE_URL": url,
           "CSTI_INSTANCE_DIR": str(instance)}
    for key in ("CSTI_UPLOAD_DIR", "CSTI_DOCUMENT_DIR", "CSTI_SEARCH_DIR", "CSTI_BACKUP_DIR", "CSTI_SEARCH_BACKEND"):
        env.pop(key, None)
    result = subprocess.run([sys.executable, "-m", "flask", *args], cwd=ROOT, env=env, capture_output=True,
                            text=True, timeout=120)
    if ok:
        assert result.returncode == 0, f"flask {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def make_app(url, instance):
    return create_app("test", {"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": str(instance / "uploads"),
                               "DOCUMENT_DIR": str(instance / "documents"), "SEARCH_DIR": str(instance / "search"),
                               "BACKUP_DIR": str(instance / "backups")})


def close(app):
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def build(app):
    """The sample site, an article with a cover image and a PDF document, at the head revision."""
    from csti.blueprints.documents.operations import attach_document
    from csti.models import Article
    from csti.uploads import store_image

    head = ScriptDirectory(str(ROOT / "migrations")).get_current_head()
    with app.app_context():
        db.create_all()  # what `flask db upgrade` makes (tests/test_migrations.py), much faster
        with db.engine.begin() as conn:
            conn.exec_driver_sql("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
            conn.exec_driver_sql(f"INSERT INTO alembic_version VALUES ('{head}')")
            conn.exec_driver_sql("INSERT INTO data_version (id, value) VALUES (1, 0)")
        sample_site.build(Factory(db))
        article = Article(title=TITLE, summary="Une nuit d’observation.", body="Les comètes **reviennent**.",
                          territory_id=1)
        article.cover_image = store_image(Image.new("RGB", (900, 600), (20, 40, 160)), "covers")
        article.publish()
        db.session.add(article)
        db.session.flush()
        attach_document(article, pdf_bytes(), "Programme", "programme.pdf")
        db.session.commit()
        from csti.search import drain, search

        drain(timeout=5.0, rounds=100)
        assert TITLE in [hit["title"] for hit in search("comètes").hits]
    close(app)


def rows(url) -> dict:
    """Every table's row count and a checksum of its rows."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        with engine.connect() as conn:
            meta.reflect(conn)
            found = {}
            for table in meta.sorted_tables:
                values = sorted(repr(tuple(row)) for row in conn.execute(table.select()))
                found[table.name] = (len(values), hashlib.sha256("\n".join(values).encode()).hexdigest())
            return found
    finally:
        engine.dispose()


def files(instance: Path) -> dict:
    """Each upload's and document's checksum and permissions."""
    return {path.relative_to(instance).as_posix(): (hashlib.sha256(path.read_bytes()).hexdigest(),
                                                    path.stat().st_mode & 0o777)
            for sub in ("uploads", "documents") for path in sorted((instance / sub).rglob("*")) if path.is_file()}


def wipe(url, instance):
    if url.startswith("sqlite"):
        database = Path(sa.engine.make_url(url).database)
        for path in database.parent.glob(database.name + "*"):
            path.unlink()
    else:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("DROP SCHEMA public CASCADE")
                conn.exec_driver_sql("CREATE SCHEMA public")
        finally:
            engine.dispose()
    for sub in ("uploads", "documents", "search"):
        shutil.rmtree(instance / sub)


def tar_gz(path: Path, members: dict) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def manifest_for(kind, members: dict) -> bytes:
    return json.dumps({"format": "csti-backup", "format_version": 1, "csti_version": "0.1.0", "revision": None,
                       "database": kind, "created_at": "2026-12-01T00:00:00+00:00", "files": {},
                       "members": {name: {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                                   for name, data in members.items()}}).encode()


def test_keep_deletes_the_older_archives_only(runner, tmp_path):
    older = ["csti-backup-20240101-000000.tar.gz", "csti-backup-20240102-000000.tar.gz",
             "csti-backup-20240102-000000-1.tar.gz"]
    others = ["notes.txt", "csti-backup-latest.tar.gz"]
    for name in older + others:
        (tmp_path / name).write_bytes(b"old")
    result = runner.invoke(args=["csti", "backup", "--dir", str(tmp_path), "--keep", "2"])
    assert result.exit_code == 0, result.output
    made = Path(result.stdout.strip().splitlines()[-1])
    assert made.parent == tmp_path and made.stat().st_mode & 0o777 == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([older[-1], made.name, *others])
    assert "deleted older backup" in result.stderr
    assert runner.invoke(args=["csti", "backup", "--dir", str(tmp_path), "--keep", "0"]).exit_code != 0
    public = Path(runner.app.config["UPLOAD_DIR"]) / "backups"
    result = runner.invoke(args=["csti", "backup", "--dir", str(public)])
    assert result.exit_code != 0 and "must not be inside UPLOAD_DIR" in result.output and not public.exists()


def test_postgresql_password_stays_off_the_command_line():
    from csti.backup import _libpq

    args, env = _libpq("postgresql+psycopg://csti:s3cr'et@db.example.org:5433/csti?sslmode=require")
    assert not any("s3cr" in arg for arg in args) and env["PGPASSWORD"] == "s3cr'et"
    assert args == ["--dbname=host='db.example.org' port='5433' user='csti' dbname='csti' sslmode='require'"]


@pytest.mark.slow
def test_backup_wipe_restore(tmp_path, monkeypatch):
    instance = tmp_path / "instance"
    monkeypatch.setenv("CSTI_INSTANCE_DIR", str(instance))  # the in-process app's, as the commands'
    with scratch_database(tmp_path, "backup") as url:
        app = make_app(url, instance)
        build(app)
        before_rows, before_files = rows(url), files(instance)
        assert before_rows["content"][0] > 10 and before_rows["document"][0] == 1
        assert any(name.startswith("uploads/covers/") for name in before_files)
        assert any(name.startswith("documents/") and name.endswith(".pdf") for name in before_files)

        result = flask(url, instance, "csti", "backup", "--keep", "2")
        archive = Path(result.stdout.strip().splitlines()[-1])
        assert archive.parent == instance / "backups" and archive.is_file()
        assert archive.name.startswith("csti-backup-") and archive.name.endswith(".tar.gz")
        assert archive.stat().st_mode & 0o777 == 0o600
        assert [p.name for p in archive.parent.iterdir()] == [archive.name]  # no temporary left
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            manifest = json.load(tar.extractfile("manifest.json"))
        kind = "sqlite" if url.startswith("sqlite") else "postgresql"
        assert manifest["database"] == kind
        assert manifest["revision"] == ScriptDirectory(str(ROOT / "migrations")).get_current_head()
        assert not any(name.startswith("search") for name in names)  # rebuilt, not saved
        assert set(names) == {"manifest.json", f"database.{'sqlite' if kind == 'sqlite' else 'pgdump'}",
                              *before_files}

        # The site holds data: refused without --force, nothing changed.
        refused = flask(url, instance, "csti", "restore", str(archive), ok=False)
        assert refused.returncode != 0 and "not empty" in refused.stderr and "--force" in refused.stderr
        assert rows(url) == before_rows

        wipe(url, instance)
        assert files(instance) == {}
        restored = flask(url, instance, "csti", "restore", str(archive))
        assert "search index rebuilt" in restored.stdout
        assert rows(url) == before_rows
        assert files(instance) == before_files

        app = make_app(url, instance)
        with app.app_context():
            from csti.search import search

            assert TITLE in [hit["title"] for hit in search("comètes").hits]
        runner = app.test_cli_runner()

        def refused_in_process(path, needle):
            result = runner.invoke(args=["csti", "restore", "--force", str(path)])
            assert result.exit_code != 0 and needle in result.output, result.output
            assert rows(url) == before_rows and files(instance) == before_files

        data = archive.read_bytes()
        truncated = tmp_path / "truncated.tar.gz"
        truncated.write_bytes(data[: len(data) // 2])
        refused_in_process(truncated, "damaged or truncated")
        flipped = bytearray(data)  # the gzip's own CRC or a member's sha256 catches it
        flipped[len(data) // 3] ^= 0xFF
        (tmp_path / "flipped.tar.gz").write_bytes(bytes(flipped))
        refused_in_process(tmp_path / "flipped.tar.gz", "refused")
        refused_in_process(tar_gz(tmp_path / "foreign.tar.gz", {"uploads/a.txt": b"a"}), "not a csti backup")
        evil = {"database.sqlite": b"x", "uploads/../../evil.txt": b"evil"}
        refused_in_process(tar_gz(tmp_path / "evil.tar.gz", {**evil, "manifest.json": manifest_for("sqlite", evil)}),
                           "unexpected member")
        assert not (tmp_path / "evil.txt").exists() and not (instance / "evil.txt").exists()
        other = "postgresql" if kind == "sqlite" else "sqlite"
        member = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}[other]
        mismatch = {member: b"not a database"}
        refused_in_process(tar_gz(tmp_path / "other.tar.gz", {**mismatch, "manifest.json": manifest_for(other, mismatch)}),
                           f"holds a {other} database")

        # --force replaces a site that holds data: what was added since the backup goes.
        with app.app_context():
            from csti.models import Territory

            db.session.add(Territory(slug="ajoutee", name="Ajoutée"))
            db.session.commit()
            db.session.remove()
        (instance / "uploads" / "stray.webp").write_bytes(b"stray")
        result = runner.invoke(args=["csti", "restore", "--force", str(archive)])
        assert result.exit_code == 0, result.output
        assert rows(url) == before_rows and files(instance) == before_files
        close(app)


def test_uploads_in_a_bucket_are_not_archived_nor_wiped(runner, tmp_path):
    """With CSTI_STORAGE=s3 the images live in the bucket: the archive says so (its manifest, the
    command's summary) instead of counting an upload directory nothing reads."""
    app = runner.app
    uploads = Path(app.config["UPLOAD_DIR"])
    (uploads / "covers").mkdir(parents=True, exist_ok=True)
    (uploads / "covers" / "stale.webp").write_bytes(b"left from local days")
    app.config["STORAGE"] = "s3"
    try:
        result = runner.invoke(args=["csti", "backup", "--dir", str(tmp_path)])
        assert result.exit_code == 0, result.output
        assert "uploads in the S3 bucket" in result.stderr
        archive = Path(result.stdout.strip().splitlines()[-1])
        with tarfile.open(archive) as tar:
            names = tar.getnames()
            manifest = json.load(tar.extractfile("manifest.json"))
        assert manifest["uploads_in_bucket"] is True and "uploads" not in manifest["files"]
        assert not any(name.startswith("uploads/") for name in names)
    finally:
        app.config["STORAGE"] = "local"
