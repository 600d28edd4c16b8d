"""The organiser's comparison (/surveys/compare): their managed surveys side by side on the
templates' questions, by date, nobody else's."""
from datetime import datetime

from csti.blueprints.surveys.templates import create_survey

from .results_data import add_responses, known_survey, make_event


def test_the_comparison(db, factory, testapp_en, log_in):
    known = known_survey(db, factory)  # event on 19 May 2025: 3.8, +20, learnt 3 of 5
    earlier = make_event(db, known.territory, known.owner, "Conférence de mars", "talk", datetime(2025, 3, 2, 18))
    survey = create_survey(known.owner, template="complete", content=earlier)
    db.session.commit()
    add_responses(db, survey, [(4, "nothing", [], 2, "", False), (2, "nothing", [], 10, "", False)])
    empty = create_survey(known.owner, template="nps", title_fr="Sans réponse")
    stranger = factory.user(email="autre@example.org")
    create_survey(stranger, template="complete", title_fr="Pas à moi")
    db.session.commit()
    empty.created_at = datetime(2026, 1, 1)
    db.session.commit()

    log_in(testapp_en, known.owner)
    page = testapp_en.get("/surveys/compare")
    rows = [[c.get_text(strip=True) for c in tr.find_all(["th", "td"])] for tr in page.html.select("table tbody tr")]
    assert rows == [
        ["Conférence de mars", "Mar 2, 2025", "2", "3.0", "0", "0%"],
        ["Atelier robots", "May 19, 2025", "5", "3.8", "+20", "60%"],
        ["Sans réponse", "Jan 1, 2026", "0", "—", "—", "—"],
    ]
    assert "Pas à moi" not in page.text


def test_the_comparison_needs_an_account(db, factory, testapp):
    assert "/login" in testapp.get("/surveys/compare").location
