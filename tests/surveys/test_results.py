"""A survey's results against known responses (tests/surveys/results_data.py): averages,
distributions, NPS, multiple-choice percentages, hidden texts, the CSV, who may see them."""
import csv
import io

import pytest
from sqlalchemy import select

from csti.models import AuditLog
from csti.models.surveys import Answer
from tests.conftest import csrf_headers

from .results_data import known_survey


@pytest.fixture
def known(db, factory):
    return known_survey(db, factory)


def section(page, known, code):
    question = next(q for q in known.survey.questions if q.code == code)
    return page.html.find(id=f"question-{question.id}")


def rows(section):
    return [[c.get_text(" ", strip=True) for c in tr.find_all(["th", "td"])] for tr in section.tbody.find_all("tr")]


def test_the_figures_of_known_responses(known, testapp_en, log_in):
    log_in(testapp_en, known.owner)
    page = testapp_en.get(f"/surveys/{known.survey.id}/results")
    assert "5 responses" in page.html.find(class_="survey-count").get_text()
    satisfaction = section(page, known, "satisfaction")
    assert "Average: 3.8 out of 5" in satisfaction.get_text()  # (5+4+3+2+5)/5
    assert rows(satisfaction) == [["1", "0", "0%"], ["2", "1", "20%"], ["3", "1", "20%"], ["4", "1", "20%"],
                                  ["5", "2", "40%"]]
    assert satisfaction.find("svg", attrs={"role": "img"}) is not None
    nps = section(page, known, "nps").get_text(" ", strip=True)
    # promoters 10, 9 (40 %); passives 7, 8 (40 %); detractors 3 (20 %): 40 − 20 = +20
    assert "NPS score: +20" in nps
    assert "Promoters (9–10): 2 (40%)" in nps and "Passives (7–8): 2 (40%)" in nps
    assert "Detractors (0–6): 1 (20%)" in nps
    assert len(rows(section(page, known, "nps"))) == 11  # 0…10
    learnt = dict((r[0], r[1:]) for r in rows(section(page, known, "learnt")))
    assert learnt["A lot"] == ["2", "40%"] and learnt["Nothing"] == ["1", "20%"]
    # Multiple choice: % of the 3 respondents who ticked something (not of the 4 ticks).
    heard = dict((r[0], r[1:]) for r in rows(section(page, known, "heard_of")))
    assert heard["Social networks"] == ["2", "67%"] and heard["Word of mouth"] == ["1", "33%"]
    assert heard["Poster, flyer"] == ["1", "33%"] and heard["Press, radio"] == ["0", "0%"]
    comments = section(page, known, "comment")
    visible = [li.blockquote.get_text() for li in comments.select("ul.survey-texts")[0].find_all("li")]
    assert visible == ['=HYPERLINK("http://evil.example","clic")', "Super atelier, merci !"]  # newest first
    hidden = comments.find("details", class_="survey-hidden-texts")
    assert "Texte injurieux" in hidden.get_text() and "1 hidden answer" in hidden.summary.get_text()
    assert "2 answers" in comments.get_text()


def test_french_page_formats_the_average(known, testapp, log_in):
    known.owner.locale = "fr"
    log_in(testapp, known.owner)
    page = testapp.get(f"/surveys/{known.survey.id}/results")
    assert "3,8" in section(page, known, "satisfaction").get_text()


def test_the_summary_fragment_for_polling(known, testapp_en, log_in):
    log_in(testapp_en, known.owner)
    page = testapp_en.get(f"/surveys/{known.survey.id}/results?summary=1", headers={"HX-Request": "true"})
    assert page.text.lstrip().startswith('<div id="survey-summary"') and "<html" not in page.text


def test_hiding_and_showing_a_text_again(known, db, testapp_en, log_in):
    log_in(testapp_en, known.owner)
    page = testapp_en.get(f"/surveys/{known.survey.id}/results")
    form = next(f for f in page.forms.values() if f.action.endswith("/hide")
                and "Super atelier" in str(page.html.find(attrs={"action": f.action}).find_parent("li")))
    answer_id = int(form.action.split("/")[-2])
    assert form.submit().status_int == 303  # without JS: back to the results
    db.session.rollback()
    assert db.session.get(Answer, answer_id).hidden
    page = testapp_en.get(f"/surveys/{known.survey.id}/results")
    comments = section(page, known, "comment")
    assert "Super atelier" not in comments.select("ul.survey-texts")[0].get_text()
    assert "2 hidden answers" in comments.find("details").summary.get_text()
    assert "1 answer" in comments.find(class_="meta").get_text()
    # htmx: the row comes back in its new state.
    fragment = testapp_en.post(f"/surveys/{known.survey.id}/answers/{answer_id}/unhide", headers=csrf_headers(page))
    assert fragment.text.lstrip().startswith(f'<li class="survey-text" id="answer-{answer_id}"') and "Hide" in fragment.text
    db.session.rollback()
    assert not db.session.get(Answer, answer_id).hidden
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.target_id == answer_id)).all()
    assert sorted(actions) == ["survey.answer_hidden", "survey.answer_shown"]


