"""The application every entry point serves: ``gunicorn wsgi:app``, ``flask`` (FLASK_APP=wsgi).

The settings file (``.env`` beside this file, or ``CSTI_ENV_FILE``) is read here, so gunicorn and
the ``flask`` command see the same settings; the real environment wins over it.
"""
from config import load_env_file

load_env_file()

from csti import create_app  # noqa: E402  (after the settings are in the environment)

app = create_app()
