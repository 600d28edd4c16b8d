"""An account whose e-mail address is not confirmed cannot join a territory, register to an
event, like, follow or report: refused on the server (a message and a redirect, or 403 for
htmx), nothing saved, and every page tells them to confirm their address."""
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from csti.blueprints.events.schedule import schedule
from csti.models import Event, Follow, Membership, Reaction, Registration, Report, Tag, User
from csti.models.base import utcnow
from tests.conftest import csrf_headers

CONFIRM = "Confirm your e-mail address first"


@pytest.fixture
def setup(db, factory):
    territory = factory.territory(slug="occitanie", name="Occitanie")
    author = factory.user(roles={territory: "contributor"})
    page = factory.page(territory=territory, author=author, title="Une page publiée")
    event = Event(title="Atelier robotique", event_kind="workshop", territory=territory, author=author,
                  registration_mode="site", capacity=10)
    start = (utcnow() + timedelta(days=10)).replace(tzinfo=None, microsecond=0)
    schedule(event, start, start + timedelta(hours=2), False, "none", None, [], [])
    event.publish()
    db.session.add(event)
    db.session.commit()
    return territory, page, event


def _count(db, model):
    db.session.rollback()
    return db.session.scalar(select(func.count()).select_from(model))


def _actions(territory, page, event):
    """(name, URL, form data, the page it starts from, the model that must stay empty)."""
    page_path = f"/page/{page.id}-{page.slug}"
    return [
        ("join", f"/t/{territory.slug}/join", {}, f"/t/{territory.slug}", Membership),
        ("register", f"/event/{event.id}/register", {}, f"/event/{event.id}", Registration),
        ("like", f"/content/{page.id}/like", {"value": "1"}, page_path, Reaction),
        ("follow content", f"/follow/content/{page.id}", {"follow": "1"}, page_path, Follow),
        ("follow tag", "/follow/tag/astronomie", {"follow": "1"}, page_path, Follow),
        ("report", f"/content/{page.id}/report", {"reason": "Ce contenu pose problème."}, page_path, Report),
    ]


@pytest.mark.parametrize("index", range(6))
def test_unconfirmed_accounts_are_refused_with_a_message(testapp_en, db, factory, log_in, setup, index):
    territory, page, event = setup
    db.session.add(Tag(slug="astronomie", name="astronomie"))
    db.session.commit()
    name, url, data, start, model = _actions(territory, page, event)[index]
    before = _count(db, model)
    user = factory.user(confirmed=False)
    log_in(testapp_en, user)
    shown = testapp_en.get(start).maybe_follow()
    headers = csrf_headers(shown)
    # Without JavaScript: back to the page, the message on it.
    response = testapp_en.post(url, data, headers={"X-CSRFToken": headers["X-CSRFToken"], "Referer": start},
                               status=303)
    assert CONFIRM in response.follow().text
    # With htmx: 403 and the message.
    refused = testapp_en.post(url, data, headers=headers, status=403)
    assert CONFIRM in refused.text
    assert _count(db, model) == before, name
    # The same action once the address is confirmed works.
    db.session.get(User, user.id).email_confirmed_at = utcnow()
    db.session.commit()
    testapp_en.post(url, data, headers=headers, status="*")
    assert _count(db, model) == before + 1, name


def test_the_report_form_is_not_even_shown(testapp_en, db, factory, log_in, setup):
    _territory, page, _event = setup
    log_in(testapp_en, factory.user(confirmed=False))
    response = testapp_en.get(f"/content/{page.id}/report", status=303)
    assert CONFIRM in response.follow().text


def test_every_page_tells_them_to_confirm_with_a_way_to_get_a_new_link(testapp_en, db, factory, log_in, mails,
                                                                        setup):
    territory, _page, _event = setup
    log_in(testapp_en, factory.user(confirmed=False, email="new@example.org"))
    home = testapp_en.get(f"/t/{territory.slug}")
    reminder = home.html.find("form", class_="confirm-reminder")
    assert reminder is not None and "new@example.org" in reminder.text
    home.forms[[k for k, f in home.forms.items() if f.action == "/confirm"][0]].submit()
    assert mails[-1].to == ["new@example.org"]


def test_confirmed_accounts_see_no_reminder(testapp_en, factory, log_in, setup):
    territory, _page, _event = setup
    log_in(testapp_en, factory.user())
    assert testapp_en.get(f"/t/{territory.slug}").html.find("form", class_="confirm-reminder") is None
