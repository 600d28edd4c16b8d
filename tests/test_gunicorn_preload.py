"""gunicorn.conf.py: before forking its workers, the master imports the modules each worker would
otherwise import with its first home page, feed, API answer or search (numpy and Whoosh with the
Whoosh search backend only), builds what each would build with its first pages (``_warm``: the
ORM's mappers, locale data and catalogues, the search index's arrays, its files closed again),
then freezes it all out of the garbage collector's reach."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

from tests.search.whoosh_index import build_index

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "whoosh", "csti.search.whoosh_backend", "feedgen.feed", "crawlerdetect", "csti.homes",
         "csti.memberpage", "pydantic", "csti.blueprints.api.schemas")

CODE = """
import gc, runpy, sys, types
import config
config.load_env_file = lambda *args, **kwargs: None  # no .env read into the test
from csti import create_app
settings = runpy.run_path("gunicorn.conf.py")
app = create_app("test", {{"SQLALCHEMY_DATABASE_URI": "{url}", "SEARCH_BACKEND": "{backend}",
                          "UPLOAD_DIR": "{tmp}/uploads", "SEARCH_DIR": "{tmp}/search"}})
heavy = {heavy!r}
print(sorted(m for m in heavy if m in sys.modules))
settings["pre_fork"](types.SimpleNamespace(app=types.SimpleNamespace(wsgi=lambda: app)), None)
print(sorted(m for m in heavy if m in sys.modules))
import os
print(gc.get_freeze_count() > 0, os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
from babel import localedata
from flask_babel import get_babel
from csti.extensions import db
with app.app_context():
    domain_cache = sorted(language for language, _domain in get_babel().instance.domain_instance.cache)
print([all(mapper.configured for mapper in db.Model.registry.mappers),
       sorted(name for name in localedata._cache if name in ("fr", "en")), domain_cache])
if "{backend}" == "whoosh":
    from csti import search
    with app.app_context():
        from whoosh.searching import Searcher
        gc.unfreeze()  # (frozen objects are out of get_objects' sight)
        left_over = sum(isinstance(thing, Searcher) for thing in gc.get_objects())
        backend = search.backend()
        built = dict(backend.engine._segments)
        open_files = []
        for fd in os.listdir("/proc/self/fd"):
            try:
                open_files.append(os.readlink(f"/proc/self/fd/{{fd}}"))
            except FileNotFoundError:
                pass  # listdir's own
        print([len(built), backend._searcher is None and left_over == 0, [name for name in open_files if "/search/" in name],
               len(backend.engine.view(backend._get_searcher()).segments),
               all(segment is built[key] for key, segment in backend.engine._segments.items())])
"""


def _pre_fork(tmp_path, backend):
    if backend == "whoosh":
        build_index(tmp_path / "search")  # an index of four segments, for the master to read
    # The PostgreSQL backend asks for a PostgreSQL URL; no connection is opened (none is needed).
    url = f"sqlite:///{tmp_path}/x.db" if backend == "whoosh" else "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code = CODE.format(tmp=tmp_path, url=url, backend=backend, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CSTI_INSTANCE_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    return [ast.literal_eval(line) if line.startswith("[") else line for line in lines[-5:] if line]


@pytest.mark.parametrize("backend", ["whoosh", "postgres"])
def test_the_master_imports_what_every_worker_would_before_forking(tmp_path, backend):
    loaded, preloaded, frozen, *_warm = _pre_fork(tmp_path, backend)
    assert loaded == []  # the app itself starts without them (a command, the tests)
    expected = set(HEAVY) if backend == "whoosh" else set(HEAVY) - {"numpy", "whoosh", "csti.search.whoosh_backend"}
    assert set(preloaded) == expected
    assert frozen == "True 1 1"  # frozen; OpenBLAS started no thread per core: the master has one


def test_the_master_builds_what_every_worker_would_with_its_first_pages(tmp_path):
    """The ORM's mappers configured, the locale data and translation catalogues of each language
    loaded: once, in the master, not in each worker."""
    configured, locales, catalogues = _pre_fork(tmp_path, "whoosh")[3]
    assert configured is True
    assert locales == ["en", "fr"]
    assert catalogues == ["en", "fr"]


def test_the_master_builds_the_search_arrays_and_closes_the_index(tmp_path):
    """The arrays of every segment of the index, built before forking, are the ones a worker's
    first search uses; the master keeps none of the index's files open."""
    built, let_go, open_files, segments, reused = _pre_fork(tmp_path, "whoosh")[4]
    assert built == segments and built >= 2
    assert let_go is True and open_files == []
    assert reused is True