def test_only_text_answers_of_this_survey_can_be_hidden(known, db, factory, testapp_en, log_in):
    log_in(testapp_en, known.owner)
    page = testapp_en.get(f"/surveys/{known.survey.id}/results")
    number = db.session.scalar(select(Answer.id).where(Answer.number.is_not(None)))
    testapp_en.post(f"/surveys/{known.survey.id}/answers/{number}/hide", headers=csrf_headers(page), status=404)
    other = known_survey(db, factory, territory=known.territory, owner=known.owner)
    text = db.session.scalar(select(Answer.id).where(Answer.text != "").join(Answer.response)
                             .where(Answer.response.property.mapper.class_.survey_id == other.survey.id))
    testapp_en.post(f"/surveys/{known.survey.id}/answers/{text}/hide", headers=csrf_headers(page), status=404)


def test_the_csv(known, testapp_en, log_in):
    log_in(testapp_en, known.owner)
    response = testapp_en.get(f"/surveys/{known.survey.id}/results.csv")
    assert response.content_type == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="survey-') and disposition.endswith('.csv"')
    assert response.body.startswith("\ufeff".encode())
    table = list(csv.reader(io.StringIO(response.body.decode("utf-8-sig")), delimiter=";"))
    assert table[0][:3] == ["submitted_at", "locale", "Overall, how satisfied are you with this action?"]
    assert len(table[0]) == 2 + 5 and len(table) == 1 + 5
    first, second, third = table[1], table[2], table[3]
    assert first[0] == "2025-05-20T10:00:00+02:00" and first[1] == "fr"  # local time (summer)
    assert first[2:] == ["5", "A lot", "Word of mouth | Social networks", "10", "Super atelier, merci !"]
    assert second[6] == "'=HYPERLINK(\"http://evil.example\",\"clic\")"  # never a formula
    assert third[6] == ""  # hidden: left out
    assert "Texte injurieux" not in response.body.decode("utf-8-sig")


@pytest.mark.parametrize("url", ["/surveys/{id}/results", "/surveys/{id}/results.csv"])
def test_who_sees_the_results(known, db, factory, testapp, log_in, url):
    url = url.format(id=known.survey.id)
    assert testapp.get(url).status_int == 302 and "/login" in testapp.get(url).location  # visitor: log in
    log_in(testapp, factory.user(email="other@example.org", roles={known.territory: "contributor"}))
    testapp.get(url, status=403)
    log_in(testapp, factory.user(email="admin@example.org", admin=True))
    testapp.get(url, status=200)
    log_in(testapp, factory.user(email="anim@example.org", roles={known.territory: "animator"}))
    testapp.get(url, status=200)  # an animator may edit the event, hence manage its survey
    testapp.get("/surveys/999999/results", status=404)


def test_another_member_cannot_hide(known, db, factory, testapp, log_in):
    log_in(testapp, factory.user(email="other@example.org"))
    page = testapp.get("/surveys/compare")
    answer = db.session.scalar(select(Answer.id).where(Answer.text != ""))
    testapp.post(f"/surveys/{known.survey.id}/answers/{answer}/hide", headers=csrf_headers(page), status=403)
    db.session.rollback()
    assert not db.session.get(Answer, answer).hidden


def test_an_animator_does_not_read_a_member_s_standalone_survey(db, factory, testapp, log_in):
    from csti.blueprints.surveys.templates import create_survey

    territory = factory.territory(slug="occitanie")
    owner = factory.user(email="owner@example.org", roles={territory: "member"})
    survey = create_survey(owner, template="nps", territory=territory)
    db.session.commit()
    log_in(testapp, factory.user(email="anim@example.org", roles={territory: "animator"}))
    testapp.get(f"/surveys/{survey.id}/results", status=403)  # the network's figures only (stats page)
    testapp.get(f"/surveys/{survey.id}/results.csv", status=403)
    log_in(testapp, owner)
    testapp.get(f"/surveys/{survey.id}/results", status=200)
