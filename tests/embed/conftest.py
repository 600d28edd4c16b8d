"""Fixtures of the widgets' tests: the events tests' event factory and territory, and
publications made here."""
from datetime import timedelta

import pytest

from csti.models.base import utcnow

from ..events.conftest import make_event, occitanie  # noqa: F401  (fixtures)


@pytest.fixture
def publish(db):
    """``publish(model, territory, title, days_ago=0, **fields)``: a published article or
    announcement, ``days_ago`` days old; ``status``, ``owners``, ``tags`` as for events."""

    def publish(model, territory, title, *, days_ago=0, status="published", owners=(), tags=(), **fields):
        item = model(title=title, territory=territory, summary=f"{title}, en bref.", body="Du texte.", **fields)
        item.owners = list(owners)
        for tag in tags:
            item.add_tag(tag)
        if status == "published":
            item.publish()
            item.published_at = utcnow() - timedelta(days=days_ago, minutes=1)
        else:
            item.status = status
        db.session.add(item)
        db.session.commit()
        return item

    return publish

