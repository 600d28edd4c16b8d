"""axe-core (WCAG 2.1 A and AA rules) finds no violation on each kind of page, as a visitor, an
author and an admin see them. axe is injected into the page, which the site's CSP forbids: this
test's browser contexts bypass the CSP (and only this test's).

Every page is checked in French, then in English in the same browser context (switched by
``/lang/en`` as a visitor does: the account's locale for those logged in); each page says it is
in its language and is (its header's search button). The widgets are in the language their URL
asks for, whoever looks: checked once."""
from urllib.parse import parse_qs, urlsplit

import pytest

from csti.models import Content
from csti.models.surveys import Survey

from ..needs import AXE, need_node_package
from ..sample_site import build
from ..surveys.pages import sample_surveys
from ..surveys.results_data import ROWS, add_responses
from .conftest import log_in
from .test_console import _settled

pytestmark = pytest.mark.browser

RUN_AXE = """() => axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '').split('\\n').slice(1).join(' '))})))"""


LANGUAGES = ("fr", "en")
SEARCH_BUTTON = {"fr": "Rechercher", "en": "Search"}  # in the header of every page but the widgets


def _widget(path):
    return path.startswith("/embed/")


def _check_language(page, path, lang):
    """The page's <html lang> is ``lang`` and its interface is in it; a widget's is the one its
    URL asks for (French by default)."""
    if _widget(path):
        asked = parse_qs(urlsplit(path).query).get("lang", [""])[0]
        lang = asked if asked in LANGUAGES else "fr"
    found = page.locator("html").get_attribute("lang")
    if found != lang:
        return [f"{path}: <html lang={found!r}>, expected {lang!r}"]
    if not _widget(path) and page.locator(".header-search button[type=submit]", has_text=SEARCH_BUTTON[lang]).count() != 1:
        return [f"{path}: the header's search button is not in {lang}"]
    return []


def _pages(site):
    anonymous = ["/", site["territory"], site["page"], "/tags", site["tag"], "/login", "/register",
                 "/forgot", "/no-such-page", "/actors", "/actors?kind=museum", site["actor"], "/agenda",
                 "/agenda?view=calendar", "/agenda?view=map", site["event"], "/trainings", site["training"],
                 "/articles", site["article"], "/announcements", site["announcement"],
                 "/projects", site["project"], "/dossiers", site["dossier"],
                 # the resource centre (issue #16): a date refused next to its field, the calendar
                 "/resources", "/resources?from=2030-01-10&to=2030-01-01", site["resource"], "/partners",
                 "/partners/libraries",
                 # surveys (issue #17): the public answer page, closed, thanks
                 site["survey"], site["survey_closed"], site["survey"] + "/thanks",
                 # embeddable widgets (issue #18): the Embed page (and a refusal), the widgets
                 "/embed", "/embed?widget=news&limit=0", "/embed/agenda?color=%23ffff00",
                 "/embed/news?theme=dark&color=%23000080&lang=en", "/embed/agenda?limit=0",
                 "/api"]  # the API's documentation (issue #18)
    author = ["/account", site["page"], site["actor"], "/actors/new", site["event"], "/events/new", "/articles/new",
              "/announcements/new", site["announcement"], site["project"], "/projects/new",
              site["dossier"], site["private_dossier"], "/me/dossiers", "/dossiers/new",
              f"/content/{site['article_id']}/dossiers",
              site["resource"], "/resources/new", "/me/loans", "/me/requests",  # the loan request form
              "/account/api-keys"]  # a key and its revoke button (issue #18)
    admin = ["/admin", site["roles"], "/moderation", "/welcome", "/me/feed", "/admin/audit", "/admin/stats",
             # the organiser's pages of a survey (issue #17), with responses: builder, link, results
             "/surveys/", f"/surveys/{site['survey_id']}", f"/surveys/{site['survey_id']}/share",
             f"/surveys/{site['survey_id']}/results", "/surveys/compare", "/surveys/new",
             f"/surveys/{site['survey_id']}/delete"]
    # The animation pages (issue #15), as the territory's animator sees them.
    animator = [f"/content/{site['article_id']}/take-down", "/moderation/reports", "/sanctions",
                 f"/members/{site['member_id']}/sanction", "/tags/merge", "/actors/merge",
                 "/t/occitanie/audit", "/t/occitanie/settings", "/t/occitanie/stats"]
    member = ["/", "/me/feed", "/me/feed?kind=article"]  # her feed and next registrations (sample_site)
    return [(None, anonymous), (site["author"], author), (site["admin"], admin), (site["member"], member),
            (site["animator"], animator)]


def test_pages_have_no_axe_violations(live, new_context):
    need_node_package("axe-core")
    with live.data() as f:
        site = build(f)
        site.update(sample_surveys(f.db, f.db.session.get(Content, site["page_id"])))
        survey = f.db.session.get(Survey, site["survey_id"])
        add_responses(f.db, survey, ROWS)
        _api_key(f.db, site["author"])
    found, checked = [], 0
    for who, paths in _pages(site):
        page = new_context(bypass_csp=True).new_page()
        if who:
            log_in(page, who)
        for lang in LANGUAGES:
            if lang != "fr":  # French by default; then the visitor's switch
                page.goto(f"/lang/{lang}?next=/")
            for path in paths:
                if lang != "fr" and _widget(path):
                    continue  # the same widget whatever the visitor's language
                page.goto(path)
                _settled(page)
                found += [f"{problem} ({who or 'visitor'})" for problem in _check_language(page, path, lang)]
                page.add_script_tag(path=str(AXE))
                checked += 1
                for v in page.evaluate(RUN_AXE):
                    found.append(f"{path} in {lang} ({who or 'visitor'}): {v['id']} [{v['impact']}] {v['help']}"
                                 "\n      " + "\n      ".join(v["nodes"]))
    assert checked > 150, checked  # every page, twice
    assert not found, (f"{len(found)} accessibility violations or pages not in their language:\n  "
                       + "\n  ".join(found))


def _api_key(db, email):
    from sqlalchemy import select

    from csti.apikeys import create_key
    from csti.models import User

    create_key(db.session.scalar(select(User).where(User.email == email)), "Site du musée")
    db.session.commit()


def _violations(page):
    page.add_script_tag(path=str(AXE))
    return [f"{v['id']} [{v['impact']}] {v['help']}: " + "; ".join(v["nodes"]) for v in page.evaluate(RUN_AXE)]


def test_a_new_api_key_shown_once_has_no_axe_violations(live, new_context):
    """The answer to creating an API key (a POST): the key in a read-only field, the warning."""
    need_node_package("axe-core")
    with live.data() as f:
        email = f.user().email
    page = new_context(bypass_csp=True).new_page()
    log_in(page, email)
    page.goto("/account/api-keys")
    page.locator("#api-key-form input[name=name]").fill("Agenda sur notre site")
    with page.expect_navigation():
        page.locator("#api-key-form button[type=submit]").click()
    assert page.locator("#new-api-key").input_value().startswith("csti_")
    assert not _violations(page)
