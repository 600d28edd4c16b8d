"""Fixtures of the events tests: an event factory that schedules through ``csti.blueprints.events.schedule.schedule``,
a territory, and a frozen "now" for the agenda's date filters."""
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from csti.blueprints.events.schedule import schedule
from csti.models import Event

from .helpers import PARIS, in_days

_seq = itertools.count(1)


@pytest.fixture
def occitanie(factory):
    return factory.territory(slug="occitanie", name="Occitanie")


@pytest.fixture
def make_event(db):
    """``make_event(territory, title=..., start=<local naive datetime>, hours=2, **fields)``: an
    event dated by ``csti.blueprints.events.schedule.schedule`` (``recurrence``, ``until``, ``extra``, ``exceptions``,
    ``all_day`` are passed to it), published unless ``status`` says otherwise. ``owners``: the
    organising structures; ``tags``, ``audiences`` as lists. Starts in ten days by default."""

    def make_event(territory, title=None, *, start=None, hours=2, end=None, status="published", kind="talk",
                   author=None, owners=(), tags=(), audiences=(), recurrence="none", until=None, extra=(),
                   exceptions=(), all_day=False, **fields):
        event = Event(title=title or f"Événement {next(_seq)}", event_kind=kind, territory=territory,
                      author=author, **fields)
        start = start or in_days(10)
        schedule(event, start, end or start + timedelta(hours=hours), all_day, recurrence, until, list(extra),
                 list(exceptions))
        event.owners = list(owners)
        event.audiences = list(audiences)
        for tag in tags:
            event.add_tag(tag)
        if status == "published":
            event.publish()
        else:
            event.status = status
        db.session.add(event)
        db.session.commit()
        return event

    return make_event


@pytest.fixture
def now_is(monkeypatch):
    """``now_is(local_naive_datetime)``: freeze the agenda's "now" (the date filters' reference)
    at that Paris time. Registrations keep the real clock."""

    def now_is(local: datetime):
        frozen = local.replace(tzinfo=PARIS).astimezone(UTC)
        monkeypatch.setattr("csti.blueprints.events.agenda.utcnow", lambda: frozen)
        monkeypatch.setattr("csti.models.base.utcnow", lambda: frozen)
        return frozen

    return now_is

