"""Issue #17's "Done when", tried as a new user would, in both languages: an organiser evaluates
her event from its page with a template, publishes it, takes its link from the share page (the
QR code encodes that link: tests/surveys/test_builder.py), four participants answer it on their
own devices without an account, and she reads results whose arithmetic is checked against the
known answers, then exports them. (On a phone-sized browser without JavaScript:
tests/browser/test_survey_answer.py.)"""
import csv
import io
import re

import pytest
from webtest import TestApp

from tests.conftest import isolated, login
from tests.surveys.test_builder import make_event

WORDS = {
    "en": {"evaluate": "Evaluate this action", "average": "3.8", "nps": "+25", "accept": "en-GB,en;q=0.9"},
    "fr": {"evaluate": "Évaluer cette action", "average": "3,8", "nps": "+25", "accept": "fr-FR,fr;q=0.9"},
}
# Four participants: satisfaction 5, 4, 4, 2 (average 3.75); NPS 10, 9, 7, 3 (2 promoters, 1
# passive, 1 detractor of 4: 50 % − 25 % = +25); "learnt" a lot, a lot, some, nothing.
ANSWERS = [(5, 10, 0), (4, 9, 0), (4, 7, 1), (2, 3, 3)]


def _form_with(page, field):
    return next(f for f in page.forms.values() if field in f.fields)


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_an_organiser_evaluates_her_event_and_reads_the_results(app, db, factory, lang):
    words = WORDS[lang]
    t = factory.territory(slug="t", name="Territoire T")
    factory.user(email="organiser@example.org", name="Olga", locale=lang, roles={t: "contributor"})
    from csti.models import User

    organiser_user = db.session.query(User).filter_by(email="organiser@example.org").one()
    event = make_event(db, t, organiser_user, title="Nuit des étoiles")
    organiser = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": "10.0.0.1", "HTTP_ACCEPT_LANGUAGE": words["accept"]})
    assert login(organiser, "organiser@example.org").status_int == 303

    # From the event's page: "Evaluate this action", the "complete" template, in her language.
    page = organiser.get(f"/event/{event.id}").maybe_follow()
    page = page.click(description=words["evaluate"])
    form = page.forms["new-survey"]
    form["template"] = "complete"
    form["languages"] = lang
    page = form.submit(status=303).follow()
    settings = _form_with(page, "s-published")
    settings["s-published"] = True
    settings.submit(status=303)

    # The share page gives the public link.
    share = organiser.get(page.request.path + "/share")
    link = share.html.find(id="survey-link")["value"]
    assert re.fullmatch(r"https?://[^/]+/s/[a-z2-9]{8}", link)
    path = "/s/" + link.rsplit("/s/", 1)[1]

    # Four participants, each on their own device, no account.
    for number, (satisfaction, nps, learnt) in enumerate(ANSWERS):
        phone = TestApp(isolated(app), extra_environ={"REMOTE_ADDR": f"10.0.1.{number + 1}",
                                                      "HTTP_ACCEPT_LANGUAGE": words["accept"]})
        answer = phone.get(path)
        assert answer.html.find("html")["lang"] == lang
        form = answer.forms["survey-form"]
        fields = {name: f for name, f in form.fields.items()}
        radios = [name for name in fields if name and name.startswith("q")]
        satisfaction_q, learnt_q, _heard, nps_q = radios[0], radios[1], radios[2], radios[3]
        form[satisfaction_q] = str(satisfaction)
        form[learnt_q] = form[learnt_q].options[learnt][0]
        form[nps_q] = str(nps)
        thanks = form.submit(status=303).follow()
        assert thanks.status_int == 200
        phone.get(path, status=200)  # "you already answered", no form
        assert "survey-form" not in phone.get(path).forms

    # The results, checked against the answers above.
    results = organiser.get(page.request.path + "/results")
    text = " ".join(results.html.get_text(" ").split())
    assert words["average"] in text and words["nps"] in text
    export = organiser.get(page.request.path + "/results.csv")
    rows = list(csv.reader(io.StringIO(export.body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + len(ANSWERS)
    satisfaction_column = [row[2] for row in rows[1:]]
    assert sorted(satisfaction_column) == sorted(str(a[0]) for a in ANSWERS)
