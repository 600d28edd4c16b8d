"""Sample surveys for the page-wide checks (HTML validity, axe, the phone test): a published one
in both languages attached to a published item, a closed one, one in French only."""
from datetime import timedelta


def sample_surveys(db, content=None) -> dict:
    """Create them (committed); their public paths by name."""
    from csti.blueprints.surveys.templates import create_survey
    from csti.models.base import utcnow

    made = {}
    for name, languages, closes_at in (("survey", "fr,en", None), ("survey_fr", "fr", None),
                                       ("survey_closed", "fr,en", utcnow() - timedelta(days=1))):
        survey = create_survey(None, template="complete", languages=languages, content=content)
        survey.published = True
        survey.closes_at = closes_at
        survey.intro_fr = "Merci de prendre une minute.\nVos réponses sont anonymes."
        survey.intro_en = "Thank you for taking a minute.\nYour answers are anonymous." if "en" in languages else ""
        db.session.add(survey)
        db.session.flush()
        made[name] = f"/s/{survey.token}"
        made[name + "_id"] = survey.id
    db.session.commit()
    return made
