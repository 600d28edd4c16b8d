"""The templates a survey starts from (issue #17), and making a survey.

A template is a list of questions worded in both languages, each with a ``code``: questions of
one code are compared across surveys (the organiser's comparison, the network's satisfaction on
the statistics page). "complete" gathers the four others. Choices carry codes too, so that the
answers of "how did you hear of it" add up across surveys whatever the wording."""
from __future__ import annotations

import secrets

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models.surveys import LONG, MULTIPLE, NPS, RATING, SINGLE, Choice, Question, Survey

# Question codes the results and the network's indicators know.
SATISFACTION, LEARNT, HEARD_OF, RECOMMEND, COMMENT = "satisfaction", "learnt", "heard_of", "nps", "comment"

_SATISFACTION = dict(code=SATISFACTION, kind=RATING, scale_max=5, required=True,
                     fr="Dans l’ensemble, êtes-vous satisfait·e de cette action ?",
                     en="Overall, how satisfied are you with this action?")
_CONTENT = dict(code="content", kind=RATING, scale_max=5, required=False,
                fr="Le contenu était-il adapté à votre public ou à vous ?",
                en="Was the content suited to you or your audience?")
_LEARNT = dict(code=LEARNT, kind=SINGLE, required=True,
               fr="Avez-vous appris quelque chose ?", en="Did you learn something?",
               choices=[("a_lot", "Beaucoup", "A lot"), ("some", "Un peu", "Some"),
                        ("not_much", "Pas vraiment", "Not really"), ("nothing", "Rien", "Nothing")])
_LEARNT_WHAT = dict(code="learnt_what", kind=LONG, required=False,
                    fr="Qu’en retenez-vous ?", en="What will you remember?")
_HEARD_OF = dict(code=HEARD_OF, kind=MULTIPLE, required=False,
                 fr="Comment avez-vous connu cette action ?", en="How did you hear of this action?",
                 choices=[("word_of_mouth", "Bouche-à-oreille", "Word of mouth"),
                          ("social", "Réseaux sociaux", "Social networks"),
                          ("website", "Site web, agenda en ligne", "Website, online calendar"),
                          ("poster", "Affiche, flyer", "Poster, flyer"),
                          ("school", "École, enseignant·e", "School, teacher"),
                          ("press", "Presse, radio", "Press, radio"),
                          ("other", "Autre", "Other")])
_RECOMMEND = dict(code=RECOMMEND, kind=NPS, required=True,
                  fr="Recommanderiez-vous cette action à un proche ?",
                  en="Would you recommend this action to a friend?")
_COMMENT = dict(code=COMMENT, kind=LONG, required=False,
                fr="Un commentaire, une suggestion ?", en="Any comment or suggestion?")

TEMPLATES = {
    "complete": dict(label=_l("Complete evaluation (satisfaction, learning, how they heard of it, NPS)"),
                     title_fr="Votre avis sur cette action", title_en="Your opinion of this action",
                     questions=[_SATISFACTION, _LEARNT, _HEARD_OF, _RECOMMEND, _COMMENT]),
    "satisfaction": dict(label=_l("Satisfaction"), title_fr="Votre satisfaction", title_en="Your satisfaction",
                         questions=[_SATISFACTION, _CONTENT, _COMMENT]),
    "learning": dict(label=_l("What was learnt"), title_fr="Ce que vous avez appris",
                     title_en="What you learnt", questions=[_LEARNT, _LEARNT_WHAT]),
    "heard_of": dict(label=_l("How they heard of it"), title_fr="Comment nous avez-vous connus ?",
                     title_en="How did you hear of us?", questions=[_HEARD_OF]),
    "nps": dict(label=_l("Would recommend (NPS)"), title_fr="Recommanderiez-vous cette action ?",
                title_en="Would you recommend this action?", questions=[_RECOMMEND, _COMMENT]),
}


def new_token() -> str:
    """A short public code: 8 characters of an alphabet without look-alikes (0/O, 1/l/I)."""
    alphabet = "23456789abcdefghijkmnpqrstuvwxyz"
    while True:
        token = "".join(secrets.choice(alphabet) for _ in range(8))
        if db.session.query(Survey.id).filter_by(token=token).first() is None:
            return token


def create_survey(owner, *, template: str = "", content=None, territory=None, languages: str = "fr",
                  title_fr: str = "", title_en: str = "") -> Survey:
    """A new survey (not yet published), from ``template`` ("" for none: no question) — added to
    the session, not committed. Its territory is its content's, else ``territory``."""
    spec = TEMPLATES.get(template) if template else None
    if template and spec is None:
        raise ValueError(f"unknown survey template {template!r}")
    survey = Survey(token=new_token(), owner=owner, content=content, template=template or "",
                    territory_id=(content.territory_id if content is not None else getattr(territory, "id", None)),
                    languages=languages,
                    title_fr=title_fr or (spec["title_fr"] if spec and "fr" in languages else ""),
                    title_en=title_en or (spec["title_en"] if spec and "en" in languages else ""))
    for position, q in enumerate(spec["questions"] if spec else []):
        question = Question(position=position, kind=q["kind"], code=q["code"], required=q["required"],
                            scale_max=q.get("scale_max", 5),
                            text_fr=q["fr"] if "fr" in languages else "",
                            text_en=q["en"] if "en" in languages else "")
        for cpos, (code, fr, en) in enumerate(q.get("choices", [])):
            question.choices.append(Choice(position=cpos, code=code, label_fr=fr if "fr" in languages else "",
                                           label_en=en if "en" in languages else ""))
        survey.questions.append(question)
    db.session.add(survey)
    return survey
