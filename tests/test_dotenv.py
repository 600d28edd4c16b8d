"""A `.env` file is read the same way by every entry point — `import wsgi`, the `flask` command
and gunicorn — and the real environment wins over it (issue 11)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(command, tmp_path, dotenv, **environ):
    env_file = tmp_path / "site.env"
    env_file.write_text(dotenv)
    env = {key: value for key, value in os.environ.items()
           if not key.startswith(("CSTI_", "FLASK_"))}
    env.update({"CSTI_INSTANCE_DIR": str(tmp_path), "CSTI_ENV_FILE": str(env_file), "FLASK_APP": "wsgi",
                "FLASK_SKIP_DOTENV": "1", **environ})
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


ENTRY_POINTS = {
    "wsgi": [sys.executable, "-c", "import wsgi; print(wsgi.app.config['SITE_NAME'], wsgi.app.config['SERVER_NAME'])"],
    "flask": [str(BIN / "flask"), "routes"],
    "gunicorn": [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "--check-config", "wsgi:app"],
}


@pytest.mark.parametrize("entry", ENTRY_POINTS)
def test_every_entry_point_reads_the_env_file(tmp_path, entry):
    # Production without a server name refuses to start: only the .env file says "production".
    refused = _run(ENTRY_POINTS[entry], tmp_path, "CSTI_ENV=production\nCSTI_SECRET_KEY=x\n")
    assert refused.returncode != 0
    assert "CSTI_SERVER_NAME" in refused.stderr + refused.stdout
    started = _run(ENTRY_POINTS[entry], tmp_path,
                   "CSTI_ENV=production\nCSTI_SECRET_KEY=x\nCSTI_SERVER_NAME=csti.example.org\n"
                   "CSTI_SITE_NAME='Réseau CSTI'\n")
    assert started.returncode == 0, started.stderr
    if entry == "wsgi":
        assert started.stdout.strip() == "Réseau CSTI csti.example.org"


def test_the_real_environment_wins_over_the_env_file(tmp_path):
    result = _run(ENTRY_POINTS["wsgi"], tmp_path, "CSTI_ENV=production\nCSTI_SITE_NAME=fichier\n",
                  CSTI_ENV="default", CSTI_SITE_NAME="environnement")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "environnement"


def test_the_default_env_file_is_the_one_beside_wsgi_py(monkeypatch):
    from config import env_file

    monkeypatch.delenv("CSTI_ENV_FILE", raising=False)
    assert env_file() == ROOT / ".env"


def test_a_missing_env_file_named_explicitly_is_an_error(tmp_path):
    result = _run(ENTRY_POINTS["wsgi"], tmp_path, "", CSTI_ENV_FILE=str(tmp_path / "nope.env"))
    assert result.returncode != 0 and "CSTI_ENV_FILE" in result.stderr
