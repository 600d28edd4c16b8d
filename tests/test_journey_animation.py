"""Issue 15's "Done when", tried as a new user would, on the REAL demo data (csti.demo.seed):
Claire, animator of Occitanie, hides a reported post (its author is told why), suspends a
spammer and hides their posts, merges two records of one fablab, reads the year's statistics —
each figure checked against a count of the database — and exports them, reads the audit log of
all that; in French (her language) and in English. Only HTTP, following the links of the pages."""
import csv
import io
import re
from datetime import UTC, datetime

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from webtest import TestApp

from csti.dates import local_zone
from csti.demo import DEMO_PASSWORD, animation
from csti.demo import seed as demo_seed
from csti.models import AccountSanction, Actor, Article, Comment, Content, Event, Membership, Report, Territory, User
from csti.models.actors import ACTOR_KINDS
from csti.models.events import EVENT_KINDS
from csti.templating import elide_filter
from csti.visits import today
from tests.conftest import isolated, login


def _browser(app, language="fr"):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": language})


def _tr(app, text, language, **values):
    """``text`` as the interface says it in ``language`` (its catalogue; "de Occitanie" elided)."""
    with app.test_request_context(), force_locale(language):
        return elide_filter(_(text, **values), *values.values())


def _link(page, text):
    """The href of the link whose text is ``text`` (exactly, spaces squeezed)."""
    for a in page.html.find_all("a"):
        if " ".join(a.get_text().split()) == text:
            return a["href"]
    raise AssertionError(f"no link {text!r} on {page.request.path}")


def _words(page) -> str:
    return " ".join(page.html.get_text().split())


def _section_rows(page, key) -> list[list[str]]:
    section = page.html.find(id=f"stats-{key}").find_parent("section")
    return [[" ".join(c.get_text().split()) for c in row.find_all(["th", "td"])] for row in section.tbody.find_all("tr")]


def _number(text) -> int:
    return int(re.sub(r"\D", "", text))


def _csv_sections(text) -> dict[str, list[list[str]]]:
    """{section title: rows (after the headers)} of the statistics CSV."""
    sections, title, rows = {}, None, []
    for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))):
        if not row:
            if title:
                sections[title] = rows[1:]
            title, rows = None, []
        elif title is None:
            title = row[0]
        else:
            rows.append(row)
    return sections


@pytest.fixture
def demo(app, db):
    with app.app_context():
        lines = demo_seed()
    assert any(line.startswith("animation (Occitanie)") for line in lines), lines
    db.session.rollback()
    return db


