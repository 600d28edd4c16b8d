"""gunicorn.conf.py: before forking its workers, the master imports the modules each worker would
otherwise import with its first home page, feed or search (numpy and Whoosh with the Whoosh
search backend only), then freezes them out of the garbage collector's reach."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("numpy", "whoosh", "csti.search.whoosh_backend", "feedgen.feed", "crawlerdetect", "csti.homes",
         "csti.memberpage")

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
"""


def _pre_fork(tmp_path, backend):
    # The PostgreSQL backend asks for a PostgreSQL URL; no connection is opened (none is needed).
    url = f"sqlite:///{tmp_path}/x.db" if backend == "whoosh" else "postgresql+psycopg://nobody@127.0.0.1:1/none"
    code = CODE.format(tmp=tmp_path, url=url, backend=backend, heavy=HEAVY)
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True,
                            env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "CSTI_INSTANCE_DIR": str(tmp_path)})
    return [ast.literal_eval(line) if line.startswith("[") else line for line in result.stdout.strip().splitlines()[-3:]]


@pytest.mark.parametrize("backend", ["whoosh", "postgres"])
def test_the_master_imports_what_every_worker_would_before_forking(tmp_path, backend):
    loaded, preloaded, frozen = _pre_fork(tmp_path, backend)
    assert loaded == []  # the app itself starts without them (a command, the tests)
    expected = set(HEAVY) if backend == "whoosh" else set(HEAVY) - {"numpy", "whoosh", "csti.search.whoosh_backend"}
    assert set(preloaded) == expected
    assert frozen == "True 1 1"  # frozen; OpenBLAS started no thread per core: the master has one
