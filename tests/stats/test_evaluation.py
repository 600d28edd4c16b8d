"""The network's evaluation indicators on the statistics pages (issue #17): actions evaluated,
responses, satisfaction on a scale of 5 by kind of action and by territory, the NPS — against
known responses (tests/surveys/results_data.py), scoped to the territory and the period."""
from datetime import UTC, datetime

from csti.blueprints.surveys.templates import create_survey
from tests.surveys.results_data import ROWS, add_responses, make_event

from .test_figures import YEAR, table


def _surveys(db, site):
    # A workshop's "complete" survey: satisfaction 5, 4, 3, 2, 5; NPS +20 (tests/surveys/test_results.py).
    workshop = make_event(db, site.territory, site.animator, "Atelier évalué", "workshop")
    survey = create_survey(site.animator, template="complete", content=workshop)
    db.session.commit()
    add_responses(db, survey, ROWS)
    # A talk rated on 10: 10 and 1 are 5 and 1 out of 5 (average 3).
    talk = make_event(db, site.territory, site.animator, "Conférence évaluée", "talk")
    on_ten = create_survey(site.animator, template="satisfaction", content=talk)
    on_ten.questions[0].scale_max = 10
    db.session.commit()
    add_responses(db, on_ten, [(10, None, [], None, "", False), (1, None, [], None, "", False)])
    # Not counted on Occitanie's page: last year's responses, a standalone survey, Bretagne's.
    add_responses(db, create_survey(site.animator, template="satisfaction", content=talk),
                  [(1, None, [], None, "", False)], start=datetime(2024, 6, 1, tzinfo=UTC))
    add_responses(db, create_survey(site.animator, template="satisfaction", territory=site.territory),
                  [(1, None, [], None, "", False)])
    elsewhere = make_event(db, site.other, site.outsider_animator, "Atelier breton", "workshop")
    add_responses(db, create_survey(site.outsider_animator, template="satisfaction", content=elsewhere),
                  [(4, None, [], None, "", False)] * 2)


def test_a_territory_s_evaluation(site, db, testapp_en, log_in):
    _surveys(db, site)
    log_in(testapp_en, site.animator)
    page = testapp_en.get("/t/occitanie/stats", params=YEAR)
    assert dict(table(page, "evaluation")) == {
        "Actions evaluated (with at least one response in the period)": "2", "Responses": "7",
        "Average satisfaction (out of 5)": "3.6",  # (5+4+3+2+5 + 5+1) / 7 = 3.57
        "NPS score (from −100 to 100)": "+20"}
    assert table(page, "evaluation-kinds") == [["Conference / talk", "2", "3.0"], ["Workshop", "5", "3.8"]]
    assert page.html.find(id="stats-evaluation-territories") is None
    assert page.html.find(id="stats-evaluation-kinds").find_parent("section").find("svg") is not None
    # The period: last year only has the one response.
    earlier = testapp_en.get("/t/occitanie/stats", params={"from": "2024-01-01", "to": "2024-12-31"})
    assert dict(table(earlier, "evaluation"))["Responses"] == "1"
    assert dict(table(earlier, "evaluation"))["NPS score (from −100 to 100)"] == "—"
    # Bretagne's animator sees Bretagne's only.
    log_in(testapp_en, site.outsider_animator)
    other = testapp_en.get("/t/bretagne/stats", params=YEAR)
    assert dict(table(other, "evaluation"))["Average satisfaction (out of 5)"] == "4.0"


def test_the_whole_site_by_territory(site, db, testapp_en, log_in):
    _surveys(db, site)
    log_in(testapp_en, site.admin)
    page = testapp_en.get("/admin/stats", params=YEAR)
    assert dict(table(page, "evaluation"))["Responses"] == "9"
    assert dict(table(page, "evaluation"))["Actions evaluated (with at least one response in the period)"] == "3"
    assert table(page, "evaluation-territories") == [["Bretagne", "2", "4.0"], ["Occitanie", "7", "3.6"]]
    csv_text = testapp_en.get("/admin/stats.csv", params=YEAR).body.decode("utf-8-sig")
    assert "Satisfaction by territory" in csv_text


def test_the_french_page(site, db, testapp, log_in):
    _surveys(db, site)
    site.animator.locale = "fr"
    log_in(testapp, site.animator)
    page = testapp.get("/t/occitanie/stats", params=YEAR)
    assert page.html.find(id="stats-evaluation") is not None
    assert "3,6" in page.html.find(id="stats-evaluation").find_parent("section").get_text()
