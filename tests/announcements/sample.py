"""The announcements' sample for the shared tests (tests/samples.py): a call for partners with
a deadline and a link, published for the site's structure."""
from datetime import timedelta

from csti.models import Announcement
from csti.models.base import utcnow

from ..samples import publish


def make(site, n):
    announcement = Announcement(title=f"Cherche fablab partenaire en astronomie ({n})",
                                announcement_kind="call_partners", territory=site.territory, author=site.author,
                                summary="Pour un atelier en mars.", deadline=utcnow().date() + timedelta(days=30),
                                link="https://example.org/appel")
    announcement.owners = [site.owner]
    return publish(site, announcement)