def test_an_animator_s_year(app, demo):
    db = demo
    occitanie = db.session.scalar(select(Territory).where(Territory.slug == "occitanie"))
    spammer = User.by_email(animation.SPAMMER[0])
    claire = _browser(app)
    assert login(claire, "claire.martin@csti.example", DEMO_PASSWORD).status_int in (302, 303)
    fr = lambda text, **v: _tr(app, text, "fr", **v)  # noqa: E731
    en = lambda text, **v: _tr(app, text, "en", **v)  # noqa: E731

    # 1. A reported post: from the moderation page to the reports, hidden with a reason.
    moderation = claire.get("/moderation")
    assert "Signalements" == fr("Reports")
    reports = claire.get(_link(moderation, fr("Reports")))
    row = next(tr for tr in reports.html.select("table.reports tbody tr")
               if tr.th.get_text(strip=True) == animation.REPORTED[0])
    assert animation.REPORT_REASON in row.get_text()
    reported_url = row.th.a["href"]
    action = row.find("form", action=re.compile(r"/hide$"))["action"]
    form = next(f for f in reports.forms.values() if f.action == action)
    assert form["reason"].value == animation.REPORT_REASON  # the report's reason, to edit
    form["reason"] = "Les annonces entre particuliers n’ont pas leur place ici : merci de passer par le forum."
    page = form.submit().follow()
    assert animation.REPORTED[0] not in [tr.th.get_text(strip=True) for tr in page.html.select("table.reports tbody tr")]
    db.session.rollback()
    reported = db.session.scalar(select(Article).where(Article.title == animation.REPORTED[0]))
    assert reported.status == "draft"
    assert db.session.scalar(select(func.count(Report.id)).where(Report.content_id == reported.id,
                                                                 Report.status == "open")) == 0
    sophie = _browser(app)
    login(sophie, "sophie.nguyen@csti.example", DEMO_PASSWORD)
    told = _words(sophie.get("/notifications"))
    assert fr("Your publication “%(title)s” was taken down by %(who)s: %(reason)s", title=animation.REPORTED[0],
              who="Claire Martin", reason="Les annonces entre particuliers n’ont pas leur place ici") in told
    assert "Votre publication « Vente de kits de robotique" in told
    assert _browser(app).get(reported_url, expect_errors=True).status_int == 404  # out of sight

    # 2. The spammer: their posts wait in the queue, why is said; Claire suspends them from their
    # profile and hides all their content.
    moderation = claire.get("/moderation")
    held = [tr for tr in moderation.html.select("tr[id^=pending-]") if tr.find(class_="queued-because")]
    held = [tr for tr in held if tr.td.get_text(strip=True) == spammer.name]
    assert len(held) == 2
    assert {" ".join(tr.find(class_="queued-because").get_text().split()) for tr in held} == {
        f"{fr('Held for review:')} {fr('links in a first post')}", f"{fr('Held for review:')} {fr('many links')}"}
    published_post = db.session.scalar(select(Article).where(Article.author_id == spammer.id,
                                                             Article.status == "published"))
    spam_comment = db.session.scalar(select(Comment).where(Comment.author_id == spammer.id))
    commented = db.session.get(Content, spam_comment.content_id)
    with app.test_request_context():
        commented_url, published_url = commented.url, published_post.url
    anonymous = _browser(app)
    assert f'href="{published_url}"' in anonymous.get("/articles").text
    assert f'href="{published_url}"' in anonymous.get("/search", params={"q": published_post.title}).text
    assert animation.SPAM_SITE in anonymous.get(commented_url).maybe_follow().text

    profile = claire.get(held[0].td.a["href"])
    sanction_url = _link(profile, f"{fr('Suspend or ban')} {spammer.name}")
    form = claire.get(sanction_url).forms["sanction-form"]
    assert [value for value, *_rest in form["kind"].options] == ["suspend", "hide"]  # banning: the admins
    form["kind"].force_value("ban")
    form["duration"], form["reason"] = "7", "Spam."
    refused = form.submit(expect_errors=True)  # a forged request too
    assert refused.status_int in (403, 422)  # not a choice of hers: refused, nothing saved
    db.session.rollback()
    assert db.session.scalar(select(func.count(AccountSanction.id)).where(AccountSanction.user_id == spammer.id)) == 0
    form = claire.get(sanction_url).forms["sanction-form"]
    form["kind"], form["duration"] = "suspend", "30"
    form["reason"] = "Publicités répétées pour un site marchand."
    form["hide"] = True
    assert form.submit().status_int in (302, 303)
    db.session.rollback()
    spammer_browser = _browser(app)
    refused = login(spammer_browser, spammer.email, DEMO_PASSWORD)
    assert refused.status_int == 403
    assert "Votre compte est suspendu jusqu’au" in _words(refused)
    assert published_url not in anonymous.get("/articles").text
    assert published_url not in anonymous.get("/search", params={"q": published_post.title}).text
    assert anonymous.get(published_url, expect_errors=True).status_int == 404
    thread = anonymous.get(commented_url).maybe_follow()
    assert animation.SPAM_SITE not in thread.text and fr("Comment hidden by the moderators.") in _words(thread)

    # 3. The duplicate fablab: "This is a duplicate of…" on one page, the suggestion, confirm.
    found = claire.get("/search", params={"q": "Artilect"})
    duplicate_page = claire.get(_link(found, "Artilect FabLab")).maybe_follow()
    old_url = duplicate_page.request.path
    merge = claire.get(_link(duplicate_page, fr("This is a duplicate of…")))
    merge = claire.get(_link(merge, fr("keep this one")))
    form = merge.forms["actor-merge-form"]
    form["reason"] = "Le même fablab, proposé deux fois."
    confirm = form.submit()
    counts = {tr.th.get_text(strip=True): tr.td.get_text(strip=True) for tr in confirm.html.select("table.merge-counts tbody tr")}
    assert counts[fr("Events held there (venue)")] == "1" and counts[fr("Events it organises")] == "1"
    kept = confirm.forms["actor-merge-confirm"].submit().follow()
    assert kept.html.h1.get_text(strip=True) == "Fablab Artilect"
    moved = anonymous.get(old_url, expect_errors=True)
    assert moved.status_int == 301 and moved.location.endswith(kept.request.path)
    for _title, _site, _mail, _summary, event_title, _days in animation.DUPLICATES:
        assert event_title in _words(anonymous.get(kept.request.path))
    db.session.rollback()
    assert db.session.scalar(select(func.count(Actor.id)).where(Actor.title.in_(("Fablab Artilect", "Artilect FabLab")))) == 1

    # 4. The year's statistics, each figure against a count of the database, then the CSV.
    moderation = claire.get("/moderation")
    stats = claire.get(_link(moderation, fr("Statistics of %(name)s", name="Occitanie")))
    assert stats.html.h1.get_text(strip=True) == "Statistiques d’Occitanie"
    year = today().year
    zone = local_zone()
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    end = datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)
    members = db.session.scalar(select(func.count()).select_from(Membership).where(Membership.territory_id == occitanie.id))
    events = dict(db.session.execute(
        select(Event.event_kind, func.count()).where(Event.territory_id == occitanie.id, Event.status == "published",
                                                     Event.members_only.is_not(True),  # a group's own: not counted
                                                     Event.starts_at >= start, Event.starts_at < end)
        .group_by(Event.event_kind)).all())
    kinds = dict(db.session.execute(
        select(Actor.actor_kind, func.count()).where(Actor.territory_id == occitanie.id, Actor.status == "published")
        .group_by(Actor.actor_kind)).all())
    assert members > 5 and sum(events.values()) > 5 and kinds.get("fablab")
    summary = {row[0]: row[1] for row in _section_rows(stats, "summary")}
    assert _number(summary[fr("Members")]) == members
    assert _number(summary[fr("Events")]) == sum(events.values())
    with app.test_request_context(), force_locale("fr"):
        event_labels = {str(label): kind for kind, label in EVENT_KINDS.items()}
        actor_labels = {str(label): kind for kind, label in ACTOR_KINDS.items()}
    shown = {event_labels[label]: _number(n) for label, n in _section_rows(stats, "event-kinds")}
    assert shown == events
    shown = {actor_labels[label]: _number(n) for label, n in _section_rows(stats, "structure-kinds")}
    assert shown == kinds
    for key in ("content", "events", "structure-kinds"):  # a chart above each table
        section = stats.html.find(id=f"stats-{key}").find_parent("section")
        assert section.find("svg", attrs={"role": "img"}) is not None and section.find("table").caption is not None
    export = claire.get(_link(stats, fr("Download every figure (CSV)")))
    assert export.content_type == "text/csv"
    sections = _csv_sections(export.body.decode("utf-8"))
    summary_csv = dict(sections[stats.html.find(id="stats-summary").get_text(strip=True)])
    assert int(summary_csv[fr("Members")]) == members
    assert int(summary_csv[fr("Events")]) == sum(events.values())
    events_title = stats.html.find(id="stats-event-kinds").get_text(strip=True)
    assert {event_labels[label]: int(n) for label, n in sections[events_title]} == events
    kinds_title = stats.html.find(id="stats-structure-kinds").get_text(strip=True)
    assert {actor_labels[label]: int(n) for label, n in sections[kinds_title]} == kinds

    # 5. The audit log: the take-down, the suspension and the merge, with their reasons (and the
    # demo's earlier take-down and lifted suspension).
    audit = claire.get(_link(moderation, fr("Audit log of %(name)s", name="Occitanie")))
    assert audit.html.h1 is not None
    rows = [" ".join(tr.get_text().split()) for tr in audit.html.select("tbody tr")]

    def entry(label, reason):
        return [r for r in rows if label in r and reason in r]

    article = fr("Article")
    assert entry(fr("%(kind)s taken down", kind=article), "Les annonces entre particuliers")
    assert entry(fr("%(kind)s taken down", kind=article), animation.TAKE_DOWN_REASON)
    assert entry(fr("Member suspended"), "Publicités répétées pour un site marchand.")
    assert entry(fr("Member suspended"), animation.SUSPENSION_REASON)
    assert entry(fr("Sanction lifted"), animation.LIFT_REASON)
    assert entry(fr("Structures merged"), "Le même fablab, proposé deux fois.")

    # 6. In English: the language link of the header, then the same pages.
    home = claire.get("/")
    claire.get(_link(home, "English")).maybe_follow()
    db.session.rollback()
    assert User.by_email("claire.martin@csti.example").locale == "en"
    stats = claire.get(stats.request.path_qs)
    assert stats.html.h1.get_text(strip=True) == "Statistics of Occitanie"
    summary = {row[0]: row[1] for row in _section_rows(stats, "summary")}
    assert _number(summary["Members"]) == members and _number(summary["Events"]) == sum(events.values())
    assert {row[0] for row in _section_rows(stats, "structure-kinds")} >= {"Fablab / makerspace"}
    assert stats.html.find(id="stats-event-kinds").get_text(strip=True) == en("Events by kind")
    audit = claire.get(audit.request.path_qs)
    words = _words(audit)
    for label in ("Article taken down", "Member suspended", "Sanction lifted", "Structures merged"):
        assert label in words
    assert "Le même fablab, proposé deux fois." in words
