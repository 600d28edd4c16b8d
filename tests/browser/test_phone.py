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


def _pages(live, site):
    """Every main page: each menu entry's list (from the registry), a page of each type, the
    agenda's views, tags, search, the account pages — and what an animator sees."""
    from flask import url_for

    from csti import registry

    with live.app.test_request_context():
        lists = [url_for(e.list_endpoint) for e in registry.nav_entries()]
    visitor = ["/", site["territory"], *lists, "/agenda?view=calendar", "/agenda?view=map", "/tags", site["tag"],
               "/search?q=nuit", "/search?q=nuit&kind=event", site["event"], site["training"], site["article"],
               site["announcement"], site["project"], site["dossier"], site["actor"], site["page"],
               "/login", "/register", "/forgot"]
    animator = ["/events/new", "/articles/new", "/moderation", "/actors/moderation", "/account", "/me/content",
                "/notifications", "/me/registrations", "/me/dossiers", site["roles"], site["event"]]
    return [(None, list(dict.fromkeys(visitor))), (site["animator"], animator)]


# The controls people tap: buttons, menus, form fields, pagination, the labels of check boxes
# and radio buttons; links inside text are left out (WCAG 2.5.8 exempts them), but not the
# header's nor the pagination's.
TAP_TARGETS = """() => [...document.querySelectorAll([
    '.site-header a', '.site-header summary', '.site-header button', '.site-header input',
    'main button', 'main .button', 'main input[type=submit]', 'main summary', 'main select',
    'main input:not([type=hidden]):not([type=checkbox]):not([type=radio])', 'main textarea',
    '.pagination a', 'main .check', 'main .tag-list a'].join(', '))]
  .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden, .skip-link, .leaflet-container'))
  .filter(el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height < 43.5; })
  .slice(0, 6)
  .map(el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string'
       ? '.' + el.className.trim().split(/\\s+/).join('.') : '')
       + ' "' + (el.textContent.trim() || el.name || el.id).slice(0, 30) + '" '
       + Math.round(el.getBoundingClientRect().height) + 'px')"""


def _visit_every_page(live, new_context, width, check):
    site = _site(live)
    found = []
    for who, paths in _pages(live, site):
        page = new_context(viewport={"width": width, "height": 844}).new_page()
        if who:
            log_in(page, who)
        for path in paths:
            response = page.goto(path)
            assert response.ok, f"{path}: {response.status}"
            _settled(page)
            problem = check(page)
            if problem:
                found.append(f"{path} ({who or 'visitor'}): {problem}")
    return found


@pytest.mark.parametrize("width", WIDTHS)
def test_no_page_is_wider_than_a_phone(live, new_context, width):
    wide = _visit_every_page(live, new_context, width, lambda page: page.evaluate(OVERFLOW))
    assert not wide, f"{len(wide)} pages wider than {width} px:\n  " + "\n  ".join(wide)


def test_tap_targets_are_44_px_high_on_a_phone(live, new_context):
    small = _visit_every_page(live, new_context, 390, lambda page: page.evaluate(TAP_TARGETS))
    assert not small, f"{len(small)} pages with tap targets under 44 px:\n  " + "\n  ".join(small)


def _phone_without_javascript(live, new_context):
    with live.data() as f:
        f.territory(slug="occitanie", name="Occitanie")
    return new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False).new_page()


def test_the_phone_header_folds_the_menu_and_works_without_javascript(live, new_context):
    page = _phone_without_javascript(live, new_context)
    page.goto("/")
    agenda = page.locator(".main-nav a[href='/agenda']")
    assert not agenda.is_visible(), "the main menu is folded on a phone"
    page.locator(".nav-disclosure > summary").click()
    assert agenda.is_visible()
    small = page.evaluate("""() => [...document.querySelectorAll(
        '.site-header a, .site-header summary, .site-header button, .site-header input')]
      .filter(el => el.offsetParent !== null && !el.closest('.visually-hidden, .skip-link'))
      .filter(el => el.getBoundingClientRect().height < 44)
      .map(el => (el.textContent.trim() || el.name) + ' ' + el.getBoundingClientRect().height + 'px')""")
    assert not small, f"tap targets under 44 px: {small}"
    with page.expect_navigation():
        agenda.click()
    assert page.url.endswith("/agenda")


def test_the_desktop_header_shows_the_menu_whole(live, page):
    page.goto("/")
    assert page.locator(".main-nav a[href='/agenda']").is_visible()
    assert not page.locator(".nav-disclosure > summary").is_visible()


def test_the_agenda_filters_fold_on_a_phone(live, new_context):
    page = _phone_without_javascript(live, new_context)
    page.goto("/agenda?kind=talk&price=free")
    summary = page.locator(".filters-disclosure > summary")
    assert summary.inner_text().endswith("(2)"), "Filtres (2): two filters are set"
    assert not page.locator("#agenda-kind").is_visible(), "the results come first"
    summary.click()
    assert page.locator("#agenda-kind").is_visible()
