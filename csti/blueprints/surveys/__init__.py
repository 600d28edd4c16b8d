"""Evaluation (issue #17): questionnaires an organiser attaches to an event, a project or a
resource (or keeps standalone), answered through a short public link or its QR code without an
account and without JavaScript, and their results. Not a content type: surveys are tools of
their organisers, never listed or searched (models: ``csti/models/surveys.py``).

Domain modules: ``templates.py`` (the templates a survey starts from), ``builder.py`` (making and
editing surveys), ``answering.py`` (the public page: one response per device, replays counted
once), ``results.py`` (counts, averages, distributions, NPS, comparison, CSV, the network's
indicators)."""
from flask import Blueprint

bp = Blueprint("surveys", __name__)

from . import routes  # noqa: E402,F401
