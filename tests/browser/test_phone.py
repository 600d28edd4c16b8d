"""Phone widths: no main page is wider than the viewport at 390 and 360 px (nothing scrolls
sideways), the header's links stay reachable without JavaScript, and its tap targets are at least
44 px high."""
import pytest
from sqlalchemy import select

from csti.models import Territory

from ..sample_site import build, make_actor
from .conftest import log_in
from .test_console import _settled

pytestmark = pytest.mark.browser

WIDTHS = (390, 360)
OVERFLOW = """() => {
  const width = window.innerWidth, doc = document.documentElement;
  if (doc.scrollWidth <= width) return null;
  const wide = [...document.querySelectorAll('body *')].filter(el => {
    const r = el.getBoundingClientRect();
    return r.right > width + 0.5 && getComputedStyle(el).position !== 'absolute'
      && !el.closest('.visually-hidden');
  }).slice(0, 4).map(el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
      + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
      + ' ' + Math.round(el.getBoundingClientRect().right) + 'px');
  return doc.scrollWidth + 'px: ' + wide.join(', ');
}"""


def _site(live):
    """The sample site, plus a structure waiting for validation with a long name and URL."""
    with live.data() as f:
        site = build(f)
        occitanie = f.db.session.scalar(select(Territory).where(Territory.slug == "occitanie"))
        make_actor(f.db, occitanie,
                   "Association pour la diffusion de la culture scientifique et technique en région Occitanie",
                   status="pending", website="https://example.org/une-adresse-tres-longue-sans-aucune-coupure-possible")
    return site


def _pages(site):
    visitor = ["/", site["territory"], "/agenda", "/agenda?view=calendar", "/agenda?view=map", "/actors",
               "/articles", "/announcements", "/projects", "/dossiers", "/tags", site["tag"],
               "/search?q=nuit", site["event"], site["article"], site["actor"], "/login", "/register"]
    animator = ["/events/new", "/articles/new", "/moderation", "/actors/moderation", "/account"]
    return [(None, visitor), (site["animator"], animator)]


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_a_phone(live, new_context, width):
    site = _site(live)
    wide = []
    for who, paths in _pages(site):
        page = new_context(viewport={"width": width, "height": 844}).new_page()
        if who:
            log_in(page, who)
        for path in paths:
            response = page.goto(path)
            assert response.ok, f"{path}: {response.status}"
            _settled(page)
            overflow = page.evaluate(OVERFLOW)
            if overflow:
                wide.append(f"{path} ({who or 'visitor'}): {overflow}")
    assert not wide, f"{len(wide)} pages wider than {width} px:\n  " + "\n  ".join(wide)
