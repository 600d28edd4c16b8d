"""Demo evaluation surveys (issue #17): six past demo events (two per territory, of different
kinds) carry a survey made from a template — published, most closed a fortnight after the event,
the latest still open — with a few hundred responses whose answers follow plausible, slightly
different distributions (deterministic: ``random.Random``), French comments and a couple in
English, and one abusive comment already hidden by its organiser. ``response_count`` is kept
right. The results, the comparison (the animators are the events' authors) and the statistics
pages' evaluation figures show them.

Run again, it adds nothing (when any survey exists)."""
from __future__ import annotations

import hashlib
import random
from datetime import timedelta

from sqlalchemy import select

from ..blueprints.surveys.templates import create_survey
from ..extensions import db
from ..models.base import utcnow
from ..models.events import Event
from ..models.surveys import CHOICE_KINDS, MULTIPLE, NPS, RATING, TEXT_KINDS, Answer, Response, Survey

SEED = 1717
TEMPLATES = ["complete", "complete", "satisfaction", "complete", "nps", "complete"]
SKIPPED_KINDS = ("meeting", "online")

COMMENTS_FR = [
    "Super atelier, mes enfants ont adoré manipuler !",
    "Très clair, la médiatrice prend le temps de répondre à toutes les questions.",
    "Un peu trop long pour les plus petits, mais passionnant.",
    "Salle trop petite, on voyait mal l’écran du fond.",
    "Merci pour cette belle découverte, on reviendra.",
    "J’aurais aimé plus de temps pour les expériences.",
    "Parfait pour une sortie en famille un samedi.",
    "Le lien avec l’actualité scientifique était très intéressant.",
    "Difficile de trouver le lieu, prévoir un fléchage.",
    "Bravo à toute l’équipe, accueil chaleureux.",
    "Trop de monde, on n’a pas pu tout essayer.",
    "Les supports distribués sont très bien faits.",
    "Ma fille veut devenir astronome maintenant !",
    "Intéressant mais un peu technique par moments.",
]
COMMENTS_EN = [
    "Great hands-on session, my kids loved it.",
    "Very friendly staff, though the room was a bit crowded.",
]
ABUSIVE = "Animateur nul, arnaque totale, allez tous vous faire voir !!!"
# What was learnt ("learnt" choices' codes), per how good the action was.
LEARNT_WEIGHTS = {"a_lot": 4, "some": 5, "not_much": 2, "nothing": 1}
HEARD_WEIGHTS = {"word_of_mouth": 5, "social": 4, "website": 3, "poster": 2, "school": 2, "press": 1, "other": 1}


def _past_events(territories) -> list[Event]:
    """Two past published events per territory, of different kinds, the latest first."""
    now = utcnow()
    chosen = []
    for territory in territories.values():
        kinds = set()
        for event in db.session.scalars(
                select(Event).where(Event.territory_id == territory.id, Event.status == "published",
                                    Event.starts_at < now - timedelta(days=2),
                                    Event.event_kind.not_in(SKIPPED_KINDS))
                .order_by(Event.starts_at.desc(), Event.id).limit(40)):
            if event.event_kind not in kinds:
                kinds.add(event.event_kind)
                chosen.append(event)
            if len(kinds) == 2:
                break
    return sorted(chosen, key=lambda e: e.starts_at)


def _digest(*parts) -> str:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).hexdigest()


def _rating(rng, quality: float, scale_max: int) -> int:
    """1…scale_max, centred near the top for a good action (quality 0…1)."""
    weights = [(n / scale_max) ** (1 + 6 * quality) + 0.02 for n in range(1, scale_max + 1)]
    return rng.choices(range(1, scale_max + 1), weights)[0]


def _nps(rng, quality: float) -> int:
    weights = [0.3] * 5 + [0.6, 1, 2, 3 + 4 * quality, 2 + 6 * quality, 1 + 6 * quality]
    return rng.choices(range(0, 11), weights)[0]


def seed(territories, users, lines):
    if db.session.scalar(select(Survey.id).limit(1)) is not None:
        lines.append("surveys already present: none added")
        return
    rng = random.Random(SEED)
    now = utcnow()
    events = _past_events(territories)
    total = 0
    abusive_done = False
    for index, event in enumerate(events):
        owner = event.author
        if owner is None:
            continue
        survey = create_survey(owner, template=TEMPLATES[index % len(TEMPLATES)], content=event,
                               languages="fr,en" if index % 3 == 0 else "fr")
        survey.published = True
        survey.opens_at = event.starts_at
        latest = index == len(events) - 1
        survey.closes_at = None if latest else min(event.starts_at + timedelta(days=14), now - timedelta(hours=1))
        survey.created_at = event.starts_at - timedelta(days=3)
        db.session.flush()
        quality = rng.uniform(0.35, 0.95)
        count = rng.randint(35, 75)
        end = survey.closes_at or now
        window = max(end - event.starts_at - timedelta(hours=3), timedelta(hours=1))
        for n in range(count):
            english = rng.random() < 0.08
            response = Response(survey_id=survey.id, device_hash=_digest("demo-device", survey.id, n),
                                nonce=_digest("demo-nonce", survey.id, n)[:32], locale="en" if english else "fr",
                                submitted_at=event.starts_at + timedelta(hours=2) + window * rng.random() ** 2)
            for question in survey.questions:
                if not question.required and rng.random() < (0.6 if question.kind in TEXT_KINDS else 0.15):
                    continue
                if question.kind == RATING:
                    response.answers.append(Answer(question_id=question.id,
                                                   number=_rating(rng, quality, question.scale_max)))
                elif question.kind == NPS:
                    response.answers.append(Answer(question_id=question.id, number=_nps(rng, quality)))
                elif question.kind in CHOICE_KINDS:
                    weights = LEARNT_WEIGHTS if question.code == "learnt" else HEARD_WEIGHTS
                    choices = [c for c in question.choices if c.code in weights]
                    picked = rng.choices(choices, [weights[c.code] for c in choices],
                                         k=rng.choice((1, 1, 2)) if question.kind == MULTIPLE else 1)
                    for choice in dict.fromkeys(picked):
                        response.answers.append(Answer(question_id=question.id, choice_id=choice.id))
                elif question.kind in TEXT_KINDS:
                    if not abusive_done and n >= 7:
                        abusive_done = True
                        response.answers.append(Answer(question_id=question.id, text=ABUSIVE, hidden=True))
                    else:
                        text = rng.choice(COMMENTS_EN if english else COMMENTS_FR)
                        response.answers.append(Answer(question_id=question.id, text=text))
            db.session.add(response)
        survey.response_count = count
        total += count
    db.session.flush()
    lines.append(f"{len(events)} surveys, {total} responses")
