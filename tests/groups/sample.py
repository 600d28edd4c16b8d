"""The working groups' sample for the shared tests (tests/samples.py): an open group coordinated
by the site's author, with the reader as a member, a meeting and minutes for its members only."""
from datetime import datetime, time, timedelta

from csti.blueprints.events.schedule import schedule
from csti.models import Article, Event, GroupMember, WorkingGroup
from csti.models.base import utcnow

from ..samples import publish


def make(site, n):
    group = WorkingGroup(title=f"Groupe de travail médiation numérique {n}", territory=site.territory,
                         author=site.author, access="open", summary="Outils et pratiques du numérique en médiation.",
                         body="Nous nous retrouvons **une fois par mois**.")
    group.memberships = [GroupMember(user=site.author, role="coordinator"), GroupMember(user=site.reader)]
    group.owners = [site.owner]
    publish(site, group)
    meeting = Event(title=f"Réunion du groupe {n}", event_kind="meeting" if "meeting" in _kinds() else "talk",
                    territory=site.territory, author=site.author, group_id=group.id, members_only=True)
    start = datetime.combine(utcnow().date() + timedelta(days=3), time(14, 0)) + timedelta(minutes=n)
    schedule(meeting, start, start + timedelta(hours=2))
    meeting.publish()
    minutes = Article(title=f"Compte rendu du groupe {n}", territory=site.territory, author=site.author,
                      group_id=group.id, members_only=True, body="Présents : …")
    minutes.publish()
    site.db.session.add_all([meeting, minutes])
    site.db.session.flush()
    return group


def _kinds():
    from csti.models.events import EVENT_KINDS

    return EVENT_KINDS
