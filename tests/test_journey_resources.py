"""Issue 16's "Done when", tried as a new user would, on the REAL demo data (csti.demo.seed):
Sophie, who runs a library (« Médiathèque Émile-Zola »), looks for a kit free on given dates,
asks to borrow it for her library; Claire, who manages the lending structure (« Sciences en
Garonne »), accepts it from "My loans"; the dates then show as taken on the resource's calendar and
the kit leaves the list of what is free on those dates — in French and in English. Only HTTP,
following the pages' links and forms."""
from datetime import date, timedelta

import pytest
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from webtest import TestApp

from csti.demo import DEMO_PASSWORD
from csti.demo import seed as demo_seed
from csti.models import Actor, Booking, Resource
from tests.conftest import isolated, login

LENDER, LIBRARY = "Sciences en Garonne", "Médiathèque Émile-Zola – espace sciences"


def _card(client, url, booking_id, **args):
    """The booking's card in a paged list (``url`` filtered by ``args``), looked for page by page."""
    for number in range(1, 20):
        page = client.get(url, {**args, "page": number})
        card = page.html.find(id=f"booking-{booking_id}")
        if card is not None:
            return card
        if not page.html.select('a[rel="next"]'):
            break
    raise AssertionError(f"booking {booking_id} is on no page of {url}")


def _browser(app, language):
    return TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "127.0.0.1", "HTTP_ACCEPT_LANGUAGE": language})


def _tr(app, text, language):
    with app.test_request_context(), force_locale(language):
        return _(text)


def _cards(page) -> dict[str, str]:
    """{title: href} of the list's cards."""
    return {" ".join(a.get_text().split()): a["href"] for a in page.html.select("li.card h3 a, li.card h2 a")}


@pytest.fixture
def demo(app, db):
    with app.app_context():
        demo_seed()
    db.session.rollback()
    return db


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_library_borrows_a_kit(app, demo, language):
    db = demo
    lender = db.session.scalar(select(Actor).where(Actor.title == LENDER))
    library = db.session.scalar(select(Actor).where(Actor.title == LIBRARY))
    sophie = _browser(app, language)
    assert login(sophie, "sophie.nguyen@csti.example", DEMO_PASSWORD).status_int in (302, 303)
    sophie.get(f"/lang/{language}")  # her account reads French: the switch sets the session's language

    # The lender's kits free on a week in a few months (the first such week the list finds).
    resources = sophie.get("/")
    resources = sophie.get([a["href"] for a in resources.html.select("nav a") if a["href"] == "/resources"][0])
    assert resources.html.find("h1").get_text(strip=True) == _tr(app, "Resources", language)
    chosen = None
    for weeks in range(8, 30):
        start = date.today() + timedelta(weeks=weeks)
        end = start + timedelta(days=4)
        found = sophie.get("/resources", {"kind": "kit", "structure": lender.id, "from": start.isoformat(),
                                          "to": end.isoformat()})
        if _cards(found):
            chosen = found
            break
    assert chosen is not None, "no kit of the lender is free in the coming months"
    title, href = next(iter(_cards(chosen).items()))
    db.session.rollback()
    kit = db.session.scalar(select(Resource).where(Resource.title == title))
    assert kit.lendable and lender in kit.owners and kit.resource_kind == "kit"
    # what the list says is free is free: no accepted or returned loan meets the week
    assert not db.session.scalars(select(Booking).where(
        Booking.resource_id == kit.id, Booking.status.in_(("accepted", "returned")),
        Booking.starts_on <= end, Booking.ends_on >= start)).all()

    # Her request, for her library.
    page = sophie.get(href, {"month": start.strftime("%Y-%m")})
    form = page.forms["booking-form"]
    form["borrower"] = str(library.id)
    form["starts_on"] = start.isoformat()
    form["ends_on"] = end.isoformat()
    form["message"] = "Pour notre semaine de la science." if language == "fr" else "For our science week."
    requests = form.submit().follow()
    assert requests.request.path == "/me/requests"
    assert title in requests.text
    db.session.rollback()  # a new snapshot: the request was written by the site
    booking = db.session.scalars(select(Booking).where(Booking.resource_id == kit.id, Booking.starts_on == start,
                                                       Booking.borrower_id == library.id)).one()
    assert booking.status == "requested"

    # Claire answers from "My loans".
    claire = _browser(app, language)
    assert login(claire, "claire.martin@csti.example", DEMO_PASSWORD).status_int in (302, 303)
    claire.get(f"/lang/{language}")
    loans = claire.get("/me/loans")  # requests waiting for an answer come first
    card = loans.html.find(id=f"booking-{booking.id}")
    assert card is not None and title in card.get_text()
    accept = next(f for f in loans.forms.values() if f.action.endswith(f"/booking/{booking.id}/accept"))
    accept["answer"] = "Avec plaisir." if language == "fr" else "With pleasure."
    accept.submit().follow()
    db.session.rollback()
    assert db.session.get(Booking, booking.id).status == "accepted"

    # The dates show as taken on the calendar, and the kit is no longer free on them.
    page = sophie.get(href, {"month": start.strftime("%Y-%m")})
    taken = {td["data-taken"] for td in page.html.select("td.taken")}
    for n in range(5):
        day = start + timedelta(days=n)
        if day.month == start.month:
            assert day.isoformat() in taken
    assert _tr(app, "Lent", language) in page.html.select_one("td.taken").get_text()
    again = sophie.get("/resources", {"kind": "kit", "structure": lender.id, "from": start.isoformat(),
                                      "to": end.isoformat()})
    assert title not in _cards(again)
    mine = _card(sophie, "/me/requests", booking.id, status="accepted")
    assert _tr(app, "Accepted", language) in mine.get_text()
