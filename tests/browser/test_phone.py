"""Phone widths: no main page is wider than the viewport at 390 and 360 px (nothing scrolls
sideways), the header's links stay reachable without JavaScript, its tap targets are at least
44 px high, and every list's filters fold behind "Filters (n)" so that its results come first."""
import pytest
from sqlalchemy import select

from csti.models import Territory, User

from .. import samples
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
        member_id = f.db.session.scalar(select(User.id).where(User.email == site["member"]))
    return {**site, "profile": f"/members/{member_id}"}


def _pages(live, site):
    """Every main page: each menu entry's list (from the registry), a page of each type, the
    agenda's views, tags, search, the account pages — what an animator sees, a member's own
    pages (feed, follows, welcome, profile) and each type's new and edit forms."""
    from flask import url_for

    from csti import registry

    with live.app.test_request_context():
        lists = [url_for(e.list_endpoint) for e in registry.nav_entries()]
    visitor = ["/", site["territory"], *lists, "/agenda?view=calendar", "/agenda?view=map", "/tags", site["tag"],
               "/search?q=nuit", "/search?q=nuit&kind=event", site["event"], site["training"], site["article"],
               site["announcement"], site["project"], site["dossier"], site["actor"], site["page"],
               "/login", "/register", "/forgot", "/embed", "/embed/agenda", "/embed/news?theme=dark"]
    animator = ["/events/new", "/articles/new", "/moderation", "/actors/moderation", "/account", "/me/content",
                "/notifications", "/me/registrations", "/me/dossiers", site["roles"], site["event"],
                "/page/new", f"/page/{site['page_id']}/edit",
                f"/content/{site['article_id']}/take-down", "/moderation/reports", "/sanctions",
                f"/members/{site['member_id']}/sanction", "/tags/merge", "/actors/merge",
                "/t/occitanie/audit", "/t/occitanie/settings", "/t/occitanie/stats"]
    member = ["/me/feed", "/me/follows", "/welcome", site["profile"]]
    return [(None, list(dict.fromkeys(visitor))), (site["animator"], animator), (site["member"], member),
            (site["author"], _forms(live, site))]


def _forms(live, site):
    """The new and edit forms of each listed type (from the registry), as the author of the
    samples (and manager of their structure) sees them."""
    from flask import url_for

    forms = []
    with live.app.test_request_context():
        for t in samples.listed_types():
            if create := samples.endpoint(live.app, t, "create"):
                forms.append(url_for(create))
            if edit := samples.endpoint(live.app, t, "edit"):
                forms.append(url_for(edit, id=site["samples"][t.kind][0]))
    return list(dict.fromkeys(forms))


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


def _filtered_lists(live, site):
    """Every list with a filter form, by who sees it: each listed type's list (from the
    registry), the search, My feed, My content and the moderation queue."""
    from flask import url_for

    with live.app.test_request_context():
        lists = [url_for(t.list_endpoint) for t in samples.listed_types()]
    return [(None, [*lists, "/search?q=nuit"]), (site["member"], ["/me/feed"]), (site["author"], ["/me/content"]),
            (site["animator"], ["/moderation"])]


# The top of the first result of a list (a card, an event, a search hit, a row to review), not
# counting a map the page shows above its list on purpose (the directory's, .map-panel).
FIRST_RESULT = """() => {
  const el = document.querySelector('main .cards > li, main .event-list > li, main .search-results > li, #queue tbody tr');
  if (!el) return null;
  const top = el.getBoundingClientRect().top;
  const maps = [...document.querySelectorAll('main .map-panel')].map(m => m.getBoundingClientRect())
    .filter(r => r.bottom <= top).reduce((sum, r) => sum + r.height, 0);
  return Math.round(top - maps);
}"""


def _check_filters(live, new_context, width, check):
    site = _site(live)
    found = []
    for who, paths in _filtered_lists(live, site):
        page = new_context(viewport={"width": width, "height": 844}).new_page()
        if who:
            log_in(page, who)
        for path in paths:
            response = page.goto(path)
            assert response.ok, f"{path}: {response.status}"
            _settled(page)
            disclosure = page.locator("details.filters-disclosure")
            if disclosure.count() != 1:
                found.append(f"{path}: {disclosure.count()} filter disclosures")
                continue
            problem = check(page, disclosure)
            if problem:
                found.append(f"{path} ({who or 'visitor'}): {problem}")
    return found


def test_every_list_folds_its_filters_on_a_phone(live, new_context):
    def folded(page, disclosure):
        if disclosure.get_attribute("open") is not None:
            return "the filters are open"
        if not disclosure.locator("summary").is_visible():
            return "no 'Filters (n)' to open them"
        if disclosure.locator("select, input:not([type=hidden]), fieldset").first.is_visible():
            return "the filters' fields show"
        top = page.evaluate(FIRST_RESULT)
        if top is None:
            return "no result to see"
        if top > 844:
            return f"the first result starts at {top} px, below the first screen"
        return None

    problems = _check_filters(live, new_context, 390, folded)
    assert not problems, f"{len(problems)} lists whose filters push the results down:\n  " + "\n  ".join(problems)


def test_every_list_shows_its_filters_whole_on_a_wide_screen(live, new_context):
    def whole(page, disclosure):
        if disclosure.locator("summary").is_visible():
            return "'Filters (n)' shows"
        if not disclosure.locator("select, input:not([type=hidden]), fieldset").first.is_visible():
            return "the filters are folded"
        return None

    problems = _check_filters(live, new_context, 1280, whole)
    assert not problems, f"{len(problems)} lists whose filters are folded:\n  " + "\n  ".join(problems)


def test_the_filters_count_what_is_set_and_come_back_open_after_an_htmx_swap(live, new_context):
    site = _site(live)
    page = new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto("/articles?territory=occitanie&tag=astronomie&q=nuit")
    _settled(page)
    summary = page.locator(".filters-disclosure > summary")
    assert summary.inner_text().endswith("(3)")
    summary.click()
    with page.expect_response(lambda r: "/articles" in r.url and r.request.headers.get("hx-request")):
        page.locator("#articles-territory").select_option("")
    expect_open = page.locator("details.filters-disclosure[open] #articles-territory")
    expect_open.wait_for()  # #results only was swapped: the filters stay open
    page.goto("/search?q=nuit&kind=event")
    _settled(page)
    assert page.locator("#search-page-q").is_visible(), "the words to find stay in sight"
    assert page.locator(".filters-disclosure > summary").inner_text().endswith("(1)")
    assert not page.locator("#search-kind").is_visible()
    page.locator("#search-page-q").fill("astronomie")
    page.locator("#search-page-q").press("Enter")
    # htmx swaps #search whole: it comes back with its facets open (the person is searching)
    page.locator("details.filters-disclosure[open] #search-kind").wait_for()
    assert page.locator("#search-page-q").input_value() == "astronomie"
    assert site
