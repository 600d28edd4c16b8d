"""Survey templates (csti/blueprints/surveys/templates.py): a survey made from each one holds its
questions in the languages asked, with codes that the results compare; the permissions."""
import pytest
from sqlalchemy import select

from csti.blueprints.surveys.templates import TEMPLATES, create_survey
from csti.models.surveys import NPS, Survey
from csti.policy import can


@pytest.mark.parametrize("name", sorted(TEMPLATES))
def test_a_survey_from_a_template_holds_its_questions(db, factory, name):
    owner = factory.user(email="o@example.org")
    survey = create_survey(owner, template=name, languages="fr")
    db.session.commit()
    survey = db.session.scalar(select(Survey).where(Survey.id == survey.id))
    spec = TEMPLATES[name]
    assert [q.code for q in survey.questions] == [q["code"] for q in spec["questions"]]
    assert all(q.text_fr and not q.text_en for q in survey.questions)
    assert survey.title("en") == spec["title_fr"]  # only French: an English reader gets French
    assert len(survey.token) == 8 and not survey.published and not survey.is_open()


def test_both_languages_and_the_scales(db, factory):
    survey = create_survey(factory.user(email="o@example.org"), template="complete", languages="fr,en")
    db.session.commit()
    by_code = {q.code: q for q in survey.questions}
    assert by_code["nps"].kind == NPS and list(by_code["nps"].scale) == list(range(0, 11))
    assert list(by_code["satisfaction"].scale) == [1, 2, 3, 4, 5]
    assert by_code["learnt"].choices[0].label("en") == "A lot"
    assert by_code["learnt"].choices[0].label("fr") == "Beaucoup"
    assert survey.title("en") == "Your opinion of this action"


def test_unknown_template_is_refused(db, factory):
    with pytest.raises(ValueError):
        create_survey(factory.user(email="o@example.org"), template="nope")


def test_who_manages_a_survey(db, factory):
    owner = factory.user(email="o@example.org")
    other = factory.user(email="x@example.org")
    admin = factory.user(email="a@example.org", admin=True)
    survey = create_survey(owner, template="nps")
    db.session.commit()
    assert can(owner, "manage", survey) and can(admin, "manage", survey)
    assert not can(other, "manage", survey) and not can(None, "manage", survey)
    unconfirmed = factory.user(email="u@example.org", confirmed=False)
    assert can(owner, "create_survey") and not can(unconfirmed, "create_survey")
