"""What the proxy's user may read (docs/deploy.md §6: it joins the site's group to serve the
uploads) and what it must not: the SQLite database, the documents, the backups."""
import os
import stat

import sqlalchemy as sa

from csti import create_app
from csti.extensions import db


def _mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_private_files_are_for_their_owner_alone(tmp_path):
    instance = tmp_path / "instance"
    old = os.umask(0o027)  # the service's UMask
    try:
        app = create_app("test", {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'csti.db'}",
                                  "UPLOAD_DIR": str(instance / "uploads"), "DOCUMENT_DIR": str(instance / "documents"),
                                  "SEARCH_DIR": str(instance / "search"), "BACKUP_DIR": str(instance / "backups")})
        with app.app_context():
            db.session.execute(sa.text("CREATE TABLE t (x INTEGER)"))
            db.session.execute(sa.text("INSERT INTO t VALUES (1)"))
            db.session.commit()
            db.session.remove()
            db.engine.dispose()
            with db.engine.connect() as conn:  # a later connection tightens what an older one left
                conn.execute(sa.text("SELECT 1"))
            db.engine.dispose()
    finally:
        os.umask(old)
    assert _mode(instance / "uploads") == 0o750  # the proxy (in the group) serves these
    assert _mode(instance / "documents") == 0o700
    assert _mode(instance / "csti.db") == 0o600
    for suffix in ("-wal", "-shm"):
        path = instance / f"csti.db{suffix}"
        assert not path.exists() or _mode(path) & 0o077 == 0
